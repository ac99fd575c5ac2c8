/**
 * `wf-fix merge-reports a.json b.json ...`: shard reports (`--format json`)
 * merged into the run they split, so a fleet processed on N machines reads as
 * one: totals recomputed, repositories in one list, files in repository order,
 * errors in input order. The result renders through the same json, sarif and
 * html reports as a single run. Paths stay as the shards wrote them (relative
 * to each run's directory, which must be the same layout on every machine).
 */
import { resolve } from 'node:path';
import type { GitOutcome } from '../bulk/git-branch.js';
import type { PatchWritten } from '../bulk/patch-dir.js';
import { summarizeFiles, type Repository } from '../bulk/repos.js';
import type { FileResult } from '../run.js';
import type { ReportedFinding } from '../workflow/engine.js';
import { JSON_REPORT_VERSION, type RunMode } from './json.js';
import type { RepositoryFileState } from '../actions/registry.js';

export class ReportError extends Error {}

interface JsonFinding extends Omit<ReportedFinding, 'skippedBecause'> {
  skippedBecause: string | null;
}

interface JsonFile {
  path: string;
  repository: string | null;
  status: FileResult['status'];
  reason: string | null;
  generator: string | null;
  /** Absent in reports of wf-fix versions before generated repository files. */
  repositoryFile?: { id: string; state: RepositoryFileState; version: string; previous: string | null; sha256: string } | null;
  written: boolean;
  findings: JsonFinding[];
  diff: string;
}

interface JsonRepository {
  path: string;
  name: string;
  patch: string | null;
  git: { branch: string; files: string[]; commit: string | null; error: string | null } | null;
}

export interface JsonReportDoc {
  version: number;
  tool: { name: string; version: string };
  mode: RunMode | null;
  shard: string | null;
  errors: string[];
  repositories: JsonRepository[];
  files: JsonFile[];
}

/** A report as `--format json` wrote it; a ReportError naming the file otherwise. */
export function parseJsonReport(text: string, file: string): JsonReportDoc {
  let doc: JsonReportDoc;
  try {
    doc = JSON.parse(text) as JsonReportDoc;
  } catch (e) {
    throw new ReportError(`${file}: not JSON (${(e as Error).message})`);
  }
  if (!doc || typeof doc !== 'object' || doc.tool?.name !== 'wf-fix') throw new ReportError(`${file}: not a wf-fix --format json report`);
  if (doc.version !== JSON_REPORT_VERSION) throw new ReportError(`${file}: report version ${String(doc.version)}, this wf-fix reads version ${JSON_REPORT_VERSION}`);
  if (!Array.isArray(doc.files) || !Array.isArray(doc.repositories) || !Array.isArray(doc.errors)) throw new ReportError(`${file}: files, repositories or errors missing`);
  return doc;
}

export interface MergedRun {
  files: FileResult[];
  errors: string[];
  repositories: Repository[];
  patches: PatchWritten[];
  git: GitOutcome[];
  mode: RunMode;
  toolVersion: string;
}

const byPath = <T extends { path: string }>(a: T, b: T) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** Merges parsed reports; `cwd` resolves their relative paths (for SARIF uris and patch files). */
export function mergeReports(docs: readonly { doc: JsonReportDoc; file: string }[], cwd: string): MergedRun {
  const modes = new Set(docs.map((d) => d.doc.mode ?? 'dry-run'));
  if (modes.size > 1) throw new ReportError(`the reports come from different modes (${[...modes].join(', ')}): merge reports of one kind of run`);
  const versions = new Set(docs.map((d) => d.doc.tool.version));
  if (versions.size > 1) throw new ReportError(`the reports come from different wf-fix versions (${[...versions].join(', ')})`);
  const seen = new Map<string, string>();
  const repositories: Repository[] = [];
  const patches: PatchWritten[] = [];
  const git: GitOutcome[] = [];
  const filesOf = new Map<string, FileResult[]>();
  for (const { doc, file } of docs) {
    for (const r of doc.repositories) {
      const other = seen.get(r.path);
      if (other) throw new ReportError(`repository ${r.path} is in both ${other} and ${file}: were these shards of one run?`);
      seen.set(r.path, file);
      const repo: Repository = { root: resolve(cwd, r.path), path: r.path, name: r.name, files: [], summary: summarizeFiles([]) };
      repositories.push(repo);
      filesOf.set(r.path, repo.files);
      if (r.patch) patches.push({ repo, file: resolve(cwd, r.patch) });
      if (r.git) git.push({ repo, branch: r.git.branch, files: r.git.files, ...(r.git.commit ? { commit: r.git.commit } : {}), ...(r.git.error ? { error: r.git.error } : {}) });
    }
    for (const f of doc.files) {
      const list = f.repository === null ? undefined : filesOf.get(f.repository);
      if (!list) throw new ReportError(`${file}: ${f.path} names repository ${String(f.repository)}, which the report does not list`);
      list.push(fileResult(f, cwd));
    }
  }
  repositories.sort(byPath);
  for (const r of repositories) r.summary = summarizeFiles(r.files);
  return {
    files: repositories.flatMap((r) => r.files),
    errors: docs.flatMap((d) => d.doc.errors),
    repositories,
    patches,
    git,
    mode: [...modes][0] ?? 'dry-run',
    toolVersion: docs[0]?.doc.tool.version ?? '',
  };
}

function fileResult(f: JsonFile, cwd: string): FileResult {
  return {
    path: f.path,
    absPath: resolve(cwd, f.path),
    status: f.status,
    ...(f.reason !== null ? { reason: f.reason } : {}),
    ...(f.generator !== null ? { generator: f.generator } : {}),
    ...(f.repositoryFile ? { repositoryFile: { ...f.repositoryFile, previous: f.repositoryFile.previous ?? undefined } } : {}),
    written: f.written,
    diff: f.diff,
    findings: f.findings.map(({ skippedBecause, ...x }) => ({ ...x, ...(skippedBecause !== null ? { skippedBecause } : {}) })),
  };
}
