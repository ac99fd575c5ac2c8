/**
 * 6. Retries (deploy-retry) (FIXES.md section 6).
 *
 * Finds deploy commands (recognised by ./shared/deploy.ts: `cdk deploy` and
 * its wrappers such as `npx`, `npm run cdk deploy`, `uv run`, package.json
 * scripts that deploy; `sam deploy`, `serverless deploy`, `cdktf deploy`,
 * `pulumi up`, `aws cloudformation deploy|create-stack|update-stack`) in bash
 * `run:` scripts that nothing retries. Writes a `wf_fix_retry` function once at the top of the
 * script (after its `set` lines) and calls it in place of each command:
 * attempts, delay and backoff from config `retry` (production jobs wait
 * `productionDelaySeconds`). The command runs as an `if` condition so `set -e`
 * does not end the loop; after the last attempt the function returns the last
 * exit status. Commands already inside a retry loop or helper are left alone;
 * the rest of the script, and the step's `id`, stay as they were.
 */
import { isProductionJob } from '../src/config.js';
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import type { Job, Step } from '../src/workflow/model.js';
import { EditRefused } from '../src/workflow/primitives.js';
import { DEPLOYERS, scopeFor } from './shared/deploy.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';
import { scanDeploys, wrapDeploys, type DeployCall, type RetryPolicy } from './shell/retry.js';
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
        const labels = [...new Set(scan.bare.map((c) => c.label))].join(', ');
        out.push({
          ruleId: meta.id,
          message: `${where} runs \`${labels}\` once: a transient AWS error fails the deploy; retry it (${policy.attempts} attempts, ${policy.delaySeconds}s ${policy.backoff} backoff)`,
          offset: textOffset(ctx.text, step, first.insertAt),
          path: step.path,
          fixable: true,
          notes: viaNotes(scan.bare),
          data: { step, policy, facts, calls: scan.bare } satisfies Data,
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
  const { step, policy, facts, calls } = finding.data as Data;
  if (facts.problems.length) throw new EditRefused(facts.problems[0]!);
  return runScriptFix(ctx, step, wrapDeploys(facts, calls, policy));
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
