/**
 * 6. Retries (deploy-retry) (FIXES.md section 6).
 *
 * Finds deploy commands (recognised by ./shared/deploy.ts: `cdk deploy` and
 * its wrappers such as `npx`, `npm run cdk deploy`, `uv run`, package.json
 * scripts that deploy; `sam deploy`, `serverless deploy`, `cdktf deploy`,
 * `pulumi up`, `aws cloudformation deploy|create-stack|update-stack`) in bash
 * `run:` scripts that nothing retries, and runs each through the repository's
 * generated retry script, on the same line:
 * `bash "$GITHUB_WORKSPACE"/.github/actions/wf-fix-retry/retry.sh --attempts 3 --delay 30 -- npx cdk deploy`
 * (src/actions/retry.ts; attempts, delay and backoff from config `retry`,
 * production jobs wait `productionDelaySeconds`). Where that file cannot be
 * reached (no checkout of the repository before the step, a reusable
 * workflow or composite action, a runner that is not Linux/macOS, config
 * `inlineScripts`) or cannot run the command (a shell function of the
 * script), writes a `wf_fix_retry` function once at the top of the script
 * (after its `set` lines) and calls it instead, and says why in a note. Both
 * run the command as a loop condition so `set -e` does not end the loop, and
 * fail with the last exit status after the last attempt. Commands already
 * inside a retry loop or helper are left alone; the rest of the script, and
 * the step's `id`, stay as they were.
 */
import { isProductionJob } from '../src/config.js';
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import type { Job, Step } from '../src/workflow/model.js';
import { EditRefused } from '../src/workflow/primitives.js';
import { runnerOs } from '../src/workflow/shell.js';
import { RETRY_ID, RETRY_PATH } from '../src/actions/retry.js';
import { checkoutProblem, localActionBlocker } from './shared/local-action.js';
import { DEPLOYERS, scopeFor } from './shared/deploy.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';
import { definedFunctions, RETRY_FUNCTION, scanDeploys, wrapDeploys, type DeployCall, type RetryPolicy } from './shell/retry.js';
import { runScriptFix, runScript, stepShell, textOffset } from './shell/run-step.js';
import type { ScriptFacts } from './shell/script.js';
import { analyseScript } from './shell/syntax.js';

export const meta: TransformMeta = {
  id: 'deploy-retry',
  title: 'Bounded retries around deploy commands',
  severity: 'warning',
  fixesSection: '6. Retries (deploy-retry)',
  description:
    'Wraps deploy commands (cdk deploy, also through npx/npm/yarn/pnpm/uv/poetry and package.json scripts; sam deploy, '
    + 'serverless deploy, cdktf deploy, pulumi up, aws cloudformation deploy/create-stack/update-stack) in run: scripts in a '
    + 'bounded retry with exponential or fixed backoff (config retry.*; longer delay for production jobs). Commands '
    + 'already retried are left alone.',
};

/** What find read, for fix (same context): the script is analysed once. */
interface Data {
  step: Step;
  policy: RetryPolicy;
  facts: ScriptFacts;
  calls: DeployCall[];
  /** Why the step gets the inline function instead of retry.sh; undefined: retry.sh. */
  inline?: string;
}

/** Why the deploys of `step` are retried by an inline function rather than the repository's retry.sh, or undefined. */
function inlineReason(ctx: TransformContext, job: Job, step: Step, facts: ScriptFacts, calls: DeployCall[]): string | undefined {
  const functions = definedFunctions(facts);
  if (functions.has(RETRY_FUNCTION)) return `the script already defines ${RETRY_FUNCTION}, so its new deploy calls use it too`;
  switch (localActionBlocker(ctx, job, step.index)) {
    case 'inlineScripts': return `the config sets inlineScripts: true, so the retry function is written into the script instead of calling ${RETRY_PATH}`;
    case 'composite': return `this file is a composite action: $GITHUB_WORKSPACE is the calling workflow's checkout, which may not hold ${RETRY_PATH}, so the retry function is written into the script`;
    case 'workflow_call': return `this is a reusable workflow (on: workflow_call): $GITHUB_WORKSPACE holds the caller's checkout, which may be another repository, so the retry function is written into the script`;
    case 'no-checkout': return `${checkoutProblem(job, step.index)!}, so ${RETRY_PATH} may not be there: the retry function is written into the script`;
    case undefined: break;
  }
  if (runnerOs(job) !== 'posix') return `job '${job.id}' may run on Windows, where $GITHUB_WORKSPACE is a Windows path and calling ${RETRY_PATH} through it is not tested: the retry function is written into the script`;
  const fn = calls.find((c) => {
    const word = c.command.words[c.hit.insert]!;
    return functions.has(facts.script.slice(word.start, word.end));
  });
  if (fn) return `\`${fn.label}\` calls a shell function of the script, which another bash process cannot run: the retry function is written into the script`;
  return undefined;
}

