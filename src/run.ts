/**
 * One run: discover files, load each repository's config, process every file
 * (a failure in one never stops the others), write atomically when asked,
 * and collect results for the reporters. No printing here.
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, defaultConfig, findConfigFile, loadConfigFile, type Config } from './config.js';
import { discover } from './discover.js';
import { displayPath } from './paths.js';
import { unifiedDiff } from './diff.js';
import { removeStaleTemps, writeIfUnchanged } from './write.js';
import { repositoryRoot } from './repo.js';
import { PackageScriptsCache } from './packages.js';
import type { Transform } from './transform.js';
import { processText, type FileOutcome, type ReportedFinding } from './workflow/engine.js';
import { TRANSFORMS, TRANSFORM_IDS } from '../transforms/index.js';
import { isSourceFile } from './generators/locate.js';
import { generatorSources, processSourceFile, sourceDeps } from './generators/process.js';
import { REPOSITORY_FILES, type RepositoryFileSpec } from './actions/registry.js';
import { addRepositoryFiles, generatedFileSkip, packageVersion, requestedRepositoryFiles, type RepositoryFileInfo } from './actions/repository-files.js';

export interface RunOptions {
  paths: string[];
  cwd: string;
  write: boolean;
  only?: string[];
  skip?: string[];
  /** --config FILE: used for every file instead of discovery. */
  configFile?: string;
  roleArn?: string;
  bashCheck?: boolean;
  /** Compute each changed file's diff (default true; a plain --check prints none). */
  diffs?: boolean;
  /** The transform registry to select from (default: all of transforms/; tests pass their own). */
  transforms?: readonly Transform[];
  /** Generated repository files (default: src/actions/registry.ts; tests pass their own). */
  repositoryFiles?: readonly RepositoryFileSpec[];
  /** Version written into generated repository files (default: package.json). */
  toolVersion?: string;
}

export interface FileResult extends Omit<FileOutcome, 'original' | 'output'> {
  /** Path relative to cwd, with forward slashes (as in the diff headers). */
  path: string;
  absPath: string;
  diff: string;
  /** The file was written by this run. */
  written: boolean;
  findings: ReportedFinding[];
  /** Set on the result of a generated repository file (src/actions). */
  repositoryFile?: RepositoryFileInfo;
}

export interface RunResult {
  files: FileResult[];
  /** Problems with the run itself (missing paths, bad config). */
  errors: string[];
}

/**
 * 0 ok, 1 --check found pending fixes, 2 a file or the run failed, 3 a fix was
 * rejected (validation gate or transform failure) while the file's other
 * fixes applied. 2 outranks 3, and 3 outranks 1.
 */
export const EXIT = { OK: 0, PENDING: 1, FAILED: 2, REJECTED: 3 } as const;

export function selectTransforms(config: Config, only?: string[], skip?: string[], from: readonly Transform[] = TRANSFORMS): Transform[] {
  return from.filter((t) => {
    const id = t.meta.id;
    if (only?.length && !only.includes(id)) return false;
    if (skip?.includes(id)) return false;
    return config.transforms[id] !== false;
  });
}

export function validateIds(ids: string[] | undefined, flag: string): string | undefined {
  const bad = (ids ?? []).filter((id) => !TRANSFORM_IDS.includes(id));
  return bad.length ? `${flag}: unknown transform id ${bad.join(', ')} (known: ${TRANSFORM_IDS.join(', ')})` : undefined;
}

export class ConfigCache {
  private byRoot = new Map<string, Config>();
  /** package.json scripts per repository root, read at most once per run. */
  readonly packageScripts = new PackageScriptsCache();
  constructor(private readonly opts: Pick<RunOptions, 'configFile' | 'roleArn'>) {}

  /** Config for a file; throws ConfigError naming the config file and key. */
  forFile(file: string): Config {
    const root = repositoryRoot(file);
    let config = this.byRoot.get(root);
    if (!config) {
      const source = this.opts.configFile ?? findConfigFile(root);
      config = source ? loadConfigFile(source, defaultConfig(), TRANSFORM_IDS) : defaultConfig();
      if (this.opts.roleArn) config.roles.default = this.opts.roleArn;
      this.byRoot.set(root, config);
    }
    return config;
  }
}

