/**
 * The validation gate before any write (issue 5, issue 12): a fix whose output
 * does not parse, changes paths it did not declare, or carries a run: script
 * failing `bash -n` is dropped and reported as rejected (exit 3); the file's
 * other fixes are still written. EditRefused stays a per-finding skip (exit 0).
 */
import { existsSync } from 'node:fs';
import { defaultConfig } from '../src/config.js';
import { exitCode, type FileResult } from '../src/run.js';
import type { Finding, Fix, Transform, TransformContext } from '../src/transform.js';
import { processText } from '../src/workflow/engine.js';
import { EditRefused } from '../src/workflow/primitives.js';
import { TRANSFORMS } from '../transforms/index.js';
import { lines } from './helpers.js';

const INPUT = lines(
  'on: push',
  'jobs:',
  '  build:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - run: npm ci',
  '  deploy:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - uses: aws-actions/configure-aws-credentials@v1',
  '        with:',
  '          aws-access-key-id: ${{ secrets.K }}',
  '          aws-secret-access-key: ${{ secrets.S }}',
  '          aws-region: us-east-1',
);

/** A transform with one finding on `build`'s first step whose fix is `make(ctx)`. */
function fake(id: string, make: (ctx: TransformContext) => Fix): Transform {
  return {
    meta: { id, title: id, severity: 'warning', fixesSection: 'test', description: 'test' },
    find(ctx) {
      const step = ctx.wf.jobs.find((j) => j.id === 'build')!.steps[0]!;
      // Report only while the step is unchanged, so a good fix converges.
      if (step.script !== 'npm ci') return [];
      return [{ ruleId: id, message: `${id} finding`, offset: step.node.range![0], path: step.path, fixable: true } satisfies Finding];
    },
    fix: (ctx) => make(ctx),
  };
}

const at = (text: string, needle: string) => {
  const i = text.indexOf(needle);
  if (i < 0) throw new Error(`no ${needle}`);
  return { start: i, end: i + needle.length };
};

function run(transforms: Transform[]) {
  const out = processText(INPUT, { config: defaultConfig(), transforms, file: 'test.yml' });
  const result: FileResult = { ...out, path: 'test.yml', absPath: '/test.yml', diff: '', written: false };
  return { out, exit: exitCode({ files: [result], errors: [] }, false) };
}

const oidc = TRANSFORMS.filter((t) => t.meta.id === 'oidc-auth');

