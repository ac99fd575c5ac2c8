/**
 * 1. Long-lived keys -> OIDC (FIXES.md section 1).
 *
 * Finds `configure-aws-credentials` steps with access-key inputs, and
 * AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY env entries fed from secrets.
 * Writes `role-to-assume` (config > the workflow's own OIDC role >
 * `${{ vars.AWS_ROLE_ARN }}`), a valid unique `role-session-name`, merges
 * `id-token: write` + `contents: read` into the job's permissions, removes
 * the key inputs and env entries, bumps the action to v4 or later, and lists
 * the secrets no longer referenced.
 *
 * A step that has keys *and* a cross-account `role-to-assume` is left to
 * `role-chaining`, which splits it into a base OIDC step and a chained step.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { repositoryRoot } from '../src/repo.js';
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import { EditRefused, insertItems, insertPairs, removePair, removePairs, replaceNode, type YamlValue } from '../src/workflow/primitives.js';
import type { Declared } from '../src/transform.js';
import type { TextEdit } from '../src/workflow/edits.js';
import { stepLabel, type Job, type Path, type Step } from '../src/workflow/model.js';
import { getPair, scalarString, type YamlNode, type YAMLMap } from '../src/yaml.js';
import {
  baseRoleFor, CONFIGURE_ACTION, hasKeyInputs, isConfigureStep, isCrossAccountKeyStep, isValidSessionName, KEY_INPUTS, regionExpressionFor, roleNote, sessionNameFor, sessionNamesIn, withValue,
} from './shared/aws.js';
import { baseCredentialStep, keyEnvPairs, MIN_MAJOR, refreshVersion, unreferencedSecrets } from './shared/keys.js';
import { oidcPermissionsFix } from './shared/permissions.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';

export const meta: TransformMeta = {
  id: 'oidc-auth',
  title: 'Long-lived AWS keys -> OIDC role-to-assume',
  severity: 'error',
  fixesSection: '1. Long-lived keys -> OIDC (oidc-auth)',
  description:
    'Replaces aws-access-key-id/aws-secret-access-key inputs and AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY env entries '
    + 'with aws-actions/configure-aws-credentials@v4 assuming a role through GitHub OIDC, and grants the job '
    + '`id-token: write` and `contents: read` without dropping scopes it already had.',
};

type Data =
  | { kind: 'step'; job: Job; step: Step }
  | { kind: 'env'; job: Job; level: 'step' | 'job' | 'workflow'; step?: Step; map: YAMLMap; keys: string[] }
  | { kind: 'permissions'; job: Job };

/** Steps that talk to AWS (CLI, CDK, SAM, ...) and so need credentials. */
const AWS_USE = /\b(aws|cdk|sam|serverless|sls|terraform|terragrunt|pulumi|copilot|eb|cdktf|amplify)\b/;
function usesAws(step: Step): boolean {
  if (isConfigureStep(step)) return false;
  if (step.action?.startsWith('aws-actions/')) return true;
  return AWS_USE.test(step.script ?? '') || /aws|cdk|sam|serverless/i.test(step.action ?? '');
}

/** A local reusable workflow that assumes an AWS role (its caller must grant id-token: write). */
function calledWorkflowUsesAws(ctx: TransformContext, job: Job): boolean {
  const ref = job.usesWorkflow;
  if (!ref?.startsWith('./')) return false;
  try {
    const called = readFileSync(resolve(repositoryRoot(resolve(ctx.file)), ref.replace(/@.*$/, '')), 'utf8');
    return called.includes(CONFIGURE_ACTION);
  } catch {
    return false;
  }
}

function permissionsFinding(ctx: TransformContext, job: Job, message: string): Finding[] {
  let plan;
  try {
    plan = oidcPermissionsFix(ctx.wf, ctx.text, job);
  } catch {
    plan = undefined;
  }
  if (!plan) return [];
  return [{
    ruleId: meta.id,
    message,
    offset: job.node.range![0],
    path: [...job.path, 'permissions'],
    fixable: true,
    data: { kind: 'permissions', job } satisfies Data,
  }];
}

/** One finding for the key entries of an `env:` mapping fed from secrets, if it has any. */
function envKeyFindings(map: YAMLMap, path: Path, who: string, advice: string, where: { job: Job; level: 'step' | 'job' | 'workflow'; step?: Step }): Finding[] {
  const pairs = keyEnvPairs(map);
  if (!pairs.length) return [];
  const keys = pairs.map((p) => scalarString(p.key)!);
  return [{
    ruleId: meta.id,
    message: `${who} ${keys.join(', ')} from secrets; ${advice}`,
    offset: (pairs[0]!.key as YamlNode).range![0],
    path,
    fixable: true,
    data: { kind: 'env', ...where, map, keys } satisfies Data,
  }];
}

