/**
 * Facts about CDK deploys shared by stack-discovery and prod-rollback: which
 * steps deploy a CDK app, and where that step's cloud assembly lives.
 */
import type { Job, Step } from '../../src/workflow/model.js';
import { getNode, scalarString } from '../../src/yaml.js';

const CDK_DEPLOY = /\b(?:cdk|aws-cdk)(?:@[\w.^~-]+)?\s+deploy\b/;

export function isCdkDeployStep(step: Step): boolean {
  return CDK_DEPLOY.test(step.script ?? '');
}

export function cdkDeploySteps(job: Job): Step[] {
  return job.steps.filter(isCdkDeployStep);
}

export function workingDirectory(step: Step): string | undefined {
  return scalarString(getNode(step.node, 'working-directory'));
}

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
