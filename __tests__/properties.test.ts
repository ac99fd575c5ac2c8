/**
 * Property tests (issue 5) over generated workflows, through every registered
 * transform: never throws, never fails the gate, output parses, a second run
 * is a no-op, and nothing outside the fixed steps / permission and env blocks
 * changes (parsed trees compared with those removed). Fixed seed.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { defaultConfig } from '../src/config.js';
import { processText, type FileOutcome } from '../src/workflow/engine.js';
import { decodeSource } from '../src/workflow/source.js';
import { parseYaml, toPlain } from '../src/yaml.js';
import { TRANSFORMS } from '../transforms/index.js';
import { plainEqual } from '../src/workflow/verify.js';
import { isPlainSafe } from '../transforms/shell/run-step.js';
import { render, RUNS, SEED, WRAPPERS, workflowArb } from './workflow-generator.js';

const run = (text: string): FileOutcome => processText(text, { config: defaultConfig(), transforms: TRANSFORMS, file: 'generated.yml' });

const plainOf = (raw: string) => toPlain(parseYaml(decodeSource(raw).text).docs[0]!) as Record<string, unknown>;

/** Line ranges (1-based, inclusive) of every step of every job, from the parsed input. */
function stepRanges(raw: string): Map<string, [number, number][]> {
  const text = decodeSource(raw).text;
  const doc = parseYaml(text).docs[0]!;
  const lineOf = (offset: number) => text.slice(0, offset).split('\n').length;
  const out = new Map<string, [number, number][]>();
  const jobs = doc.get('jobs') as { items: { key: { value: string }; value: { get(k: string): unknown } }[] };
  for (const pair of jobs.items) {
    const steps = pair.value.get('steps') as { items?: { range?: [number, number, number] }[] } | undefined;
    // An alias (`steps: *x`, `- *x`) has no items or range of its own.
    out.set(pair.key.value, (steps?.items ?? []).map((s) => (s.range ? [lineOf(s.range[0]), lineOf(Math.max(s.range[0], s.range[1] - 1))] : [0, -1])));
  }
  return out;
}

/** `sub` is a subsequence of `seq` (deep equality). */
function isSubsequence(sub: unknown[], seq: unknown[]): boolean {
  let i = 0;
  for (const x of seq) if (i < sub.length && isDeepStrictEqual(sub[i], x)) i++;
  return i === sub.length;
}

const omit = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));

/** Keys transforms may change: permissions and key env entries (OIDC), steps (checked below). */
const MAY_CHANGE = ['permissions', 'env', 'steps'];

