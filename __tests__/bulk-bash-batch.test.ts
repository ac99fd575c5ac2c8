/**
 * Bulk runs check `bash -n` once per batch of files (src/bulk/process.ts): a
 * file whose fix writes a script that fails is processed again the ordinary
 * way, so every file's result is the one a file-by-file check gives.
 */
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processBatch, processBatchAsync, processOne, type Task } from '../src/bulk/process.js';
import { ConfigCache, type RunOptions } from '../src/run.js';
import type { Transform } from '../src/transform.js';
import { TRANSFORMS } from '../transforms/index.js';
import { lines } from './helpers.js';

const workflow = (script: string) => lines(
  'on: push',
  'jobs:',
  '  build:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  `      - run: ${script}`,
  '      - uses: aws-actions/configure-aws-credentials@v1',
  '        with:',
  '          aws-access-key-id: ${{ secrets.K }}',
  '          aws-secret-access-key: ${{ secrets.S }}',
  '          aws-region: us-east-1',
);

/** Rewrites a script `echo TOKEN` to `echo TOKEN; (` (fails bash -n) when the token says bad, else to `echo TOKEN ok`. */
const rewrite: Transform = {
  meta: { id: 'rewrite', title: 'rewrite', severity: 'warning', fixesSection: 'test', description: 'test' },
  find(ctx) {
    const step = ctx.wf.jobs[0]!.steps[0]!;
    if (!/^echo \w+$/.test(step.script ?? '')) return [];
    return [{ ruleId: 'rewrite', message: 'rewrite finding', offset: step.node.range![0], path: step.path, fixable: true }];
  },
  fix(ctx) {
    const step = ctx.wf.jobs[0]!.steps[0]!;
    const range = step.run!.range!;
    const bad = step.script!.includes('bad');
    return { edits: [{ start: range[0], end: range[1], text: `${step.script}${bad ? '; (' : ' ok'}` }], declares: [{ path: [...step.path, 'run'] }] };
  },
};

describe('bash -n once per batch', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wf-fix-batch-'));
    mkdirSync(join(dir, '.git'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a failing script costs only its own fix, exactly as a file-by-file run', () => {
    const token = `t${process.pid}x${Date.now()}`; // scripts no earlier test has cached
    const names = ['a-good', 'b-bad', 'c-good', 'd-bad'];
    const tasks: Task[] = names.map((n, index) => {
      const path = join(dir, `${n}.yml`);
      writeFileSync(path, workflow(`echo ${token}${n.replace('-', '')}`));
      return { index, path };
    });
    const opts: RunOptions = { paths: [dir], cwd: dir, write: false, transforms: [rewrite, ...TRANSFORMS.filter((t) => t.meta.id === 'oidc-auth')] };
    const batched = processBatch(tasks, opts, new ConfigCache(opts));
    const oneByOne = tasks.map((t) => processOne(t, opts, new ConfigCache(opts)));
    expect(batched).toEqual(oneByOne);
    expect(batched.map((r) => r.status)).toEqual(['changed', 'changed', 'changed', 'changed']);
    const rewriteFinding = (i: number) => batched[i]!.findings.find((f) => f.ruleId === 'rewrite')!;
    expect([0, 1, 2, 3].map((i) => rewriteFinding(i).fixed)).toEqual([true, false, true, false]);
    expect(rewriteFinding(1).rejected).toBe(true);
    expect(rewriteFinding(1).skippedBecause).toMatch(/^validation gate: a run: script it generates or modifies fails bash -n \(bash: line \d+: syntax error.*\)$/);
    // The bad file's other fix (oidc-auth) still applies.
    expect(batched[1]!.findings.find((f) => f.ruleId === 'oidc-auth')?.fixed).toBe(true);
  });

  test('the asynchronous batch (bash -n children running while more files are processed) gives the same results', async () => {
    const token = `u${process.pid}x${Date.now()}`;
    const names = ['a-good', 'b-bad', 'c-good', 'd-bad', 'e-good'];
    const tasks: Task[] = names.map((n, index) => {
      const path = join(dir, `async-${n}.yml`);
      writeFileSync(path, workflow(`echo ${token}${n.replace('-', '')}`));
      return { index, path };
    });
    const opts: RunOptions = { paths: [dir], cwd: dir, write: false, transforms: [rewrite, ...TRANSFORMS.filter((t) => t.meta.id === 'oidc-auth')] };
    const configs = new ConfigCache(opts);
    // Two batches in flight at once, sharing scripts: the second waits for the first's check of them.
    const [first, second] = await Promise.all([processBatchAsync(tasks.slice(0, 3), opts, configs), processBatchAsync(tasks, opts, configs)]);
    const oneByOne = tasks.map((t) => processOne(t, opts, new ConfigCache(opts)));
    expect(first).toEqual(oneByOne.slice(0, 3));
    expect(second).toEqual(oneByOne);
    expect(second.map((r) => r.findings.find((f) => f.ruleId === 'rewrite')!.fixed)).toEqual([true, false, true, false, true]);
  });
});
