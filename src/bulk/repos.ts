/**
 * Many repositories in one run: read `--repos-from` lists, and group file
 * results by the repository each file belongs to (nearest `.git`, else the
 * directory holding `.github`; the same root that config lookup uses).
 */
import { readFileSync } from 'node:fs';
import { basename, relative } from 'node:path';
import { repositoryRoot } from '../repo.js';
import type { FileResult } from '../run.js';
import { slash } from '../paths.js';

/** `--repos-from FILE` (`-` = stdin): one path per line; blank lines and `#` comments ignored. */
export function readReposFile(file: string): string[] {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
}

export interface RepoSummary {
  files: number;
  changed: number;
  skipped: number;
  failed: number;
  findings: number;
  fixed: number;
}

export interface Repository {
  /** Absolute path of the repository root. */
  root: string;
  /** Root relative to cwd with forward slashes ('.' for cwd itself; absolute when outside cwd). */
  path: string;
  /** Unique, file-name-safe name (directory name, suffixed -2, -3... on clashes). */
  name: string;
  files: FileResult[];
  summary: RepoSummary;
}

/** A repository's key in reports and for --shard: its root relative to cwd ('.' for cwd; absolute when outside). */
export function displayRoot(cwd: string, root: string): string {
  const rel = relative(cwd, root);
  if (rel === '') return '.';
  return slash(rel.startsWith('..') ? root : rel);
}

function safeName(root: string): string {
  return basename(root).replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^\.+/, '') || 'repository';
}

export function summarizeFiles(files: readonly FileResult[]): RepoSummary {
  const s: RepoSummary = { files: files.length, changed: 0, skipped: 0, failed: 0, findings: 0, fixed: 0 };
  for (const f of files) {
    if (f.status === 'changed') s.changed++;
    else if (f.status === 'skipped') s.skipped++;
    else if (f.status === 'error') s.failed++;
    s.findings += f.findings.length;
    s.fixed += f.findings.filter((x) => x.fixed).length;
  }
  return s;
}

/** Group results by repository, sorted by root path; files keep their (sorted) order. */
export function groupByRepository(files: readonly FileResult[], cwd: string, rootOf: (abs: string) => string = repositoryRoot): Repository[] {
  const byRoot = new Map<string, FileResult[]>();
  const cache = new Map<string, string>();
  for (const f of files) {
    const dir = f.absPath.slice(0, Math.max(f.absPath.lastIndexOf('/'), f.absPath.lastIndexOf('\\')));
    let root = cache.get(dir);
    if (root === undefined) {
      root = rootOf(f.absPath);
      cache.set(dir, root);
    }
    const list = byRoot.get(root) ?? [];
    list.push(f);
    byRoot.set(root, list);
  }
  const roots = [...byRoot.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const taken = new Set<string>();
  return roots.map((root) => {
    const base = safeName(root);
    let name = base;
    for (let n = 2; taken.has(name); n++) name = `${base}-${n}`;
    taken.add(name);
    const repoFiles = byRoot.get(root)!;
    return { root, path: displayRoot(cwd, root), name, files: repoFiles, summary: summarizeFiles(repoFiles) };
  });
}