function findInJob(ctx: TransformContext, job: Job): Finding[] {
  const out: Finding[] = [];
  if (ctx.wf.kind === 'workflow' && calledWorkflowUsesAws(ctx, job)) {
    return permissionsFinding(ctx, job, `job '${job.id}' calls ${job.usesWorkflow}, which assumes an AWS role: the caller must grant id-token: write`);
  }
  const hasOidcStep = job.steps.some((s) => isConfigureStep(s) && !hasKeyInputs(s));
  for (const step of job.steps) {
    if (hasKeyInputs(step) && !isCrossAccountKeyStep(ctx, job, step)) {
      out.push({
        ruleId: meta.id,
        message: `${stepLabel(step)} authenticates with long-lived access keys; assume a role through OIDC instead`,
        offset: step.node.range![0],
        path: step.path,
        fixable: true,
        data: { kind: 'step', job, step } satisfies Data,
      });
    }
    if (step.env) out.push(...envKeyFindings(step.env, [...step.path, 'env'], `${stepLabel(step)} reads`, 'use OIDC credentials instead', { job, level: 'step', step }));
  }
  if (job.env) out.push(...envKeyFindings(job.env, [...job.path, 'env'], `job '${job.id}' sets`, 'use OIDC credentials instead', { job, level: 'job' }));
  // A job that already assumes a role through OIDC but lacks the permission.
  if (hasOidcStep && !out.length && ctx.wf.kind === 'workflow') {
    out.push(...permissionsFinding(ctx, job, `job '${job.id}' assumes a role through OIDC but its permissions lack id-token: write / contents: read`));
  }
  return out;
}

function find(ctx: TransformContext): Finding[] {
  const out = ctx.wf.jobs.flatMap((job) => findInJob(ctx, job));
  if (ctx.wf.env) {
    const jobs = ctx.wf.jobs.filter((j) => j.steps.some(usesAws));
    out.push(...envKeyFindings(ctx.wf.env, ['env'], 'workflow env sets', 'use OIDC credentials in the jobs that call AWS', { job: jobs[0]!, level: 'workflow' }));
  }
  if (out.length) {
    const gone = unreferencedSecrets(ctx);
    if (gone.length) {
      out[0]!.notes = [...(out[0]!.notes ?? []), `after this fix no step references secrets ${gone.join(', ')}: delete them from the repository settings`];
    }
  }
  return out;
}

function permissionsPart(ctx: TransformContext, job: Job, notes: string[]): { edits: TextEdit[]; declares: Declared[] } {
  if (ctx.wf.kind === 'composite') {
    notes.push('composite action: the calling workflow job must grant permissions id-token: write and contents: read');
    return { edits: [], declares: [] };
  }
  const plan = oidcPermissionsFix(ctx.wf, ctx.text, job);
  if (!plan) return { edits: [], declares: [] };
  notes.push(...plan.notes);
  return { edits: plan.fix.edits, declares: plan.fix.declares };
}

