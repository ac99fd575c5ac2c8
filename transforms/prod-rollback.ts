/**
 * 7. Production rollback (FIXES.md section 7).
 *
 * For production jobs (config `production`, default /prod/i on the
 * environment or job id) that deploy a CDK app: a rollback step right after
 * the deploy step, run when the deploy step failed or was cancelled
 *   if: ${{ (failure() || cancelled()) && (steps.<id>.outcome == 'failure' || steps.<id>.outcome == 'cancelled') }}
 * (outcome, not an output the step may never have written), acting per stack
 * state (transforms/shell/rollback.ts) on the stacks the cloud assembly
 * declares, and keeping the job failed. The deploy step gets an `id` when it
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
import { assemblyDirOf, cdkDeploySteps, workingDirectory } from './shared/cdk.js';
import { ASSEMBLY_ENV, rollbackScript } from './shell/rollback.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';

export const meta: TransformMeta = {
  id: 'prod-rollback',
  title: 'Rollback of failed production deploys',
  severity: 'error',
  fixesSection: '7. Production rollback (prod-rollback)',
  description:
    'Adds, after the deploy step of production jobs, a rollback step keyed on the deploy step outcome (failure or '
    + 'cancellation) that cancels, rolls back or continues the rollback of each stack by its state, waits, reports '
    + 'and keeps the job failed; repairs rollback steps keyed on step outputs.',
};

export const ROLLBACK_STEP_NAME = 'Roll back failed production deploy';

interface Data {
  job: Job;
  deploys: Step[];
  /** The rollback step to replace, when one exists. */
  existing?: Step;
}

const ROLLBACK_CALL = /\b(rollback-stack|cancel-update-stack|continue-update-rollback)\b/;

function isRollbackStep(step: Step): boolean {
  return /roll\s*-?back/i.test(step.name ?? '') || ROLLBACK_CALL.test(step.script ?? '');
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

function find(ctx: TransformContext): Finding[] {
  if (ctx.wf.kind !== 'workflow') return [];
  const out: Finding[] = [];
  for (const job of ctx.wf.jobs) {
    if (!isProduction(ctx.config, job)) continue;
    const deploys = cdkDeploySteps(job);
    if (!deploys.length) continue;
    const existing = job.steps.slice(deploys[0]!.index + 1).find((s) => isRollbackStep(s) && !deploys.includes(s));
    if (existing && isSound(existing, deploys)) continue;
    const where = existing ? existing : deploys[deploys.length - 1]!;
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
      ],
      data: { job, deploys, existing } satisfies Data,
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

function rollbackStep(name: string, ids: string[], deploy: Step): YamlValue {
  const wd = workingDirectory(deploy);
  return {
    name,
    if: rollbackCondition(ids),
    ...(wd ? { 'working-directory': wd } : {}),
    shell: 'bash',
    env: { [ASSEMBLY_ENV]: assemblyDirOf(deploy) },
    run: rollbackScript(),
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
  const { job, deploys, existing } = finding.data as Data;
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
  const script = rollbackScript();
  if (existing) {
    edits.push(replaceStep(ctx.text, existing, rollbackStep(existing.name ?? ROLLBACK_STEP_NAME, ids, last), unit));
    declares.push({ path: existing.path });
  } else {
    edits.push(...insertItems(ctx.text, job.stepsNode, last.index + 1, [rollbackStep(ROLLBACK_STEP_NAME, ids, last)], unit));
    declares.push({ path: [...job.path, 'steps'], insertOnly: true });
  }
  return { edits, declares, scripts: [script] };
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
