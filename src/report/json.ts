/**
 * `--format json`: a stable, versioned document. Field names never change
 * within a version; new fields may be added (version 1 added `repository`
 * per file and the `repositories` array without a bump). Schema in README.
 */
import { relative } from 'node:path';
import type { GitOutcome } from '../bulk/git-branch.js';
import type { PatchWritten } from '../bulk/patch-dir.js';
import { groupByRepository, type Repository } from '../bulk/repos.js';
import type { RunResult } from '../run.js';
import { summarize } from './text.js';
import { slash } from '../paths.js';

export const JSON_REPORT_VERSION = 1;

export interface JsonReportExtras {
  /** Directory the paths are relative to (default: process.cwd()). */
  cwd?: string;
  repositories?: Repository[];
  patches?: PatchWritten[];
  git?: GitOutcome[];
  /** How the run was made: dry-run, write or check (for merge-reports and readers). */
  mode?: RunMode;
  /** `K/N` when the run processed one shard of the repositories. */
  shard?: string;
}

export type RunMode = 'dry-run' | 'write' | 'check';

export function jsonReport(result: RunResult & JsonReportExtras, toolVersion: string): string {
  const cwd = result.cwd ?? process.cwd();
  const repositories = result.repositories ?? groupByRepository(result.files, cwd);
  const repoOf = new Map(repositories.flatMap((r) => r.files.map((f) => [f.absPath, r.path] as const)));
  const doc = {
    version: JSON_REPORT_VERSION,
    tool: { name: 'wf-fix', version: toolVersion },
    mode: result.mode ?? null,
    shard: result.shard ?? null,
    summary: summarize(result),
    errors: result.errors,
    repositories: repositories.map((r) => {
      const patch = result.patches?.find((p) => p.repo.root === r.root);
      const git = result.git?.find((g) => g.repo.root === r.root);
      return {
        path: r.path,
        name: r.name,
        files: r.summary.files,
        changed: r.summary.changed,
        skipped: r.summary.skipped,
        failed: r.summary.failed,
        findings: r.summary.findings,
        fixed: r.summary.fixed,
        patch: patch ? slash(relative(cwd, patch.file)) : null,
        git: git ? { branch: git.branch, files: git.files, commit: git.commit ?? null, error: git.error ?? null } : null,
      };
    }),
    files: result.files.map((f) => ({
      path: f.path,
      repository: repoOf.get(f.absPath) ?? null,
      status: f.status,
      reason: f.reason ?? null,
      generator: f.generator ?? null,
      written: f.written,
      findings: f.findings.map((x) => ({
        ruleId: x.ruleId,
        line: x.line,
        column: x.column,
        message: x.message,
        fixable: x.fixable,
        fixed: x.fixed,
        skippedBecause: x.skippedBecause ?? null,
        rejected: x.rejected === true,
        notes: x.notes,
      })),
      diff: f.diff,
      /** Set for a generated repository file (src/actions): its registry id, what this run does with it, versions, body hash. */
      repositoryFile: f.repositoryFile ? { id: f.repositoryFile.id, state: f.repositoryFile.state, version: f.repositoryFile.version, previous: f.repositoryFile.previous ?? null, sha256: f.repositoryFile.sha256 } : null,
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
