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

const RUNS = Number(process.env.WF_FIX_PROPERTY_RUNS ?? 200);
const SEED = Number(process.env.WF_FIX_PROPERTY_SEED ?? 20261128);

type Quote = 'plain' | 'single' | 'double';
const q = (s: string, style: Quote) => (style === 'single' ? `'${s}'` : style === 'double' ? `"${s}"` : s);

interface StepSpec {
  kind: 'checkout' | 'keys' | 'envKeys' | 'oidc' | 'upload' | 'download' | 'deploy' | 'deployBlock' | 'wrapperDeploy' | 'injection' | 'test';
  /** The command of a `wrapperDeploy` step. */
  wrapper: string;
  name?: string;
  quote: Quote;
  comment: boolean;
  trailing: boolean;
  version: 'v1' | 'v2' | 'v4';
}

interface JobSpec {
  id: string;
  environment?: 'production' | 'staging';
  permissions: boolean;
  env: 'none' | 'plain' | 'keys';
  steps: StepSpec[];
}

/**
 * YAML anchors: the first job's steps, env or first step anchored and the
 * last job using the alias (only with two or more jobs).
 */
type Anchor = 'none' | 'steps' | 'env' | 'step';

interface WorkflowSpec {
  indent: 2 | 4;
  unindentedSeq: boolean;
  crlf: boolean;
  bom: boolean;
  finalNewline: boolean;
  topPermissions: boolean;
  topEnvKeys: boolean;
  anchor: Anchor;
  jobs: JobSpec[];
}

/** Deploys through package-manager wrappers and the other deployers real pipelines use. */
const WRAPPERS = [
  'npm run cdk deploy -- --all',
  'npm run cdk -- deploy --all',
  'yarn cdk deploy --all',
  'pnpm cdk deploy --all',
  'npx aws-cdk deploy --all',
  'uv run cdk deploy --all',
  'poetry run cdk deploy --all',
  'sam deploy --no-confirm-changeset',
  'serverless deploy --stage prod',
  'sls deploy',
  'cdktf deploy --auto-approve',
  'pulumi up --yes',
  'aws cloudformation deploy --template-file template.yml --stack-name app',
];

const stepArb: fc.Arbitrary<StepSpec> = fc.record({
  kind: fc.constantFrom('checkout', 'keys', 'envKeys', 'oidc', 'upload', 'download', 'deploy', 'deployBlock', 'wrapperDeploy', 'injection', 'test'),
  wrapper: fc.constantFrom(...WRAPPERS),
  name: fc.option(fc.constantFrom('Deploy', 'Configure AWS', 'Build: app', 'Upload cdk.out'), { nil: undefined }),
  quote: fc.constantFrom<Quote>('plain', 'single', 'double'),
  comment: fc.boolean(),
  trailing: fc.boolean(),
  version: fc.constantFrom('v1', 'v2', 'v4'),
});

const jobArb = (id: string): fc.Arbitrary<JobSpec> => fc.record({
  id: fc.constant(id),
  environment: fc.option(fc.constantFrom('production', 'staging'), { nil: undefined }),
  permissions: fc.boolean(),
  env: fc.constantFrom<JobSpec['env']>('none', 'plain', 'keys'),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 6 }),
});

const workflowArb: fc.Arbitrary<WorkflowSpec> = fc.record({
  indent: fc.constantFrom<2 | 4>(2, 4),
  unindentedSeq: fc.boolean(),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
  topPermissions: fc.boolean(),
  topEnvKeys: fc.boolean(),
  anchor: fc.constantFrom<Anchor>('none', 'none', 'steps', 'env', 'step'),
  jobs: fc.uniqueArray(fc.constantFrom('build', 'deploy', 'deploy-prod', 'synth', 'test_1'), { minLength: 1, maxLength: 3 })
    .chain((ids) => fc.tuple(...ids.map(jobArb))),
});

