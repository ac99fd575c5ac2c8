/**
 * Whether a fix may call a generated repository action (`uses:
 * ./.github/actions/wf-fix-<id>`) from a step, or must keep today's inline
 * script (issue 13, item 3). A local action path resolves in the workspace
 * of the job that runs it, so it needs the repository checked out there,
 * before the step, at the workspace root.
 */
import type { TransformContext } from '../../src/transform.js';
import type { Job, Step } from '../../src/workflow/model.js';
import { triggersOf } from '../../src/trust/subjects.js';
import { getNode, scalarString, toPlainNode } from '../../src/yaml.js';

/** Why a generated local action cannot run at a step: the config asks for inline scripts, or the path would not resolve. */
export type LocalActionBlocker = 'inlineScripts' | 'composite' | 'workflow_call' | 'no-checkout';

/** What keeps a local `./.github/actions/...` step at steps[index] of `job` from running, or undefined when it can. */
export function localActionBlocker(ctx: TransformContext, job: Job, index: number): LocalActionBlocker | undefined {
  if (ctx.config.inlineScripts) return 'inlineScripts';
  if (ctx.wf.kind === 'composite') return 'composite';
  if (triggersOf(toPlainNode(getNode(ctx.wf.root, 'on'))).has('workflow_call')) return 'workflow_call';
  if (checkoutProblem(job, index) !== undefined) return 'no-checkout';
  return undefined;
}

/** Why the step at `index` of `job` gets the inline script instead of the action, or undefined when the action can run. */
export function inlineReason(ctx: TransformContext, job: Job, index: number): string | undefined {
  switch (localActionBlocker(ctx, job, index)) {
    case 'inlineScripts': return 'the config sets inlineScripts: true, so the script stays inline instead of a generated action';
    case 'composite': return 'this file is a composite action: a local ./.github/actions path would resolve in the workspace of the workflow that calls it, so the script stays inline';
    case 'workflow_call': return "this is a reusable workflow (on: workflow_call): a local ./.github/actions path resolves in the caller's checkout, which may be another repository, so the script stays inline";
    case 'no-checkout': return `${checkoutProblem(job, index)!}, so a local action cannot be found: the script stays inline`;
    case undefined: return undefined;
  }
}

/**
 * Refs a checkout may name and still hold the files this run adds: the
 * triggering commit or branch, a pull request's head, the default branch
 * names. Anything else (an input, another job's output, a tag, a SHA, another
 * branch) may be a commit from before the generated files were committed.
 */
const CURRENT_REF = /^(?:\$\{\{\s*github\.(?:sha|ref|ref_name|head_ref|event\.pull_request\.head\.(?:sha|ref)|event\.after)\s*\}\}|main|master)$/;

/**
 * Why the workspace at steps[index] of `job` may not hold this repository's
 * generated files, phrased for a note ("job 'x' does not check out ..."), or
 * undefined when it does: the last checkout into the workspace root before
 * the step is of this repository, at the current commit, not sparse without
 * `.github`.
 */
export function checkoutProblem(job: Job, index: number): string | undefined {
  const last = job.steps.slice(0, index).filter((s) => s.action === 'actions/checkout' && atRoot(s)).at(-1);
  const none = `job '${job.id}' does not check out the repository (actions/checkout) before this step`;
  if (!last) return none;
  const repo = scalarString(getNode(last.with, 'repository'));
  if (repo !== undefined && !/^\$\{\{\s*github\.repository\s*\}\}$/.test(repo)) return `job '${job.id}' checks out another repository (${repo}) into the workspace before this step`;
  const ref = scalarString(getNode(last.with, 'ref'));
  if (ref !== undefined && !CURRENT_REF.test(ref.trim())) {
    return `job '${job.id}' checks out ref ${ref.trim()} before this step, which may be a commit from before the generated files were committed`;
  }
  const sparse = scalarString(getNode(last.with, 'sparse-checkout'));
  if (sparse !== undefined && sparse.trim() !== '' && !sparse.split('\n').some((l) => /^\/?\.github(?:\/|$)/.test(l.trim()))) {
    return `job '${job.id}' checks out only some paths (sparse-checkout) before this step, not .github`;
  }
  return undefined;
}

/** A checkout into the workspace root (no `path:`, or `.`). */
function atRoot(step: Step): boolean {
  const path = scalarString(getNode(step.with, 'path'));
  return path === undefined || /^(\.\/?)?$/.test(path.trim());
}

/** `dir` (relative to the step's working directory `wd`) as a workspace-relative path, for a `uses:` step's `with:`. */
export function workspacePath(wd: string | undefined, dir: string): string {
  if (!wd || dir.startsWith('/') || /^\.\/?$/.test(wd)) return dir;
  return `${wd.replace(/\/+$/, '')}/${dir}`;
}

function defaultsDir(node: unknown): string | undefined {
  return scalarString(getNode(getNode(getNode(node, 'defaults'), 'run'), 'working-directory'));
}

/** The working directory a `run:` step starts in, as written (step, then job and workflow defaults). */
export function runWorkingDirectory(ctx: TransformContext, job: Job, step: Step): string | undefined {
  return scalarString(getNode(step.node, 'working-directory')) ?? defaultsDir(job.node) ?? defaultsDir(ctx.wf.root);
}

/** The first unused step id of `base`, `base-2`, ... in the job, skipping `taken`. */
export function freeStepId(job: Job, base: string, from = 1): string {
  for (let i = from; ; i++) {
    const id = i === 1 ? base : `${base}-${i}`;
    if (!job.steps.some((s) => s.id === id)) return id;
  }
}
