/**
 * 7. Production rollback (FIXES.md section 7).
 *
 * For production jobs (config `production`, default /prod/i on the
 * environment or job id) that deploy CloudFormation stacks (CDK through any
 * wrapper, SAM, Serverless, `aws cloudformation`; see shared/deploy.ts): a rollback step right after
 * the deploy step, run when the deploy step failed or was cancelled
 *   if: ${{ (failure() || cancelled()) && (steps.<id>.outcome == 'failure' || steps.<id>.outcome == 'cancelled') }}
 * (outcome, not an output the step may never have written), acting per stack
 * state (transforms/shell/rollback.ts) on the stacks the cloud assembly
 * declares (CDK) or the deploy commands name (`--stack-name`, passed through
 * `env:`), and keeping the job failed. Deployers whose stacks are not
 * CloudFormation (cdktf, Pulumi) get a report-only "not applicable" note, and
 * so does a deploy whose stack name wf-fix cannot tell. The deploy step gets an `id` when it
 * has none. An existing rollback step keyed on outputs, or without the
 * cancellation case, or with `${{ }}` in its script, is replaced.
 */
import type { Config } from '../src/config.js';
import { isProductionJob } from '../src/config.js';
import type { Declared, Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import type { TextEdit } from '../src/workflow/edits.js';
import type { Job, Step } from '../src/workflow/model.js';
import { columnAt, lastContentLineEnd } from '../src/workflow/lines.js';
import { EditRefused, insertItems, insertPairs, renderMapping, type YamlValue } from '../src/workflow/primitives.js';
import { assemblyDirOf } from './shared/cdk.js';
import { DEPLOYERS, deploySteps, literalWord, optionValue, workingDirectory, type DeployHit, type StepDeploy } from './shared/deploy.js';
import { ASSEMBLY_ENV, STACKS_ENV, rollbackScript, type RollbackSources } from './shell/rollback.js';
import { getNode, scalarString } from '../src/yaml.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';
import { ROLLBACK_ID } from '../src/actions/rollback.js';
import { actionPath, usesReference } from '../src/actions/registry.js';
import { inlineReason, runWorkingDirectory, workspacePath } from './shared/local-action.js';

const USES = usesReference(actionPath(ROLLBACK_ID));

export const meta: TransformMeta = {
  id: 'prod-rollback',
  title: 'Rollback of failed production deploys',
  severity: 'error',
  fixesSection: '7. Production rollback (prod-rollback)',
  description:
    'Adds, after the CloudFormation deploy step of production jobs (CDK through any wrapper, SAM, aws cloudformation; '
    + 'cdktf and Pulumi are noted as not applicable), a rollback step keyed on the deploy step outcome (failure or '
    + 'cancellation) that cancels, rolls back or continues the rollback of each stack by its state, waits, reports '
    + 'and keeps the job failed; repairs rollback steps keyed on step outputs.',
};

export const ROLLBACK_STEP_NAME = 'Roll back failed production deploy';

interface Data {
  job: Job;
  deploys: Step[];
  from: RollbackSources;
  /** Stack names for STACKS_ENV (literals or `${{ }}` expressions), space-separated. */
  named: string[];
  /** The rollback step to replace, when one exists. */
  existing?: Step;
  /** Why the rollback stays an inline script; undefined: the step uses the rollback action. */
  inline?: string;
}

const ROLLBACK_CALL = /\b(rollback-stack|cancel-update-stack|continue-update-rollback)\b/;

function isRollbackStep(step: Step): boolean {
  return /roll\s*-?back/i.test(step.name ?? '') || ROLLBACK_CALL.test(step.script ?? '') || step.uses?.trim() === USES;
}

function isProduction(config: Config, job: Job): boolean {
  return isProductionJob(config, job.id, job.environment);
}

/** The condition for deploy step ids. */
export function rollbackCondition(ids: string[]): string {
  const outcomes = ids.flatMap((id) => [`steps.${id}.outcome == 'failure'`, `steps.${id}.outcome == 'cancelled'`]);
  return `\${{ (failure() || cancelled()) && (${outcomes.join(' || ')}) }}`;
}

/** Is an existing rollback step already keyed on every deploy outcome, cancellation included, with a clean script? */
function isSound(step: Step, deploys: Step[]): boolean {
  const cond = step.if ?? '';
  return deploys.every((d) => d.id && new RegExp(`steps\\.${d.id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\.outcome\\b`).test(cond))
    && /cancelled\(\)/.test(cond) && !/\.outputs\./.test(cond)
    && !/\$\{\{/.test(step.script ?? '') && !/\|\|\s*true\b/.test(step.script ?? '');
}

/** A shell word naming a stack as an env: value: a literal, a `${{ }}` expression, or `$VAR` from env:. */
function stackNameValue(ctx: TransformContext, job: Job, step: Step, word: string | undefined): string | undefined {
  if (word === undefined) return undefined;
  const lit = literalWord(word);
  if (lit !== undefined) return /^[A-Za-z][-A-Za-z0-9]*$/.test(lit) ? lit : undefined;
  const expr = /^"?(\$\{\{[^}]*\}\})"?$/.exec(word);
  if (expr) return expr[1];
  const v = /^"?\$(?:\{([A-Za-z_]\w*)\}|([A-Za-z_]\w*))"?$/.exec(word);
  const name = v && (v[1] ?? v[2])!;
  if (!name || new RegExp(`(^|[\\s;&|(])${name}=`).test(step.script ?? '')) return undefined;
  const fromStep = scalarString(getNode(step.env, name));
  if (fromStep !== undefined) return fromStep.includes('$') && !/^\$\{\{[^}]*\}\}$/.test(fromStep) ? undefined : fromStep;
  return getNode(job.env, name) !== undefined || getNode(ctx.wf.env, name) !== undefined ? `\${{ env.${name} }}` : undefined;
}

/** The stack a non-CDK CloudFormation deploy names, or why it cannot be told. */
function namedStack(ctx: TransformContext, job: Job, step: Step, hit: DeployHit): { name: string } | { why: string } {
  if (hit.deployer === 'serverless') return { why: 'serverless deploy names its stack from serverless.yml (service-stage), which wf-fix does not read' };
  const word = optionValue(hit.args, '--stack-name');
  const name = stackNameValue(ctx, job, step, word);
  if (name !== undefined) return { name };
  if (word === undefined) return { why: `${DEPLOYERS[hit.deployer].name} has no --stack-name${hit.deployer === 'sam' ? ' (it comes from samconfig.toml)' : ''}` };
  return { why: `its --stack-name ${word} is computed in the script, not a literal, an expression or an env: variable` };
}

function find(ctx: TransformContext): Finding[] {
  if (ctx.wf.kind !== 'workflow') return [];
  const out: Finding[] = [];
  for (const job of ctx.wf.jobs) {
    if (!isProduction(ctx.config, job)) continue;
    const all = deploySteps(ctx, job);
    if (!all.length) continue;
    const unknown: string[] = [];
    const named: string[] = [];
    const cfn: StepDeploy[] = [];
    let assembly = false;
    for (const d of all) {
      const hits = d.hits.filter((h) => DEPLOYERS[h.deployer].cloudFormation);
      for (const h of d.hits.filter((x) => !DEPLOYERS[x.deployer].cloudFormation)) {
        unknown.push(`${DEPLOYERS[h.deployer].name} in step '${d.step.name ?? d.step.index + 1}': CloudFormation rollback not applicable (${DEPLOYERS[h.deployer].notApplicable})`);
      }
      if (!hits.length) continue;
      cfn.push(d);
      for (const h of hits) {
        if (h.deployer === 'cdk') { assembly = true; continue; }
        const n = namedStack(ctx, job, d.step, h);
        if ('name' in n) { if (!named.includes(n.name)) named.push(n.name); } else unknown.push(`${DEPLOYERS[h.deployer].name} in step '${d.step.name ?? d.step.index + 1}': no rollback, ${n.why}`);
      }
    }
    const deploys = cfn.map((d) => d.step);
    const canRollBack = assembly || named.length > 0;
    if (!canRollBack) {
      out.push({
        ruleId: meta.id,
        message: `production job '${job.id}' deploys without a rollback step; wf-fix cannot add one`,
        offset: all[0]!.step.node.range![0],
        path: all[0]!.step.path,
        fixable: false,
        notes: unknown,
      });
      continue;
    }
    const existing = job.steps.slice(deploys[0]!.index + 1).find((s) => isRollbackStep(s) && !deploys.includes(s));
    if (existing && isSound(existing, deploys)) continue;
    const where = existing ? existing : deploys[deploys.length - 1]!;
    const inline = inlineReason(ctx, job, where.index + 1);
    out.push({
      ruleId: meta.id,
      message: existing
        ? `rollback step '${existing.name ?? existing.index + 1}' in production job '${job.id}' ${/\.outputs\./.test(existing.if ?? '')
          ? 'is keyed on a step output, which a deploy that dies early never writes' : 'does not cover a failed or cancelled deploy by its outcome, or acts blindly'}`
        : `production job '${job.id}' deploys without a rollback step for a failed or cancelled deploy`,
      offset: where.node.range![0],
      path: where.path,
      fixable: true,
      notes: [
        'the rollback acts per stack state (cancel-update-stack, rollback-stack, continue-update-rollback), waits, reports failed events and keeps the job failed',
        'the deploy role needs cloudformation:DescribeStacks, DescribeStackEvents, CancelUpdateStack, RollbackStack and ContinueUpdateRollback',
        ...(inline ? [inline] : []),
        ...unknown,
      ],
      data: { job, deploys, from: { assembly, named: named.length > 0 }, named, existing, inline } satisfies Data,
    });
  }
  return out;
}

function uniqueId(job: Job, taken: Set<string>): string {
  for (let i = 1; ; i++) {
    const id = i === 1 ? 'deploy' : `deploy-${i}`;
    if (!taken.has(id) && !job.steps.some((s) => s.id === id)) return id;
  }
}

/**
 * The rollback step: `uses:` the rollback action unless `actionWd` is null
 * (inline fallback); `actionWd` is the deploy's working directory, job and
 * workflow defaults included (a `uses:` step has none of its own).
 */
function rollbackStep(name: string, ids: string[], deploy: Step, from: RollbackSources, named: string[], actionWd: string | undefined | null): YamlValue {
  const wd = workingDirectory(deploy);
  if (actionWd !== null) {
    const inputs = { ...(from.assembly ? { assembly: workspacePath(actionWd, assemblyDirOf(deploy)) } : {}), ...(from.named ? { stacks: named.join(' ') } : {}) };
    return { name, if: rollbackCondition(ids), uses: USES, with: inputs };
  }
  return {
    name,
    if: rollbackCondition(ids),
    ...(wd ? { 'working-directory': wd } : {}),
    shell: 'bash',
    env: { ...(from.assembly ? { [ASSEMBLY_ENV]: assemblyDirOf(deploy) } : {}), ...(from.named ? { [STACKS_ENV]: named.join(' ') } : {}) },
    run: rollbackScript(from),
  };
}

/** Replace a whole block-mapping sequence item (the step) with `value`. */
function replaceStep(text: string, step: Step, value: YamlValue, unit: number): TextEdit {
  const [start, valueEnd] = step.node.range!;
  if (step.node.flow) throw new EditRefused('the rollback step is a flow mapping');
  const col = columnAt(text, start);
  const lines = renderMapping(value as Record<string, YamlValue>, unit).map((l, i) => (i === 0 || l === '' ? l : ' '.repeat(col) + l));
  return { start, end: lastContentLineEnd(text, start, valueEnd), text: lines.join('\n') };
}

function fix(ctx: TransformContext, finding: Finding): Fix | undefined {
  const { job, deploys, from, named, existing, inline } = finding.data as Data;
  if (!job.stepsNode) throw new EditRefused(`job '${job.id}' has no steps list`);
  const unit = ctx.wf.indentUnit;
  const edits: TextEdit[] = [];
  const declares: Declared[] = [];
  const taken = new Set<string>();
  const ids = deploys.map((d) => {
    if (d.id) return d.id;
    const id = uniqueId(job, taken);
    taken.add(id);
    edits.push(...insertPairs(ctx.text, d.node, { id }, unit, d.name !== undefined ? { after: 'name' } : {}));
    declares.push({ path: d.path });
    return id;
  });
  const last = deploys[deploys.length - 1]!;
  const script = rollbackScript(from);
  const actionWd = inline ? null : runWorkingDirectory(ctx, job, last);
  if (existing) {
    edits.push(replaceStep(ctx.text, existing, rollbackStep(existing.name ?? ROLLBACK_STEP_NAME, ids, last, from, named, actionWd), unit));
    declares.push({ path: existing.path });
  } else {
    edits.push(...insertItems(ctx.text, job.stepsNode, last.index + 1, [rollbackStep(ROLLBACK_STEP_NAME, ids, last, from, named, actionWd)], unit));
    declares.push({ path: [...job.path, 'steps'], insertOnly: true });
  }
  return inline ? { edits, declares, scripts: [script] } : { edits, declares, repositoryFiles: [ROLLBACK_ID] };
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