function stepLines(s: StepSpec, pad: string, unit: string): string[] {
  const body: string[] = [];
  const kv = (k: string, v: string) => body.push(`${k}: ${v}`);
  const withBlock = (entries: [string, string][]) => {
    body.push('with:');
    for (const [k, v] of entries) body.push(`${unit}${k}: ${v}`);
  };
  if (s.name) kv('name', q(s.name, s.name.includes(': ') && s.quote === 'plain' ? 'double' : s.quote));
  const trailing = s.trailing ? ' # pinned by policy' : '';
  switch (s.kind) {
    case 'checkout': kv('uses', `actions/checkout@v4${trailing}`); break;
    case 'keys':
      kv('uses', `aws-actions/configure-aws-credentials@${s.version}${trailing}`);
      withBlock([
        ['aws-access-key-id', q('${{ secrets.AWS_ACCESS_KEY_ID }}', s.quote)],
        ['aws-secret-access-key', q('${{ secrets.AWS_SECRET_ACCESS_KEY }}', s.quote)],
        ['aws-region', q('us-east-1', s.quote)],
      ]);
      break;
    case 'oidc':
      kv('uses', `aws-actions/configure-aws-credentials@v4${trailing}`);
      withBlock([['role-to-assume', q('arn:aws:iam::123456789012:role/deploy', s.quote)], ['aws-region', 'eu-west-1']]);
      break;
    case 'upload': kv('uses', 'actions/upload-artifact@v4'); withBlock([['name', 'cdk-out'], ['path', 'cdk.out']]); break;
    case 'download': kv('uses', 'actions/download-artifact@v4'); withBlock([['name', 'cdk-out'], ['path', 'cdk.out']]); break;
    case 'envKeys':
      kv('run', q('aws sts get-caller-identity', s.quote));
      body.push('env:', `${unit}AWS_ACCESS_KEY_ID: \${{ secrets.AWS_ACCESS_KEY_ID }}`, `${unit}AWS_SECRET_ACCESS_KEY: \${{ secrets.AWS_SECRET_ACCESS_KEY }}`);
      break;
    case 'wrapperDeploy': body.push('run: |', `${unit}npm ci`, `${unit}${s.wrapper}`); break;
    case 'deploy': kv('run', `npx cdk deploy --all --require-approval never${trailing}`); break;
    case 'deployBlock':
      body.push('run: |', `${unit}npm ci`, `${unit}npx cdk deploy --all --require-approval never`);
      break;
    case 'injection': kv('run', `echo "${'${{ github.event.pull_request.title }}'}"`); break;
    case 'test': kv('run', q('npm test', s.quote)); break;
  }
  const out: string[] = [];
  if (s.comment) out.push(`${pad}# step comment`);
  out.push(`${pad}- ${body[0]}`);
  for (const l of body.slice(1)) out.push(`${pad}  ${l}`);
  return out;
}

function render(w: WorkflowSpec): string {
  const u = ' '.repeat(w.indent);
  const ls = ['name: generated', 'on:', `${u}push:`, `${u}${u}branches: [main]`];
  if (w.topPermissions) ls.push('permissions:', `${u}contents: read`);
  if (w.topEnvKeys) ls.push('env:', `${u}AWS_REGION: us-east-1`, `${u}AWS_ACCESS_KEY_ID: \${{ secrets.AWS_ACCESS_KEY_ID }}`);
  ls.push('', '# the jobs', 'jobs:');
  const anchored = w.jobs.length > 1 ? w.anchor : 'none';
  w.jobs.forEach((j, ji) => {
    const first = ji === 0;
    const aliasing = ji === w.jobs.length - 1 && !first;
    const jp = u.repeat(2);
    ls.push(`${u}${j.id}:`, `${jp}runs-on: ubuntu-latest`);
    if (j.environment) ls.push(`${jp}environment: ${j.environment}`);
    if (j.permissions) ls.push(`${jp}permissions:`, `${jp}${u}contents: read`, `${jp}${u}pull-requests: write`);
    if (anchored === 'env' && aliasing) ls.push(`${jp}env: *job-env`);
    else if (j.env !== 'none' || (anchored === 'env' && first)) {
      ls.push(`${jp}env:${anchored === 'env' && first ? ' &job-env' : ''}`, `${jp}${u}STAGE: ${j.id}`);
      if (j.env === 'keys') ls.push(`${jp}${u}AWS_ACCESS_KEY_ID: \${{ secrets.AWS_ACCESS_KEY_ID }}`, `${jp}${u}AWS_SECRET_ACCESS_KEY: \${{ secrets.AWS_SECRET_ACCESS_KEY }}`);
    }
    if (anchored === 'steps' && aliasing) {
      ls.push(`${jp}steps: *job-steps`);
      return;
    }
    ls.push(`${jp}steps:${anchored === 'steps' && first ? ' &job-steps' : ''}`);
    const pad = w.unindentedSeq ? jp : jp + u;
    j.steps.forEach((s, si) => {
      const step = stepLines(s, pad, u);
      // The anchor on a line of its own: `- &a uses: x` would anchor the key `uses`, not the step.
      const at = s.comment ? 1 : 0;
      if (anchored === 'step' && first && si === 0) step.splice(at, 1, `${pad}- &first-step`, step[at]!.replace(`${pad}- `, `${pad}  `));
      ls.push(...step);
    });
    if (anchored === 'step' && aliasing) ls.push(`${pad}- *first-step`);
  });
  let text = ls.join('\n') + (w.finalNewline ? '\n' : '');
  if (w.crlf) text = text.replace(/\n/g, '\r\n');
  return (w.bom ? '\uFEFF' : '') + text;
}

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