describe('validation gate', () => {
  test('a good fix passes and is applied with the others', () => {
    const good = fake('good', (ctx) => ({
      edits: [{ ...at(ctx.text, 'npm ci'), text: 'npm ci --ignore-scripts' }],
      declares: [{ path: ['jobs', 'build', 'steps', 0, 'run'] }],
    }));
    const { out, exit } = run([good, ...oidc]);
    expect(out.status).toBe('changed');
    expect(out.output).toContain('      - run: npm ci --ignore-scripts\n');
    expect(out.output).toContain('role-to-assume');
    expect(exit).toBe(0);
  });

  test.each([
    ['output does not parse', (ctx: TransformContext): Fix => ({
      edits: [{ ...at(ctx.text, 'npm ci'), text: 'npm ci\n   oops: [' }],
      declares: [{ path: ['jobs', 'build'] }],
    }), /^validation gate: the edited file would not parse \(.+\)$/],
    ['undeclared path changed', (ctx: TransformContext): Fix => ({
      edits: [{ ...at(ctx.text, 'ubuntu-latest'), text: 'windows-latest' }],
      declares: [{ path: ['jobs', 'build', 'steps', 0] }],
    }), /^validation gate: the edit would change jobs\.build\.runs-on, which the fix did not declare$/],
    ['generated script fails bash -n (declared in scripts)', (ctx: TransformContext): Fix => ({
      edits: [{ ...at(ctx.text, 'npm ci'), text: '"if true; then echo"' }],
      declares: [{ path: ['jobs', 'build', 'steps', 0] }],
      scripts: ['if true; then echo'],
    }), /^validation gate: a run: script it generates or modifies fails bash -n \(bash: line \d+: syntax error.*\)$/],
    ['modified script fails bash -n (not declared: the engine finds it)', (ctx: TransformContext): Fix => ({
      edits: [{ ...at(ctx.text, 'npm ci'), text: '"npm ci && (echo"' }],
      declares: [{ path: ['jobs', 'build', 'steps', 0] }],
    }), /^validation gate: a run: script it generates or modifies fails bash -n \(bash: line \d+: syntax error.*\)$/],
  ])('%s: that fix is dropped and reported rejected (exit 3); the good fixes are still written', (_name, make, reason) => {
    const { out, exit } = run([fake('broken', make), ...oidc]);
    const alone = run(oidc).out;
    expect(out.status).toBe('changed');
    expect(out.gateRejected).toBeUndefined();
    expect(out.output).toBe(alone.output);
    expect(out.findings.find((f) => f.ruleId === 'broken')).toEqual(expect.objectContaining({ fixed: false, rejected: true, skippedBecause: expect.stringMatching(reason) }));
    expect(out.findings.find((f) => f.ruleId === 'oidc-auth')).toMatchObject({ fixed: true });
    expect(exit).toBe(3);
  });

  test('EditRefused is a skip with its reason (exit 0); other fixes still apply', () => {
    const refusing = fake('refusing', () => {
      throw new EditRefused('unsupported shape: a flow sequence of steps');
    });
    const { out, exit } = run([refusing, ...oidc]);
    expect(out.status).toBe('changed');
    expect(out.findings.find((f) => f.ruleId === 'refusing')).toMatchObject({ fixed: false, skippedBecause: 'unsupported shape: a flow sequence of steps' });
    expect(out.output).toContain('role-to-assume');
    expect(exit).toBe(0);
  });

  test('a transform that crashes on a fix costs only that fix: one-line reason with the transform id, no stack (exit 3)', () => {
    const crashing = fake('crashing', () => {
      throw new TypeError("Cannot read properties of undefined (reading 'items')");
    });
    const { out, exit } = run([crashing, ...oidc]);
    expect(out.status).toBe('changed');
    expect(out.output).toBe(run(oidc).out.output);
    expect(out.findings.find((f) => f.ruleId === 'crashing')).toMatchObject({
      fixed: false, rejected: true, skippedBecause: "internal error in crashing: Cannot read properties of undefined (reading 'items')",
    });
    expect(exit).toBe(3);
  });

  test('a transform whose find() crashes loses only its own findings', () => {
    const blind: Transform = { ...fake('blind', () => ({ edits: [], declares: [] })), find: () => { throw new Error('boom'); } };
    const { out, exit } = run([blind, ...oidc]);
    expect(out.status).toBe('changed');
    expect(out.output).toBe(run(oidc).out.output);
    expect(out.findings[0]).toEqual({
      ruleId: 'blind', message: 'transform blind failed while looking for problems', line: 1, column: 1, notes: [],
      fixable: false, fixed: false, rejected: true, skippedBecause: 'internal error in blind: boom',
    });
    expect(exit).toBe(3);
  });

  test('a transform that overflows the stack fails only that file', () => {
    const deep = fake('deep', () => {
      const f = (n: number): number => f(n + 1) + 1;
      return { edits: [], declares: [], scripts: [String(f(0))] };
    });
    const { out } = run([deep]);
    expect(out.status).toBe('error');
    expect(out.reason).toBe('nesting too deep to process safely (call stack exhausted)');
  });
});

describe('bash syntax check', () => {
  test('parses generated scripts without running any of their commands', () => {
    const marker = `/tmp/wf-fix-gate-marker-${process.pid}`;
    const good = fake('writer', (ctx) => ({
      edits: [{ ...at(ctx.text, 'npm ci'), text: `touch ${marker}-a; echo "$(touch ${marker}-b)"` }],
      declares: [{ path: ['jobs', 'build', 'steps', 0, 'run'] }],
      scripts: [`touch ${marker}-c\n__wf_fix_syntax\n`],
    }));
    const { out, exit } = run([good]);
    expect(out.status).toBe('changed');
    expect(exit).toBe(0);
    for (const s of ['a', 'b', 'c']) expect(existsSync(`${marker}-${s}`)).toBe(false);
  });
});
