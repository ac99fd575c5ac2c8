/**
 * 9. Expression injection (expression-injection) (FIXES.md section 9).
 *
 * `${{ }}` inside `run:` is pasted into the script text before bash reads it,
 * so a branch name like `a";touch /tmp/pwn;"` becomes code. Finds `${{ }}`
 * expressions in run: scripts that reference `github.*`, `steps.*.outputs`,
 * `needs.*.outputs`, `inputs.*` or `secrets.*`, moves each one into the
 * step's `env:` (created before `run:` when missing) under a name derived from
 * it (GITHUB_HEAD_REF, STEPS_DEPLOY_OUTPUTS_URL, SECRETS_SLACK_WEBHOOK_URL),
 * and reads it back quoted for where it stood: `"$NAME"` in plain text,
 * `${NAME}` inside double quotes or an unquoted heredoc, `'"$NAME"'` inside
 * single quotes. Names never collide with env: at step/job/workflow level,
 * runner variables or the script's own variables; an existing env entry with
 * the same expression is reused, and the same expression twice is one
 * variable. `${{ env.FOO }}` becomes `"$FOO"` directly (`${FOO-}` when no env:
 * declares FOO, matching the expression's empty result). Quoted heredocs,
 * `$'...'`, backticks and arithmetic are refused with the reason.
 */
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import type { TextEdit } from '../src/workflow/edits.js';
import type { Job, Step, Workflow } from '../src/workflow/model.js';
import { EditRefused, insertPairs } from '../src/workflow/primitives.js';
import { keyString, scalarString, type YAMLMap } from '../src/yaml.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';
import { classifyExpression, CONTEXT_NAMES, envNameFor, expressionBody, readVariable, sameExpression } from './shell/expressions.js';
import { editRunScript, runScript, stepShell, textOffset } from './shell/run-step.js';
import { analyseScript, namesUsed } from './shell/script.js';
import { RUNNER_VARIABLES } from './shell/strict.js';

export const meta: TransformMeta = {
  id: 'expression-injection',
  title: 'Expression injection -> env:',
  severity: 'error',
  fixesSection: '9. Expression injection (expression-injection)',
  description:
    'Moves ${{ github.* }}, ${{ steps.*.outputs.* }}, ${{ needs.*.outputs.* }}, ${{ inputs.* }} and ${{ secrets.* }} '
    + 'out of run: scripts into the step\'s env: and reads them as "$NAME", so their values reach the script as data, not code.',
};

function envPairs(map: YAMLMap | undefined): [string, string][] {
  if (!map) return [];
  return map.items.flatMap((p) => {
    const k = keyString(p);
    return k === undefined ? [] : [[k, scalarString(p.value) ?? ''] as [string, string]];
  });
}

/** Effective env of the step (step over job over workflow), and every name declared anywhere. */
function stepEnv(wf: Workflow, job: Job, step: Step): { effective: Map<string, string>; declared: Set<string> } {
  const levels = [wf.kind === 'workflow' ? wf.env : undefined, job.env, step.env];
  const effective = new Map<string, string>();
  for (const level of levels) for (const [k, v] of envPairs(level)) effective.set(k, v);
  return { effective, declared: new Set(effective.keys()) };
}

interface Plan {
  /** Expressions to report (as written). */
  found: string[];
  script: string;
  newEnv: Record<string, string>;
  refused?: string;
}

