/** Repository facts from the file system. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Repository root of a file: nearest ancestor with .git, else the parent of .github. */
export function repositoryRoot(file: string): string {
  const dir = dirname(resolve(file));
  let root = rootOfDir.get(dir);
  if (root === undefined) {
    if (rootOfDir.size >= ROOTS_MAX) rootOfDir.clear();
    rootOfDir.set(dir, (root = findRoot(dir)));
  }
  return root;
}

/**
 * Roots by directory: a run asks for the root of each file several times
 * (config, package scripts, shards, generated files), with its workflows
 * side by side. wf-fix creates no `.git` or `.github` directory while it runs.
 */
const rootOfDir = new Map<string, string>();
const ROOTS_MAX = 10_000;

function findRoot(dir: string): string {
  let cur = dir;
  let githubParent: string | undefined;
  for (;;) {
    if (existsSync(join(cur, '.git'))) return cur;
    if (!githubParent && existsSync(join(cur, '.github'))) githubParent = cur;
    const up = dirname(cur);
    if (up === cur) return githubParent ?? dir;
    cur = up;
  }
}
