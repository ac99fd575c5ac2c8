/**
 * Where a CDK deploy step's cloud assembly lives, for stack-discovery and
 * prod-rollback (which steps deploy is ./deploy.ts's business).
 */
import type { Step } from '../../src/workflow/model.js';
import { workingDirectory } from './deploy.js';

/** The cloud assembly directory the deploy step reads or writes, relative to its working directory. */
export function assemblyDirOf(deploy: Step): string {
  const script = deploy.script ?? '';
  const out = /(?:^|\s)(?:--output|-o)(?:=|\s+)([\w./-]+)/.exec(script);
  if (out) return out[1]!;
  const app = /(?:^|\s)(?:--app|-a)(?:=|\s+)([\w./-]+)(?=\s|$)/.exec(script);
  if (app && !/\.(?:[jt]s|py|java|go|cs)$/.test(app[1]!)) return app[1]!;
  return 'cdk.out';
}

/**
 * The assembly directory as seen from `step` (which runs after `deploy` in
 * the same job), or undefined when their working directories make it unknowable.
 */
export function assemblyDirFor(deploy: Step, step: Step): string | undefined {
  const dir = assemblyDirOf(deploy);
  const from = workingDirectory(deploy);
  const here = workingDirectory(step);
  if (from === here) return dir;
  if ([from, here].some((w) => w && /\$\{\{/.test(w))) return undefined;
  if (from && !here && !dir.startsWith('/')) return `${from.replace(/\/+$/, '')}/${dir}`;
  return undefined;
}