function planStep(wf: Workflow, job: Job, step: Step, script: string): Plan {
  const facts = analyseScript(script);
  const { effective, declared } = stepEnv(wf, job, step);
  const assigned = new Set(facts.assigns.map((a) => a.name));
  const taken = new Set([...declared, ...namesUsed(facts), ...RUNNER_VARIABLES]);
  const byExpression = new Map<string, string>();
  const newEnv: Record<string, string> = {};
  const readOutsideComments = new Set<string>();
  const found: string[] = [];
  const replacements: { start: number; end: number; text: string }[] = [];
  let refused: string | undefined;

  const nameFor = (text: string, ref: string): string => {
    const key = expressionBody(text).replace(/\s+/g, ' ');
    const known = byExpression.get(key);
    if (known) return known;
    const reuse = [...effective].find(([n, v]) => sameExpression(v, text) && !assigned.has(n) && /^[A-Za-z_]\w*$/.test(n))?.[0];
    let name = reuse;
    if (!name) {
      const base = envNameFor(ref);
      // A runner variable holding this very value (GITHUB_REF for github.ref) may be named again.
      const sameAsRunner = RUNNER_VARIABLES.has(base) && `github.${base.slice('GITHUB_'.length).toLowerCase()}` === expressionBody(text)
        && !declared.has(base) && !namesUsed(facts).has(base);
      name = base;
      for (let k = 2; taken.has(name) && !(sameAsRunner && name === base); k++) name = `${base}_${k}`;
      taken.add(name);
      newEnv[name] = text;
    }
    byExpression.set(key, name);
    return name;
  };

  for (const e of facts.expressions) {
    const cls = classifyExpression(e.text);
    if (cls.kind === 'leave') continue;
    found.push(e.text);
    const ctx = facts.context[e.start]!;
    let text: string | undefined;
    let name: string;
    if (cls.kind === 'env' && !assigned.has(cls.name)) {
      name = cls.name;
      text = readVariable(name, ctx, !declared.has(name));
    } else {
      name = nameFor(e.text, cls.kind === 'env' ? `env.${cls.name}` : cls.ref);
      text = readVariable(name, ctx);
    }
    if (text === undefined) {
      refused ??= `${e.text} stands ${CONTEXT_NAMES[ctx] ?? `in a ${ctx} context`}; move it to env: by hand`;
      continue;
    }
    if (ctx !== 'comment') readOutsideComments.add(name);
    replacements.push({ start: e.start, end: e.end, text });
  }
  let next = script;
  for (const r of replacements.sort((a, b) => b.start - a.start)) next = next.slice(0, r.start) + r.text + next.slice(r.end);
  for (const n of Object.keys(newEnv)) if (!readOutsideComments.has(n)) delete newEnv[n];
  return { found: [...new Set(found)], script: next, newEnv, refused };
}

function find(ctx: TransformContext): Finding[] {
  const out: Finding[] = [];
  for (const job of ctx.wf.jobs) {
    for (const step of job.steps) {
      const script = runScript(step);
      if (script === undefined || !/\$\{\{/.test(script)) continue;
      const p = planStep(ctx.wf, job, step, script);
      if (!p.found.length) continue;
      const shell = stepShell(ctx.wf, job, step);
      const posix = shell.bash || /^sh(\s|$)/.test(shell.shell);
      const where = `step '${step.name ?? step.id ?? step.index}'`;
      out.push({
        ruleId: meta.id,
        message: `${where} pastes ${p.found.join(', ')} into its run: script, where the value becomes shell code; pass it through env:`,
        offset: textOffset(ctx.text, step, script.indexOf(p.found[0]!)),
        path: step.path,
        fixable: posix,
        notes: posix ? [] : [`the step runs ${shell.shell}: move the expressions to env: and read them as environment variables by hand`],
        data: { step, plan: p },
      });
    }
  }
  return out;
}

/** Place new env entries: into the step's env:, else a new env: before run:. */
function envEdits(ctx: TransformContext, step: Step, entries: Record<string, string>): TextEdit[] {
  if (!Object.keys(entries).length) return [];
  if (step.env) {
    if (step.env.items.length === 0) throw new EditRefused('the step has an empty env: mapping');
    return insertPairs(ctx.text, step.env, entries, ctx.wf.indentUnit);
  }
  if (step.node.items.some((p) => keyString(p) === 'env')) throw new EditRefused('the step env: is not a mapping');
  const keys = step.node.items.map((p) => keyString(p));
  const runAt = keys.indexOf('run');
  const after = runAt > 0 ? keys[runAt - 1] : 'run';
  return insertPairs(ctx.text, step.node, { env: entries }, ctx.wf.indentUnit, { after });
}

/** Uses the plan find made: fix runs on the same context, so the script is not analysed again. */
function fix(ctx: TransformContext, finding: Finding): Fix | undefined {
  const { step, plan: p } = finding.data as { step: Step; plan: Plan };
  if (p.refused) throw new EditRefused(p.refused);
  if (p.script === runScript(step)) return undefined;
  // Script edits first: when run: is a one-line scalar followed by the new env:, both insert at the same offset.
  const edits = [...editRunScript(ctx.text, step, p.script, ctx.wf.indentUnit), ...envEdits(ctx, step, p.newEnv)];
  return {
    edits,
    declares: [{ path: [...step.path, 'run'] }, { path: [...step.path, 'env'] }],
    scripts: [p.script],
  };
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