function fixStep(ctx: TransformContext, job: Job, step: Step, notes: string[]): Fix {
  const unit = ctx.wf.indentUnit;
  const withMap = step.with!;
  const edits: TextEdit[] = [];
  edits.push(...removePairs(ctx.text, withMap, KEY_INPUTS));
  const add: Record<string, YamlValue> = {};
  if (!withValue(step, 'role-to-assume')) {
    const choice = baseRoleFor(ctx.config, ctx.wf, job);
    add['role-to-assume'] = choice.role;
    notes.push(roleNote(choice));
  }
  if (!withValue(step, 'aws-region')) {
    add['aws-region'] = regionExpressionFor(ctx.wf, job, step);
    notes.push(`the step had no aws-region input, which the action requires: set to ${add['aws-region'] as string}`);
  }
  const session = withValue(step, 'role-session-name');
  if (!session) add['role-session-name'] = sessionNameFor(job.id, sessionNamesIn(ctx.wf));
  else if (!/\$\{\{/.test(session) && !isValidSessionName(session)) {
    edits.push(replaceNode(getPair(withMap, 'role-session-name')!.value as YamlNode, sessionNameFor(job.id, sessionNamesIn(ctx.wf))));
  }
  const remaining = withMap.items.filter((p) => !(KEY_INPUTS as readonly string[]).includes(scalarString(p.key) ?? ''));
  if (Object.keys(add).length) {
    if (remaining.length === 0) throw new EditRefused('the step has only key inputs; cannot place role-to-assume');
    // After the last kept input, so the new lines never land inside a removed range.
    edits.push(...insertPairs(ctx.text, withMap, add, unit, { after: scalarString(remaining[remaining.length - 1]!.key) }));
  }
  edits.push(...refreshVersion(step, notes));
  const perms = permissionsPart(ctx, job, notes);
  return { edits: [...edits, ...perms.edits], declares: [{ path: step.path }, ...perms.declares] };
}

/** Remove key env entries (the whole `env:` when nothing else is left). */
function removeEnvKeys(ctx: TransformContext, owner: YAMLMap, map: YAMLMap, keys: string[]): TextEdit[] {
  if (map.items.length === keys.length) return removePair(ctx.text, owner, 'env');
  return removePairs(ctx.text, map, keys);
}

/** A step that needs AWS credentials: it calls AWS, or reads the key env entries this fix removes. */
function needsCredentials(step: Step): boolean {
  return usesAws(step) || keyEnvPairs(step.env).length > 0;
}

/**
 * The job's base credential step: unless a credential step already runs
 * before `target` (or, without a target, before the first step needing
 * credentials), one is inserted before the first step that needs them. Every
 * finding of the job asks for the same step at the same place, so the engine
 * applies it once however many steps carried keys.
 */
function ensureConfigureStep(ctx: TransformContext, job: Job, target: Step | undefined, notes: string[]): { edits: TextEdit[]; declares: Declared[] } {
  const firstNeed = job.steps.findIndex(needsCredentials);
  const limit = target?.index ?? (firstNeed < 0 ? 0 : firstNeed);
  if (job.steps.slice(0, limit).some((s) => isConfigureStep(s))) return { edits: [], declares: [] };
  const index = firstNeed >= 0 && firstNeed < limit ? firstNeed : limit;
  if (!job.stepsNode) throw new EditRefused(`job '${job.id}' has no steps list`);
  const stepsPath: Path = [...job.path, job.path[0] === 'runs' ? 'steps' : 'steps'];
  return {
    edits: insertItems(ctx.text, job.stepsNode, index, [baseCredentialStep(ctx, job, job.steps[index], notes)], ctx.wf.indentUnit),
    declares: [{ path: stepsPath, insertOnly: true }],
  };
}

function fixEnv(ctx: TransformContext, data: Extract<Data, { kind: 'env' }>, notes: string[]): Fix {
  const edits: TextEdit[] = [];
  const declares: Declared[] = [];
  const add = (p: { edits: TextEdit[]; declares: Declared[] }) => { edits.push(...p.edits); declares.push(...p.declares); };
  if (data.level === 'step') {
    add({ edits: removeEnvKeys(ctx, data.step!.node, data.map, data.keys), declares: [{ path: [...data.step!.path, 'env'] }] });
    add(ensureConfigureStep(ctx, data.job, data.step, notes));
    add(permissionsPart(ctx, data.job, notes));
  } else if (data.level === 'job') {
    add({ edits: removeEnvKeys(ctx, data.job.node, data.map, data.keys), declares: [{ path: [...data.job.path, 'env'] }] });
    add(ensureConfigureStep(ctx, data.job, undefined, notes));
    add(permissionsPart(ctx, data.job, notes));
  } else {
    const jobs = ctx.wf.jobs.filter((j) => j.steps.some(usesAws));
    if (!jobs.length) throw new EditRefused('no job visibly calls AWS; cannot tell which jobs need a credential step');
    add({ edits: removeEnvKeys(ctx, ctx.wf.root, data.map, data.keys), declares: [{ path: ['env'] }] });
    for (const job of jobs) {
      add(ensureConfigureStep(ctx, job, undefined, notes));
      add(permissionsPart(ctx, job, notes));
    }
  }
  return { edits, declares };
}

function fix(ctx: TransformContext, finding: Finding): Fix | undefined {
  const data = finding.data as Data;
  const notes = finding.notes ?? (finding.notes = []);
  if (data.kind === 'step') return fixStep(ctx, data.job, data.step, notes);
  if (data.kind === 'permissions') return permissionsPart(ctx, data.job, notes);
  return fixEnv(ctx, data, notes);
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