const cleanedDirs = new Set<string>();

/** Temp files of an earlier run killed mid-write (see write.ts); only wf-fix's own names, only dead pids. */
function cleanDirOnce(dir: string): void {
  if (cleanedDirs.has(dir)) return;
  cleanedDirs.add(dir);
  removeStaleTemps(dir);
}

/**
 * `uncheckedScripts`: defer `bash -n` of new scripts to the caller (see
 * ProcessOptions.uncheckedScripts); only for runs that do not write.
 */
export function processFile(absPath: string, cwd: string, configs: ConfigCache, opts: RunOptions, skipReason?: string, uncheckedScripts?: string[]): FileResult {
  const path = displayPath(cwd, absPath);
  const base = { path, absPath, diff: '', written: false, findings: [] as ReportedFinding[] };
  if (skipReason) return { ...base, status: 'skipped', reason: skipReason };
  if (opts.write) cleanDirOnce(dirname(absPath));
  if (isSourceFile(absPath)) return processSourceFile(absPath, sourceDeps(opts, configs, repositoryRoot));
  let config: Config;
  try {
    config = configs.forFile(absPath);
  } catch (e) {
    if (e instanceof ConfigError) return { ...base, status: 'error', reason: e.message };
    throw e;
  }
  let bytes: Buffer;
  try {
    bytes = readFileSync(absPath);
  } catch (e) {
    return { ...base, status: 'error', reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
  }
  const raw = bytes.toString('utf8');
  if (!Buffer.from(raw, 'utf8').equals(bytes)) return { ...base, status: 'skipped', reason: 'not UTF-8 text (binary or another encoding)' };
  if (raw.includes('\u0000')) return { ...base, status: 'skipped', reason: 'binary file (NUL bytes)' };
  const ownSkip = generatedFileSkip(raw);
  if (ownSkip) return { ...base, status: 'skipped', reason: ownSkip };
  const transforms = selectTransforms(config, opts.only, opts.skip, opts.transforms);
  const outcome = processText(raw, { config, transforms, file: path, bashCheck: opts.bashCheck,
    packageScripts: configs.packageScripts.forRoot(repositoryRoot(absPath)), ...(uncheckedScripts && !opts.write ? { uncheckedScripts } : {}) });
  const { original, output, ...rest } = outcome;
  const repositoryFiles = requestedRepositoryFiles(outcome, transforms, opts.repositoryFiles);
  const result: FileResult = { ...base, ...rest, ...(repositoryFiles ? { repositoryFiles } : {}), diff: outcome.status === 'changed' && opts.diffs !== false ? unifiedDiff(path, original, output) : '' };
  if (opts.write && outcome.status === 'changed') {
    const err = writeIfUnchanged(absPath, bytes, output);
    if (err) return { ...result, status: 'error', reason: err };
    result.written = true;
  }
  return result;
}

export function run(opts: RunOptions): RunResult {
  const errors: string[] = [];
  const { files, missing } = discover(opts.paths, opts.cwd);
  for (const m of missing) errors.push(`${m}: no such file or directory`);
  const configs = new ConfigCache(opts);
  const results = files.map((f) => processFile(f.path, opts.cwd, configs, opts, f.skip));
  results.push(...generatorSources(results, sourceDeps(opts, configs, repositoryRoot)));
  const withFiles = addRepositoryFiles(results, repositoryFileOptions(opts));
  return { files: withFiles.files, errors: [...errors, ...withFiles.errors] };
}

/** How a run generates repository files (src/actions). */
export function repositoryFileOptions(opts: RunOptions) {
  return { cwd: opts.cwd, write: opts.write, diffs: opts.diffs, toolVersion: opts.toolVersion ?? packageVersion(), registry: opts.repositoryFiles ?? REPOSITORY_FILES };
}

export function exitCode(result: RunResult, check: boolean): number {
  if (result.errors.length || result.files.some((f) => f.status === 'error')) return EXIT.FAILED;
  if (result.files.some((f) => f.findings.some((x) => x.rejected && !x.fixed))) return EXIT.REJECTED;
  if (check && result.files.some((f) => f.status === 'changed')) return EXIT.PENDING;
  return EXIT.OK;
}
