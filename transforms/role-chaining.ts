/**
 * 4. Cross-account role chaining (FIXES.md section 4).
 *
 * `role-chaining: true` makes configure-aws-credentials skip OIDC and assume
 * the target role with the credentials already in the job's environment, so
 * a cross-account deploy needs two steps in the same job:
 *   A (inserted)  assumes the base role through GitHub OIDC;
 *   B (existing)  assumes the target-account role with `role-chaining: true`.
 * Finds configure steps that reach another account with long-lived keys
 * (oidc-auth leaves those here), `role-chaining: true` steps with no base
 * credential step before them in the job, and chained steps asking for more
 * than the 1-hour STS cap on chained sessions.
 *
 * A goes right before B, or before the first KMS decrypt step that already
 * sits between the previous credential step and B, so decrypt keeps running
 * with the base session (FIXES.md section 3).
 */
import type { Declared, Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import type { TextEdit } from '../src/workflow/edits.js';
import { stepLabel, type Job, type Step } from '../src/workflow/model.js';
import { insertItems, insertPairs, removePairs, replaceNode, type YamlValue } from '../src/workflow/primitives.js';
import { getPair, scalarString, type YamlNode } from '../src/yaml.js';
import { MIN_MAJOR, refreshVersion, unreferencedSecrets } from './shared/keys.js';
import {
  baseRoleFor, CONFIGURE_ACTION, effectiveRole, isChainedStep, isConfigureStep, isCrossAccountKeyStep, isShaPin, KEY_INPUTS, majorVersion,
  regionExpressionFor, roleNote, sessionNameFor, sessionNamesIn, withValue,
} from './shared/aws.js';
import { oidcPermissionsFix } from './shared/permissions.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';

export const meta: TransformMeta = {
  id: 'role-chaining',
  title: 'Cross-account deploys through role chaining',
  severity: 'error',
  fixesSection: '4. Cross-account role chaining (role-chaining)',
  description:
    'Splits a cross-account configure-aws-credentials step into a base step that assumes the tooling role through '
    + 'GitHub OIDC and the existing step with `role-chaining: true`; gives chained steps that have nothing to chain '
    + 'from a base step; caps role-duration-seconds on chained steps at 3600 (the STS limit for chained sessions).',
};

/** STS caps a session obtained through role chaining at one hour. */
export const CHAINED_MAX_SECONDS = 3600;
export const BASE_STEP_NAME = 'Configure base AWS credentials (OIDC)';

interface Data {
  job: Job;
  step: Step;
  /** The step uses keys to reach another account: drop them and chain. */
  fromKeys: boolean;
  /** Insert a base OIDC step before it. */
  needsBase: boolean;
  /** role-duration-seconds above the cap. */
  duration?: number;
}

/** A credential step others can chain from: not chained, and not a cross-account key step (this fix chains those too). */
function isBase(ctx: TransformContext, job: Job, s: Step): boolean {
  return isConfigureStep(s) && !isChainedStep(s) && !isCrossAccountKeyStep(ctx, job, s);
}

function hasBaseBefore(ctx: TransformContext, job: Job, step: Step): boolean {
  return job.steps.slice(0, step.index).some((s) => isBase(ctx, job, s));
}

/**
 * The first credential step of the run of steps to chain that ends at `step`
 * (none of them a base): the job's one base step goes before it, and every
 * finding of that run asks for the same base step at the same place.
 */
function firstToChain(ctx: TransformContext, job: Job, step: Step): Step {
  let first = step;
  for (let i = step.index - 1; i >= 0; i--) {
    const s = job.steps[i]!;
    if (isBase(ctx, job, s)) break;
    if (isConfigureStep(s)) first = s;
  }
  return first;
}

function durationOver(step: Step): number | undefined {
  const raw = withValue(step, 'role-duration-seconds');
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  const n = Number(raw);
  return n > CHAINED_MAX_SECONDS ? n : undefined;
}

function findInJob(ctx: TransformContext, job: Job): Finding[] {
  const out: Finding[] = [];
  for (const step of job.steps) {
    if (!isConfigureStep(step)) continue;
    const fromKeys = isCrossAccountKeyStep(ctx, job, step);
    const chained = isChainedStep(step);
    if (!fromKeys && !chained) continue;
    // In a composite action the caller may have configured base credentials.
    const needsBase = (fromKeys || (chained && ctx.wf.kind === 'workflow')) && !hasBaseBefore(ctx, job, step);
    const duration = durationOver(step);
    if (!fromKeys && !needsBase && duration === undefined) continue;
    const why = fromKeys
      ? 'reaches another account with long-lived keys; assume a base role through OIDC and chain to the target role'
      : needsBase
        ? 'sets role-chaining: true but no credential step runs before it in this job, so there is nothing to chain from'
        : `asks for role-duration-seconds ${duration}, above the ${CHAINED_MAX_SECONDS} s STS cap on chained sessions`;
    out.push({
      ruleId: meta.id,
      message: `${stepLabel(step)} ${why}`,
      offset: step.node.range![0],
      path: step.path,
      fixable: true,
      data: { job, step, fromKeys, needsBase, duration } satisfies Data,
    });
  }
  return out;
}

function find(ctx: TransformContext): Finding[] {
  const out = ctx.wf.jobs.flatMap((job) => findInJob(ctx, job));
  if (out.some((f) => (f.data as Data).fromKeys)) {
    const gone = unreferencedSecrets(ctx);
    if (gone.length) out[0]!.notes = [`after this fix no step references secrets ${gone.join(', ')}: delete them from the repository settings`];
  }
  return out;
}

/** Index at which the base step goes: before B, or before a decrypt step already waiting for credentials. */
function baseIndex(job: Job, chained: Step): number {
  let lastCredential = -1;
  for (const s of job.steps.slice(0, chained.index)) if (isConfigureStep(s)) lastCredential = s.index;
  const decrypt = job.steps.slice(lastCredential + 1, chained.index).find((s) => /\bkms\s+decrypt\b/.test(s.script ?? ''));
  return decrypt?.index ?? chained.index;
}

/** `uses:` for the base step: B's own ref when it is v4+ or SHA-pinned, else @v4. */
function baseUses(step: Step): string {
  const major = majorVersion(step.ref);
  if (step.uses && (isShaPin(step.ref) || (major !== undefined && major >= MIN_MAJOR))) return step.uses;
  return `${CONFIGURE_ACTION}@v${MIN_MAJOR}`;
}

function baseStep(ctx: TransformContext, job: Job, chained: Step, notes: string[]): YamlValue {
  const choice = baseRoleFor(ctx.config, ctx.wf, job);
  notes.push(roleNote(choice));
  return {
    name: BASE_STEP_NAME,
    uses: baseUses(chained),
    with: {
      'role-to-assume': choice.role,
      'role-session-name': sessionNameFor(job.id, sessionNamesIn(ctx.wf), '-base'),
      'aws-region': withValue(chained, 'aws-region') ?? regionExpressionFor(ctx.wf, job, chained),
    },
  };
}

function chainedStepEdits(ctx: TransformContext, data: Data, notes: string[]): TextEdit[] {
  const { step } = data;
  const withMap = step.with!;
  const edits: TextEdit[] = [];
  if (data.fromKeys) {
    edits.push(...removePairs(ctx.text, withMap, KEY_INPUTS));
    const kept = withMap.items.filter((p) => !(KEY_INPUTS as readonly string[]).includes(scalarString(p.key) ?? ''));
    const after = scalarString(kept[kept.length - 1]!.key);
    const chainPair = getPair(withMap, 'role-chaining');
    if (chainPair) edits.push(replaceNode(chainPair.value as YamlNode, 'true'));
    else edits.push(...insertPairs(ctx.text, withMap, { 'role-chaining': true }, ctx.wf.indentUnit, { after }));
  }
  if (data.duration !== undefined) {
    edits.push(replaceNode(getPair(withMap, 'role-duration-seconds')!.value as YamlNode, String(CHAINED_MAX_SECONDS)));
    notes.push(`role-duration-seconds ${data.duration} lowered to ${CHAINED_MAX_SECONDS}: STS caps role-chaining sessions at one hour`);
  }
  edits.push(...refreshVersion(step, notes));
  return edits;
}

function fix(ctx: TransformContext, finding: Finding): Fix | undefined {
  const data = finding.data as Data;
  const { job, step } = data;
  const notes = finding.notes ?? (finding.notes = []);
  const edits = chainedStepEdits(ctx, data, notes);
  const declares: Declared[] = [{ path: step.path }];
  if (data.needsBase) {
    const first = firstToChain(ctx, job, step);
    edits.push(...insertItems(ctx.text, job.stepsNode!, baseIndex(job, first), [baseStep(ctx, job, first, notes)], ctx.wf.indentUnit));
    declares.push({ path: job.path.concat('steps'), insertOnly: true });
    const target = effectiveRole(ctx.wf, job, step) ?? '(its role)';
    notes.push(`the role ${target} must trust the base role for sts:AssumeRole and sts:TagSession `
      + '(or set role-skip-session-tagging: true on the chained step)');
    const perms = ctx.wf.kind === 'workflow' ? oidcPermissionsFix(ctx.wf, ctx.text, job) : undefined;
    if (perms) {
      edits.push(...perms.fix.edits);
      declares.push(...perms.fix.declares);
      notes.push(...perms.notes);
    }
  }
  return { edits, declares };
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
