/**
 * `--git-branch NAME [--git-commit]`: in each repository with changes, create
 * the branch, write only the files wf-fix changes, stage them, and (with
 * --git-commit) commit exactly those files with a message listing the fixes.
 * A repository with uncommitted changes to any of those files is refused and
 * left untouched. Never pushes. git runs hardened (src/git.ts): no hook,
 * filter, fsmonitor, pager or signing program of the repository can start.
 */
import { realpathSync } from 'node:fs';
import { relative } from 'node:path';
import type { FileResult } from '../run.js';
import type { Transform } from '../transform.js';
import type { Repository } from './repos.js';
import { git, UntrustedRepository } from '../git.js';
import { slash } from '../paths.js';

export interface GitOptions {
  branch: string;
  commit: boolean;
  toolVersion: string;
  transforms: readonly Transform[];
}

export interface GitOutcome {
  repo: Repository;
  branch: string;
  /** Files written, relative to the repository root. */
  files: string[];
  /** Commit id when --git-commit made one. */
  commit?: string;
  /** Why the repository was refused or failed; nothing was committed then. */
  error?: string;
}

/** Whether root is the top of a work tree; git's refusal of a repository it does not trust is passed on. */
function isRepositoryTop(root: string): boolean {
  try {
    return realpathSync(git(root, ['rev-parse', '--show-toplevel']).trim()) === realpathSync(root);
  } catch (e) {
    if (e instanceof UntrustedRepository) throw e;
    return false;
  }
}

function branchExists(root: string, branch: string): boolean {
  try {
    git(root, ['rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
    return true;
  } catch {
    return false;
  }
}

/** The commit message: a subject naming the fixes, the fixes with counts, the files, the notes. */
export function commitMessage(files: readonly FileResult[], root: string, opts: Pick<GitOptions, 'toolVersion' | 'transforms'>): string {
  const counts = new Map<string, number>();
  const notes: string[] = [];
  for (const f of files) {
    for (const x of f.findings) {
      if (!x.fixed) continue;
      counts.set(x.ruleId, (counts.get(x.ruleId) ?? 0) + 1);
      for (const n of x.notes) if (!notes.includes(n)) notes.push(n);
    }
  }
  const order = opts.transforms.map((t) => t.meta.id);
  const ids = [...counts.keys()].sort((a, b) => order.indexOf(a) - order.indexOf(b));
  const title = (id: string) => opts.transforms.find((t) => t.meta.id === id)?.meta.title ?? id;
  const lines = [
    `wf-fix: ${ids.join(', ') || 'workflow fixes'}`,
    '',
    `Applied by wf-fix ${opts.toolVersion}:`,
    ...ids.map((id) => `- ${id}: ${title(id)} (${counts.get(id)} fix${counts.get(id) === 1 ? '' : 'es'})`),
    '',
    'Files:',
    ...files.map((f) => `- ${slash(relative(root, f.absPath))}`),
  ];
  if (notes.length) lines.push('', 'Notes:', ...notes.map((n) => `- ${n}`));
  return lines.join('\n') + '\n';
}

/**
 * Branch (and commit) one repository. `write` writes a file the dry pass found
 * changed and returns its new result (status 'error' when it could not).
 */
export function branchRepository(repo: Repository, opts: GitOptions, write: (f: FileResult) => FileResult): GitOutcome {
  const changed = repo.files.filter((f) => f.status === 'changed');
  const rel = changed.map((f) => slash(relative(repo.root, f.absPath)));
  const outcome: GitOutcome = { repo, branch: opts.branch, files: [] };
  if (!changed.length) return outcome;
    try {
    if (!isRepositoryTop(repo.root)) return { ...outcome, error: `${repo.path}: not the top of a git repository; --git-branch needs one (nothing written)` };
    const dirty = git(repo.root, ['status', '--porcelain', '--untracked-files=all', '--', ...rel]).split('\n').filter(Boolean);
    if (dirty.length) {
      return { ...outcome, error: `${repo.path}: uncommitted changes to files wf-fix would change (${dirty.map((l) => l.slice(3)).join(', ')}); commit or stash them first (nothing written)` };
    }
    if (branchExists(repo.root, opts.branch)) return { ...outcome, error: `${repo.path}: branch ${opts.branch} already exists (nothing written)` };
    git(repo.root, ['checkout', '-q', '-b', opts.branch]);
  } catch (e) {
    return { ...outcome, error: `${repo.path}: ${(e as Error).message}` };
  }
  const results = changed.map(write);
  const written = results.filter((r) => r.written);
  const failed = results.filter((r) => r.status === 'error');
  const files = written.map((f) => slash(relative(repo.root, f.absPath)));
  for (const r of results) {
    const i = repo.files.findIndex((f) => f.absPath === r.absPath);
    if (i >= 0) repo.files[i] = r;
  }
  if (failed.length) return { ...outcome, files, error: `${repo.path}: could not write ${failed.map((f) => `${f.path} (${f.reason})`).join(', ')}; branch ${opts.branch} created, nothing committed` };
  try {
    git(repo.root, ['add', '--', ...files]);
    if (!opts.commit) return { ...outcome, files };
    git(repo.root, ['commit', '-q', '--no-verify', '-m', commitMessage(written, repo.root, opts), '--', ...files]);
    return { ...outcome, files, commit: git(repo.root, ['rev-parse', 'HEAD']).trim() };
  } catch (e) {
    return { ...outcome, files, error: `${repo.path}: ${(e as Error).message}` };
  }
}
