/** Test helpers: pull run: scripts out of transform output and run them as GitHub would. */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml, toPlain } from '../src/yaml.js';

export interface PlainStep {
  name?: string;
  id?: string;
  run?: string;
  env?: Record<string, string>;
  shell?: string;
  if?: string;
  uses?: string;
  with?: Record<string, string>;
}

/** Steps of one job of a workflow text, as plain objects. */
export function jobSteps(yamlText: string, job: string): PlainStep[] {
  const doc = toPlain(parseYaml(yamlText).docs[0]!) as { jobs: Record<string, { steps: PlainStep[] }> };
  return doc.jobs[job]!.steps;
}

/** The run: script of the step with this name (or index). */
export function stepScript(yamlText: string, job: string, step: string | number): PlainStep & { run: string } {
  const steps = jobSteps(yamlText, job);
  const s = typeof step === 'number' ? steps[step] : steps.find((x) => x.name === step || x.id === step);
  if (!s?.run) throw new Error(`no run: step ${step} in job ${job}`);
  return s as PlainStep & { run: string };
}

export interface BashResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Run a script the way GitHub's default Linux shell does: `bash -e {0}` (or another bash template). */
export function runBash(dir: string, script: string, env: Record<string, string> = {}, args = ['-e']): BashResult {
  const file = join(dir, `script-${Math.random().toString(36).slice(2)}.sh`);
  writeFileSync(file, script);
  const r = spawnSync('bash', ['--noprofile', '--norc', ...args, file], {
    cwd: dir,
    encoding: 'utf8',
    env: { PATH: `${join(dir, 'bin')}:${process.env.PATH}`, HOME: dir, ...env },
    timeout: 20000,
  });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** Put an executable on the test PATH (`<dir>/bin`). */
export function fakeTool(dir: string, name: string, body: string): void {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const file = join(dir, 'bin', name);
  writeFileSync(file, `#!/usr/bin/env bash\n${body}\n`);
  chmodSync(file, 0o755);
}

/** `shellcheck -S warning` and `bash -n` findings for a script ('' when clean). */
export function lintBash(script: string): string {
  const n = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  const sc = spawnSync('shellcheck', ['-S', 'warning', '-s', 'bash', '-'], { input: script, encoding: 'utf8' });
  if (sc.error) throw new Error('shellcheck is not installed');
  return [n.status === 0 ? '' : n.stderr, sc.status === 0 ? '' : sc.stdout].join('').trim();
}
