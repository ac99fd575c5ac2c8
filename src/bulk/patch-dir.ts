/**
 * `--patch-dir DIR`: one `<repo-name>.patch` per changed repository, with
 * paths relative to that repository's root, so `git -C repo apply` takes it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { FileResult } from '../run.js';
import type { Repository } from './repos.js';
import { slash } from '../paths.js';


/** The file's diff with its header paths made relative to `root`. */
export function rebaseDiff(f: FileResult, root: string): string {
  const to = slash(relative(root, f.absPath));
  const lines = f.diff.split('\n');
  // A new file (generated repository file) has `new file mode` and `--- /dev/null`.
  const created = lines[1] === 'new file mode 100644';
  const header = created
    ? [`diff --git a/${f.path} b/${f.path}`, lines[1], '--- /dev/null', `+++ b/${f.path}`]
    : [`diff --git a/${f.path} b/${f.path}`, `--- a/${f.path}`, `+++ b/${f.path}`];
  if (!header.every((h, i) => lines[i] === h)) throw new Error(`unexpected diff header for ${f.path}`);
  const rebased = created
    ? [`diff --git a/${to} b/${to}`, lines[1], '--- /dev/null', `+++ b/${to}`]
    : [`diff --git a/${to} b/${to}`, `--- a/${to}`, `+++ b/${to}`];
  lines.splice(0, rebased.length, ...rebased);
  return lines.join('\n');
}

/** The repository's patch, or '' when nothing in it changes. */
export function repositoryPatch(repo: Repository): string {
  return repo.files.filter((f) => f.diff).map((f) => rebaseDiff(f, repo.root)).join('');
}

export interface PatchWritten {
  repo: Repository;
  /** Path of the patch file, absolute. */
  file: string;
}

/** Write the patches; returns what was written. Throws on I/O errors (reported by the caller). */
export function writePatches(repos: readonly Repository[], dir: string): PatchWritten[] {
  mkdirSync(dir, { recursive: true });
  const out: PatchWritten[] = [];
  for (const repo of repos) {
    const patch = repositoryPatch(repo);
    if (!patch) continue;
    const file = join(dir, `${repo.name}.patch`);
    writeFileSync(file, patch);
    out.push({ repo, file });
  }
  return out;
}
