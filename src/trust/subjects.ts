/**
 * The OIDC `sub` claims a job's token can carry, derived from the workflow's
 * triggers and the job's `environment:` (GitHub docs, "OpenID Connect",
 * example subject claims). A job with an environment gets only
 * `environment:NAME`; otherwise `pull_request` for pull-request events and
 * `ref:refs/heads/..` / `ref:refs/tags/..` for the refs it runs on.
 * Values here omit the `repo:OWNER/REPO:` prefix.
 */
import type { Job } from '../workflow/model.js';

export interface Subject {
  /** e.g. `ref:refs/heads/main`, `environment:production`, `pull_request`. */
  value: string;
  /** Contains `*` wildcards: needs StringLike. */
  like: boolean;
}

export interface JobSubjects {
  subjects: Subject[];
  notes: string[];
}

export type Triggers = Map<string, unknown>;

/** `on:` as event -> its filter value (null when given without filters). */
export function triggersOf(on: unknown): Triggers {
  const out: Triggers = new Map();
  if (typeof on === 'string') {
    out.set(on, null);
  } else if (Array.isArray(on)) {
    for (const e of on) if (typeof e === 'string') out.set(e, null);
  } else if (on && typeof on === 'object') {
    for (const [k, v] of Object.entries(on)) out.set(k, v ?? null);
  }
  return out;
}

const strings = (v: unknown): string[] | undefined =>
  v === undefined || v === null ? undefined : (Array.isArray(v) ? v : [v]).filter((x): x is string => typeof x === 'string');

/**
 * A GitHub filter pattern as an IAM StringLike pattern. `*` and `**` become
 * `*`; `x?` (zero or one x), `x+` and `[..]` have no IAM form and are widened
 * to `*` (so the policy may trust a little more than the filter matches).
 */
export function iamPattern(glob: string): { pattern: string; widened: boolean } {
  const pattern = glob.replace(/\[[^\]]*\]/g, '*').replace(/.\?/g, '*').replace(/\+/g, '*').replace(/\*+/g, '*');
  return { pattern, widened: /[[?+]/.test(glob) };
}

function refSubjects(kind: 'heads' | 'tags', patterns: string[], event: string, notes: string[]): Subject[] {
  const out: Subject[] = [];
  for (const g of patterns) {
    if (g.startsWith('!')) {
      notes.push(`${event}: the negative filter '${g}' has no IAM form; the positive patterns are trusted`);
      continue;
    }
    const { pattern, widened } = iamPattern(g);
    if (widened) notes.push(`${event}: filter '${g}' widened to '${pattern}' (IAM StringLike knows only * and ?)`);
    out.push({ value: `ref:refs/${kind}/${pattern}`, like: pattern.includes('*') });
  }
  return out;
}

function pushSubjects(filter: unknown, notes: string[]): Subject[] {
  const f = (filter && typeof filter === 'object' ? filter : {}) as Record<string, unknown>;
  const branches = strings(f.branches);
  const tags = strings(f.tags);
  const branchFilter = branches !== undefined || f['branches-ignore'] !== undefined;
  const tagFilter = tags !== undefined || f['tags-ignore'] !== undefined;
  const out: Subject[] = [];
  if (branches) out.push(...refSubjects('heads', branches, 'push', notes));
  else if (f['branches-ignore'] !== undefined || !tagFilter) {
    if (f['branches-ignore'] !== undefined) notes.push('push: branches-ignore has no IAM form; every branch is trusted');
    out.push({ value: 'ref:refs/heads/*', like: true });
  }
  if (tags) out.push(...refSubjects('tags', tags, 'push', notes));
  else if (f['tags-ignore'] !== undefined || !branchFilter) {
    if (f['tags-ignore'] !== undefined) notes.push('push: tags-ignore has no IAM form; every tag is trusted');
    out.push({ value: 'ref:refs/tags/*', like: true });
  }
  return out;
}

/** Events whose runs take the default branch's workflow and ref. */
const DEFAULT_BRANCH_EVENTS = new Set(['schedule', 'workflow_dispatch', 'workflow_run', 'repository_dispatch']);

export function jobSubjects(job: Job, triggers: Triggers, defaultBranch: string, defaultBranchKnown: boolean): JobSubjects {
  const notes: string[] = [];
  if (job.environment !== undefined) {
    if (job.environment.includes('${{')) {
      notes.push(`job '${job.id}': environment ${job.environment} is an expression; every environment is trusted`);
      return { subjects: [{ value: 'environment:*', like: true }], notes };
    }
    return { subjects: [{ value: `environment:${job.environment}`, like: false }], notes };
  }
  const subjects: Subject[] = [];
  const defaultRef = () => {
    subjects.push({ value: `ref:refs/heads/${defaultBranch}`, like: false });
    if (!defaultBranchKnown) notes.push(`the default branch is assumed to be '${defaultBranch}' (no origin/HEAD; pass --default-branch)`);
  };
  for (const [event, filter] of [...triggers.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (event === 'push') subjects.push(...pushSubjects(filter, notes));
    else if (event === 'pull_request' || event === 'pull_request_target') {
      subjects.push({ value: 'pull_request', like: false });
      if (event === 'pull_request_target') notes.push('pull_request_target: trusted as the pull_request subject');
    } else if (event === 'release') {
      subjects.push({ value: 'ref:refs/tags/*', like: true });
    } else if (event === 'merge_group') {
      subjects.push({ value: 'ref:refs/heads/gh-readonly-queue/*', like: true });
    } else if (event === 'workflow_call') {
      notes.push(`job '${job.id}': in a reusable workflow the subject is the caller's; derive it from the calling workflows`);
    } else {
      if (event === 'workflow_dispatch') notes.push('workflow_dispatch: trusted on the default branch only (a run started from another branch will be refused)');
      else if (!DEFAULT_BRANCH_EVENTS.has(event)) notes.push(`${event}: assumed to run on the default branch`);
      defaultRef();
    }
  }
  const seen = new Set<string>();
  return { subjects: subjects.filter((x) => !seen.has(x.value) && !!seen.add(x.value)), notes };
}
