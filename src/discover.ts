/**
 * Which files to process: for a directory, every `.github/workflows/*.yml|yaml`
 * and every composite `action.yml|yaml` below it (node_modules and .git
 * skipped, directory symlinks not followed); a file argument as given.
 * A symlinked file is processed only when its target is inside the link's
 * own repository; others are reported as skipped.
 */
import { lstatSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, relative, resolve, sep } from 'node:path';
import { repositoryRoot } from './repo.js';
import { walkSorted } from './walk.js';

export interface Discovered {
  /** Absolute path. */
  path: string;
  /** The root (argument) it was found under. */
  root: string;
  /** Set when the file must not be processed (e.g. a symlink leaving the root). */
  skip?: string;
}

const SKIP_DIRS = new Set(['node_modules', '.git']);

function isWorkflowFile(path: string): boolean {
  const name = basename(path);
  if (!/\.ya?ml$/.test(name)) return false;
  if (name === 'action.yml' || name === 'action.yaml') return true;
  const dir = dirname(path);
  return basename(dir) === 'workflows' && basename(dirname(dir)) === '.github';
}

/** `p` is `root` or below it (both resolved). */
export function inside(root: string, p: string): boolean {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !rel.startsWith(sep) && !/^[a-zA-Z]:/.test(rel));
}

/**
 * Why a symlinked workflow must not be processed: dangling, or pointing out
 * of its repository (writes go through the link, see write.ts).
 */
function symlinkProblem(link: string): string | undefined {
  let target: string;
  try {
    target = realpathSync(link);
  } catch {
    return 'dangling symlink';
  }
  const root = repositoryRoot(link);
  let realRoot = root;
  try { realRoot = realpathSync(root); } catch { /* keep */ }
  return inside(realRoot, target) ? undefined : `symlink to ${target}, outside ${root}: not followed`;
}

function walk(root: string, out: Discovered[]): void {
  walkSorted(root, {
    enter: (name) => !SKIP_DIRS.has(name),
    visit: (p, e) => {
      if (e.isFile() && isWorkflowFile(p)) out.push({ path: p, root });
      else if (e.isSymbolicLink() && isWorkflowFile(p)) out.push({ path: p, root, skip: symlinkProblem(p) });
    },
  });
}

/** Expand the command-line paths into files, sorted and de-duplicated. */
export function discover(paths: readonly string[], cwd: string): { files: Discovered[]; missing: string[] } {
  const files: Discovered[] = [];
  const missing: string[] = [];
  for (const arg of paths) {
    const abs = resolve(cwd, arg);
    let st;
    try {
      st = statSync(abs);
    } catch {
      try {
        lstatSync(abs);
        files.push({ path: abs, root: dirname(abs), skip: 'dangling symlink' });
      } catch {
        missing.push(arg);
      }
      continue;
    }
    if (st.isDirectory()) walk(abs, files);
    else files.push({ path: abs, root: dirname(abs), skip: lstatSync(abs).isSymbolicLink() ? symlinkProblem(abs) : undefined });
  }
  const seen = new Set<string>();
  return {
    files: files.filter((f) => (seen.has(f.path) ? false : (seen.add(f.path), true))).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    missing,
  };
}