export function policyFor(ctx: TransformContext, job: Job): RetryPolicy {
  const r = ctx.config.retry;
  const prod = isProductionJob(ctx.config, job.id, job.environment);
  return { attempts: r.attempts, delaySeconds: prod ? r.productionDelaySeconds : r.delaySeconds, backoff: r.backoff };
}

/** Which package.json scripts led to each deploy, and what they run. */
function viaNotes(calls: DeployCall[]): string[] | undefined {
  const notes = calls.filter((c) => c.hit.via.length)
    .map((c) => `\`${c.label}\` runs package.json script ${c.hit.via.map((v) => `'${v}'`).join(' -> ')}, which runs ${DEPLOYERS[c.hit.deployer].name}`);
  return notes.length ? [...new Set(notes)] : undefined;
}

function notesOf(via: string[] | undefined, inline: string | undefined): string[] | undefined {
  const notes = [...(via ?? []), ...(inline ? [inline] : [])];
  return notes.length ? notes : undefined;
}

function find(ctx: TransformContext): Finding[] {
  if (ctx.config.retry.attempts < 2) return [];
  const out: Finding[] = [];
  for (const job of ctx.wf.jobs) {
    for (const step of job.steps) {
      const script = runScript(step);
      if (script === undefined || !stepShell(ctx.wf, job, step).bash) continue;
      const facts = analyseScript(script);
      const scope = scopeFor(ctx, job, step);
      const scan = scanDeploys(facts, scope);
      const first = scan.bare[0];
      const where = `step '${step.name ?? step.id ?? step.index}'`;
      if (first) {
        const policy = policyFor(ctx, job);
        const inline = inlineReason(ctx, job, step, facts, scan.bare);
        const labels = [...new Set(scan.bare.map((c) => c.label))].join(', ');
        out.push({
          ruleId: meta.id,
          message: `${where} runs \`${labels}\` once: a transient AWS error fails the deploy; retry it (${policy.attempts} attempts, ${policy.delaySeconds}s ${policy.backoff} backoff)`,
          offset: textOffset(ctx.text, step, first.insertAt),
          path: step.path,
          fixable: true,
          notes: notesOf(viaNotes(scan.bare), inline),
          data: { step, policy, facts, calls: scan.bare, inline } satisfies Data,
        });
      }
      for (const p of new Map((scope.ignored ?? []).map((i) => [i.file, i.problem]))) {
        out.push({
          ruleId: meta.id,
          message: `${where} runs a package.json script; ${p[0]} was ignored (${p[1]}), so its scripts are not known to deploy`,
          offset: step.node.range![0],
          path: step.path,
          fixable: false,
        });
      }
      for (const r of scan.refused) {
        out.push({
          ruleId: meta.id,
          message: `${where} runs \`${r.label}\` without retries; not wrapped: ${r.reason}`,
          offset: step.node.range![0],
          path: step.path,
          fixable: false,
        });
      }
    }
  }
  return out;
}

function fix(ctx: TransformContext, finding: Finding): Fix {
  const { step, policy, facts, calls, inline } = finding.data as Data;
  if (facts.problems.length) throw new EditRefused(facts.problems[0]!);
  const fixed = runScriptFix(ctx, step, wrapDeploys(facts, calls, policy, inline !== undefined));
  return inline === undefined ? { ...fixed, repositoryFiles: [RETRY_ID] } : fixed;
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
