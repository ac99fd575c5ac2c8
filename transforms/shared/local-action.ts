/**
 * Whether a fix may call a generated repository action (`uses:
 * ./.github/actions/wf-fix-<id>`) from a step, or must keep today's inline
 * script (issue 13, item 3). A local action path resolves in the workspace
 * of the job that runs it, so it needs the repository checked out there,
 * before the step, at the workspace root.
 */
import type { TransformContext } from '../../src/transform.js';
import type { Job, Step } from '../../src/workflow/model.js';
import { getNode, isMap, scalarString } from '../../src/yaml.js';

/** Why the step at `index` of `job` gets the inline script instead of the action, or undefined when the action can run. */
export function inlineReason(ctx: TransformContext, job: Job, index: number): string | undefined {
  if (ctx.config.inlineScripts) return 'the config sets inlineScripts: true, so the script stays inline instead of a generated action';
  if (ctx.wf.kind === 'composite') return 'this file is a composite action: a local ./.github/actions path would resolve in the workspace of the workflow that calls it, so the script stays inline';
  if (onEvent(ctx, 'workflow_call')) return "this is a reusable workflow (on: workflow_call): a local ./.github/actions path resolves in the caller's checkout, which may be another repository, so the script stays inline";
  if (!job.steps.slice(0, index).some(checksOutRepository)) return `job '${job.id}' does not check out the repository (actions/checkout) before this step, so a local action cannot be found: the script stays inline`;
  return undefined;
}

/** The workflow triggers on `event` (`on:` as a string, a list or a mapping). */
function onEvent(ctx: TransformContext, event: string): boolean {
  const on = getNode(ctx.wf.root, 'on');
  if (on === undefined || on === null) return false;
  const one = scalarString(on);
  if (one !== undefined) return one === event;
  if (isMap(on)) return getNode(on, event) !== undefined;
  const items = (on as { items?: unknown[] }).items ?? [];
  return items.some((i) => scalarString(i) === event);
}

/** actions/checkout of this repository into the workspace root. */
function checksOutRepository(step: Step): boolean {
  if (step.action !== 'actions/checkout') return false;
  const repo = scalarString(getNode(step.with, 'repository'));
  const path = scalarString(getNode(step.with, 'path'));
  const ownRepo = repo === undefined || /^\$\{\{\s*github\.repository\s*\}\}$/.test(repo);
  return ownRepo && (path === undefined || /^(\.\/?)?$/.test(path.trim()));
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
