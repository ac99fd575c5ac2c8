/**
 * 8. Strict shell (strict-shell) (FIXES.md section 8).
 *
 * Finds multi-line bash `run:` scripts whose leading `set` lines do not
 * enable errexit, pipefail and (when safe) nounset. Adds `set -euo pipefail`
 * as the first line, or extends an incomplete leading `set` line with what it
 * lacks. `-u` only when every variable the script reads is provably set (env:
 * at step/job/workflow level, a runner variable, assigned before the read, or
 * read in a safe `${X:-..}` form); otherwise `set -eo pipefail` and the
 * finding names the variable. Options a leading `set +x` turns off are
 * respected. Skips pwsh/Windows, sh, python and cmd steps, composite steps
 * without `shell: bash`, and single-line scripts.
 *
 * `shell: bash` already runs `bash -eo pipefail`, and the default Linux shell
 * runs `bash -e`; the explicit line is added anyway so the script stays strict
 * wherever it is run (copied into a file, a different `shell:`).
 */
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import type { Job, Step, Workflow } from '../src/workflow/model.js';
import { keyString, type YAMLMap } from '../src/yaml.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';
import { runScriptFix, isMultiLine, runScript, stepShell, textOffset } from './shell/run-step.js';
import { analyseScript } from './shell/syntax.js';
import { extendSetLine, nounsetRisk, renderSet, strictState, type StrictOption, type StrictState } from './shell/strict.js';

export const meta: TransformMeta = {
  id: 'strict-shell',
  title: 'set -euo pipefail in bash scripts',
  severity: 'warning',
  fixesSection: '8. Strict shell (strict-shell)',
  description:
    'Adds set -euo pipefail as the first line of multi-line bash run: scripts (or completes an existing set line); '
    + 'uses set -eo pipefail and says why when a variable the script reads is not provably set.',
};

interface Plan {
  missing: StrictOption[];
  /** Why -u was left out, when it was. */
  risk?: string;
  state: StrictState;
}

function mapKeys(map: YAMLMap | undefined): string[] {
  return map ? map.items.map((p) => keyString(p)).filter((k): k is string => k !== undefined) : [];
}

/** Names the step's environment defines through env: at step, job and workflow level. */
export function envNames(wf: Workflow, job: Job, step: Step): Set<string> {
  return new Set([...mapKeys(step.env), ...mapKeys(job.env), ...(wf.kind === 'workflow' ? mapKeys(wf.env) : [])]);
}

function plan(wf: Workflow, job: Job, step: Step, script: string): Plan | undefined {
  const state = strictState(script);
  const risk = nounsetRisk(analyseScript(script), envNames(wf, job, step));
  const want: StrictOption[] = risk ? ['errexit', 'pipefail'] : ['errexit', 'nounset', 'pipefail'];
  const missing = want.filter((o) => !state.enabled.has(o) && !state.disabled.has(o));
  return missing.length ? { missing, risk, state } : undefined;
}

function find(ctx: TransformContext): Finding[] {
  const out: Finding[] = [];
  for (const job of ctx.wf.jobs) {
    for (const step of job.steps) {
      const script = runScript(step);
      if (script === undefined || !isMultiLine(script) || !stepShell(ctx.wf, job, step).bash) continue;
      const p = plan(ctx.wf, job, step, script);
      if (!p) continue;
      const what = renderSet(p.missing);
      out.push({
        ruleId: meta.id,
        message: `step '${step.name ?? step.id ?? step.index}' runs a multi-line bash script without \`${what}\`: `
          + `a failing command or pipeline stage can go unnoticed${p.risk ? ` (not -u: ${p.risk})` : ''}`,
        offset: textOffset(ctx.text, step, 0),
        path: step.path,
        fixable: true,
        data: { step, plan: p },
      });
    }
  }
  return out;
}

/** Uses the plan find made: fix runs on the same context, so the script is not analysed again. */
function fix(ctx: TransformContext, finding: Finding): Fix {
  const { step, plan: p } = finding.data as { step: Step; plan: Plan };
  const lines = runScript(step)!.split('\n');
  const { setLines, firstLine } = p.state;
  const target = setLines.find((l) => !l.tokens.some((t) => t.startsWith('+')));
  if (target) lines[target.line] = extendSetLine(lines[target.line]!, p.missing);
  else lines.splice(setLines[0]?.line ?? firstLine, 0, renderSet(p.missing));
  const next = lines.join('\n');
  return runScriptFix(ctx, step, next);
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
