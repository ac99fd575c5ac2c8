/**
 * Helpers for tests that run generated bash: pull a step's `run:` out of a
 * transform's output, put a fake `aws` on PATH, run the script, check it
 * with shellcheck and bash -n.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, tempDir } from './helpers.js';
import { runComposite, type CompositeResult } from './composite-run.js';
import { jobSteps } from './run-scripts.js';

export const MANIFESTS = join(ROOT, '__tests__/fixtures/manifests');

/** The parsed steps of a job in a workflow text. */
export { jobSteps as stepsOf } from './run-scripts.js';

/** The `run:` of the named step of a job, as bash would get it. */
export function scriptOf(text: string, job: string, stepName: string): string {
  const step = jobSteps(text, job).find((s) => s.name === stepName);
  if (!step?.run) throw new Error(`no run: in step '${stepName}' of job '${job}'`);
  return step.run;
}

export interface ShellCheck {
  status: number;
  output: string;
}

export function shellcheck(script: string): ShellCheck {
  const r = spawnSync('shellcheck', ['-s', 'bash', '-S', 'warning', '-'], { input: script, encoding: 'utf8' });
  return { status: r.status ?? -1, output: r.stdout + r.stderr };
}

export function bashN(script: string): number {
  return spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' }).status ?? -1;
}

/**
 * A work directory with `cdk.out` copied from a manifest fixture and a fake
 * `aws` on PATH that appends each call (arguments joined by a unit
 * separator) to `aws.log` and answers from `fake-aws.sh` logic.
 */
export function workDir(fixture: string | undefined, fakeAws: string): { dir: string; bin: string; log: string } {
  const dir = tempDir('wf-fix-run-');
  if (fixture) cpSync(join(MANIFESTS, fixture), join(dir, 'cdk.out'), { recursive: true });
  const bin = join(dir, '.bin');
  mkdirSync(bin);
  const log = join(dir, 'aws.log');
  writeFileSync(join(bin, 'aws'), [
    '#!/usr/bin/env bash',
    'set -euo pipefail',
    `LOG=${JSON.stringify(log)}`,
    `( IFS=$'\\x1f'; printf '%s\\n' "$*" ) >> "$LOG"`,
    fakeAws,
  ].join('\n') + '\n');
  chmodSync(join(bin, 'aws'), 0o755);
  return { dir, bin, log };
}

export interface Ran {
  status: number;
  stdout: string;
  stderr: string;
  /** Each aws call as its argument list. */
  calls: string[][];
}

export function runScript(script: string, w: { dir: string; bin: string; log: string }, env: Record<string, string> = {}): Ran {
  const file = join(w.dir, 'step.sh');
  writeFileSync(file, script);
  const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', file], {
    cwd: w.dir, encoding: 'utf8', env: { ...process.env, ...env, PATH: `${w.bin}:${process.env.PATH}` }, timeout: 30000,
  });
  let calls: string[][] = [];
  try {
    calls = readFileSync(w.log, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\x1f'));
  } catch { /* no call */ }
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, calls };
}

/**
 * Run a generated composite action's steps (./composite-run.ts) in the work
 * directory against its fake aws; `calls` are every aws call of all steps.
 */
export function runAction(body: string, withInputs: Record<string, string>, w: { dir: string; bin: string; log: string }, env: Record<string, string> = {}): CompositeResult & { calls: string[][] } {
  let calls: string[][] = [];
  const r = runComposite(body, withInputs, (script, stepEnv) => {
    const ran = runScript(script, w, stepEnv);
    calls = ran.calls;
    return ran;
  }, env);
  return { ...r, calls };
}
