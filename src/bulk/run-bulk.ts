/**
 * A whole run over many roots: discover, process (in workers when it pays),
 * group by repository, then the optional per-repository steps (branch and
 * commit, patch files). No printing here; problems go to `errors`.
 */
import { dirname, resolve } from 'node:path';
import { discover } from '../discover.js';
import { ConfigCache, processFile, repositoryFileOptions, type FileResult, type RunOptions, type RunResult } from '../run.js';
import { addRepositoryFiles, writeRepositoryFile } from '../actions/repository-files.js';
import { generatorSources, sourceDeps } from '../generators/process.js';
import { repositoryRoot } from '../repo.js';
import type { Transform } from '../transform.js';
import { branchRepository, type GitOutcome } from './git-branch.js';
import { writePatches, type PatchWritten } from './patch-dir.js';
import { processFiles, type Progress } from './pool.js';
import { displayRoot, groupByRepository, type Repository } from './repos.js';
import { inShard, type Shard } from './shard.js';

export interface BulkOptions extends RunOptions {
  jobs: number;
  patchDir?: string;
  gitBranch?: string;
  gitCommit?: boolean;
  toolVersion: string;
  transforms: readonly Transform[];
  /** Only the repositories of this shard (see shard.ts). */
  shard?: Shard;
}

export interface BulkResult extends RunResult {
  repositories: Repository[];
  patches: PatchWritten[];
  git: GitOutcome[];
}

/** The discovered files whose repository falls in the shard (a repository root is looked up once a directory). */
function inShardOnly<F extends { path: string }>(files: readonly F[], cwd: string, shard: Shard): F[] {
  const byDir = new Map<string, boolean>();
  return files.filter((f) => {
    const dir = dirname(f.path);
    let keep = byDir.get(dir);
    if (keep === undefined) byDir.set(dir, (keep = inShard(displayRoot(cwd, repositoryRoot(f.path)), shard)));
    return keep;
  });
}

export async function runBulk(opts: BulkOptions, progress?: Progress): Promise<BulkResult> {
  const errors: string[] = [];
  const found = discover(opts.paths, opts.cwd);
  const { missing } = found;
  const files = opts.shard ? inShardOnly(found.files, opts.cwd, opts.shard) : found.files;
  for (const m of missing) errors.push(`${m}: no such file or directory`);
  // With --git-branch, files are written only after the branch exists.
  const passOpts: RunOptions = { ...opts, write: opts.write && !opts.gitBranch };
  let results = await processFiles(files, passOpts, opts.jobs, progress);
  results.push(...generatorSources(results, sourceDeps(passOpts, new ConfigCache(passOpts), repositoryRoot)));
  const withFiles = addRepositoryFiles(results, repositoryFileOptions(passOpts));
  results = withFiles.files;
  errors.push(...withFiles.errors);
  const repositories = groupByRepository(results, opts.cwd);

  const gitOutcomes: GitOutcome[] = [];
  if (opts.gitBranch) {
    const configs = new ConfigCache(opts);
    const writeOpts: RunOptions = { ...opts, write: true };
    const write = (f: FileResult) => (f.repositoryFile ? writeRepositoryFile(f, repositoryFileOptions(writeOpts)) : processFile(f.absPath, opts.cwd, configs, writeOpts));
    for (const repo of repositories) {
      const o = branchRepository(repo, { branch: opts.gitBranch, commit: opts.gitCommit === true, toolVersion: opts.toolVersion, transforms: opts.transforms }, write);
      if (!o.files.length && !o.error) continue;
      gitOutcomes.push(o);
      if (o.error) errors.push(o.error);
    }
    const byPath = new Map(repositories.flatMap((r) => r.files.map((f) => [f.absPath, f] as const)));
    results = results.map((f) => byPath.get(f.absPath) ?? f);
  }

  let patches: PatchWritten[] = [];
  if (opts.patchDir) {
    try {
      patches = writePatches(repositories, resolve(opts.cwd, opts.patchDir));
    } catch (e) {
      errors.push(`--patch-dir ${opts.patchDir}: ${(e as Error).message}`);
    }
  }
  return { files: results, errors, repositories, patches, git: gitOutcomes };
}
