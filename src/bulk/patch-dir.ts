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
  const header = [`diff --git a/${f.path} b/${f.path}`, `--- a/${f.path}`, `+++ b/${f.path}`];
  if (!header.every((h, i) => lines[i] === h)) throw new Error(`unexpected diff header for ${f.path}`);
  lines[0] = `diff --git a/${to} b/${to}`;
  lines[1] = `--- a/${to}`;
  lines[2] = `+++ b/${to}`;
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