describe('properties over generated workflows (all registered transforms)', () => {
  test(`never throws or fails, output parses, idempotent, nothing outside fixed steps changes (${RUNS} runs, seed ${SEED})`, () => {
    fc.assert(
      fc.property(workflowArb, (spec) => {
        const input = render(spec);
        const once = run(input);
        expect({ status: once.status, reason: once.reason }).toEqual({ status: once.output === input ? 'unchanged' : 'changed', reason: undefined });

        // Bytes: BOM, CRLF and final newline kept.
        expect(once.output.startsWith('\uFEFF')).toBe(spec.bom);
        expect(/\r\n|\n/.test(once.output.replace(/\r\n/g, '')) ? false : spec.crlf).toBe(spec.crlf);
        expect(/\n$/.test(once.output)).toBe(spec.finalNewline);

        const parsed = parseYaml(decodeSource(once.output).text);
        expect(parsed.errors).toEqual([]);

        const twice = run(once.output);
        expect(twice.status).toBe('unchanged');
        expect(twice.output).toBe(once.output);

        // Nothing outside the fixed steps changes.
        const before = plainOf(input);
        const after = plainOf(once.output);
        expect(omit(after, ['permissions', 'env', 'jobs'])).toEqual(omit(before, ['permissions', 'env', 'jobs']));
        const bJobs = before.jobs as Record<string, Record<string, unknown>>;
        const aJobs = after.jobs as Record<string, Record<string, unknown>>;
        expect(Object.keys(aJobs)).toEqual(Object.keys(bJobs));
        const findingLines = once.findings.map((f) => f.line);
        const ranges = stepRanges(input);
        for (const id of Object.keys(bJobs)) {
          expect(omit(aJobs[id]!, MAY_CHANGE)).toEqual(omit(bJobs[id]!, MAY_CHANGE));
          const steps = (bJobs[id]!.steps as unknown[]) ?? [];
          const own = ranges.get(id) ?? [];
          // Steps reached through an alias have no lines of their own here: the anchor's job checks them.
          const untouched = steps.filter((_, i) => {
            const r = own[i];
            if (!r) return false;
            const [a, b] = r;
            return !findingLines.some((l) => l >= a && l <= b);
          });
          expect(isSubsequence(untouched, (aJobs[id]!.steps as unknown[]) ?? [])).toBe(true);
        }
      }),
      { seed: SEED, numRuns: RUNS },
    );
  }, 120_000);

  test('the generator covers what the issue asks for', () => {
    const samples = fc.sample(workflowArb, { seed: SEED, numRuns: RUNS });
    const texts = samples.map(render);
    expect(texts.some((t) => t.includes('\r\n'))).toBe(true);
    expect(texts.some((t) => t.startsWith('\uFEFF'))).toBe(true);
    expect(texts.some((t) => !t.endsWith('\n'))).toBe(true);
    expect(samples.some((s) => s.indent === 4) && samples.some((s) => s.unindentedSeq)).toBe(true);
    for (const kind of ['keys', 'envKeys', 'oidc', 'upload', 'download', 'deploy', 'deployBlock', 'wrapperDeploy', 'injection']) {
      expect(samples.some((s) => s.jobs.some((j) => j.steps.some((st) => st.kind === kind)))).toBe(true);
    }
    // Several key-carrying steps in one job, job env keys beside a key step, every anchor form, every wrapper.
    expect(samples.some((s) => s.jobs.some((j) => j.steps.filter((st) => st.kind === 'envKeys' || st.kind === 'keys').length >= 2))).toBe(true);
    expect(samples.some((s) => s.jobs.some((j) => j.env === 'keys' && j.steps.some((st) => st.kind === 'envKeys')))).toBe(true);
    for (const a of ['steps', 'env', 'step']) expect(texts.some((t, i) => samples[i]!.anchor === a && t.includes('*'))).toBe(true);
    for (const w of WRAPPERS) expect(texts.some((t) => t.includes(w))).toBe(true);
    expect(samples.filter((s) => run(render(s)).status === 'changed').length).toBeGreaterThan(RUNS / 2);
  }, 120_000);
});

describe('one-line run: scripts kept plain', () => {
  test('a script isPlainSafe accepts reads back as itself as a plain scalar, in a mapping and as a step value', () => {
    const chars = fc.constantFrom(...'ab0 9-:#\'"`$&*!|>%@?,[]{}\\/.=~+\t'.split(''), 'true', 'null', 'on', '${{ x }}', '~');
    fc.assert(fc.property(fc.array(chars, { minLength: 1, maxLength: 12 }).map((a) => a.join('')), (s) => {
      if (!isPlainSafe(s)) return;
      const doc = parseYaml(`steps:\n  - run: ${s} # c\n    name: x\n`);
      expect(doc.errors).toEqual([]);
      expect(toPlain(doc.docs[0]!)).toEqual({ steps: [{ run: s, name: 'x' }] });
    }), { numRuns: 3000 });
  });
});

describe('the gate\'s equality of parsed values', () => {
  test('plainEqual answers as util.isDeepStrictEqual for values toJS gives (and a value against its own copy with keys reordered)', () => {
    const scalar = fc.oneof(fc.string({ maxLength: 3 }), fc.constantFrom(0, -0, 1, NaN, Infinity, null, true, false, '', '0'));
    const value = fc.letrec((tie) => ({
      v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'on', '__proto__'), tie('v'), { maxKeys: 3 })),
    })).v;
    const reordered = (v: unknown): unknown => Array.isArray(v) ? v.map(reordered)
      : v !== null && typeof v === 'object' ? Object.fromEntries(Object.entries(v).reverse().map(([k, x]) => [k, reordered(x)])) : v;
    fc.assert(fc.property(value, value, (a, b) => {
      expect(plainEqual(a, b)).toBe(isDeepStrictEqual(a, b));
      expect(plainEqual(a, reordered(a))).toBe(isDeepStrictEqual(a, reordered(a)));
    }), { numRuns: 3000 });
    const parsed = toPlain(parseYaml('on: push\njobs:\n  a: { steps: [ { run: x } ] }\n').docs[0]!);
    expect(plainEqual(parsed, { on: 'push', jobs: { a: { steps: [{ run: 'x' }] } } })).toBe(true);
    expect(plainEqual(parsed, { on: 'push', jobs: { a: { steps: [{ run: 'y' }] } } })).toBe(false);
    expect(plainEqual(new Map([[1, 2]]), new Map([[1, 3]]))).toBe(false);
  });
});
