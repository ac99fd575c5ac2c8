/** Process discovered files; an unexpected exception becomes that file's error, never the run's. */
import { processFile, type ConfigCache, type FileResult, type RunOptions } from '../run.js';
import { bashSyntaxError, checkScripts, checkScriptsAsync } from '../workflow/bash-syntax.js';

export interface Task {
  index: number;
  path: string;
  skip?: string;
}

export interface TaskResult {
  index: number;
  result: FileResult;
}

export function processOne(task: Task, opts: RunOptions, configs: ConfigCache, uncheckedScripts?: string[]): FileResult {
  try {
    return processFile(task.path, opts.cwd, configs, opts, task.skip, uncheckedScripts);
  } catch (e) {
    const r = processFile(task.path, opts.cwd, configs, opts, 'internal');
    return { ...r, status: 'error', reason: `internal error: ${(e as Error).stack ?? String(e)}` };
  }
}

/** Each file processed taking its new scripts as passing, with the scripts it took so (by file). */
function firstPass(tasks: readonly Task[], opts: RunOptions, configs: ConfigCache): { results: FileResult[]; pending: string[][] } {
  const pending = tasks.map(() => [] as string[]);
  return { results: tasks.map((t, i) => processOne(t, opts, configs, pending[i])), pending };
}

/** The first pass's results, each file one of whose new scripts `fails` processed again the ordinary way. */
function redoFailing(tasks: readonly Task[], opts: RunOptions, configs: ConfigCache, first: { results: FileResult[]; pending: string[][] }, fails: (script: string) => boolean): FileResult[] {
  return first.results.map((r, i) => (first.pending[i]!.some(fails) ? processOne(tasks[i]!, opts, configs) : r));
}

/**
 * Process several files with one `bash -n` pass for all of them (one xargs
 * instead of one per changed file). Each file is first processed taking its
 * new scripts as passing; a file one of whose scripts then fails is processed
 * again the ordinary way, which finds the cached result and drops the fix
 * that wrote it. A run that writes checks file by file (it writes as it goes).
 */
export function processBatch(tasks: readonly Task[], opts: RunOptions, configs: ConfigCache): FileResult[] {
  if (opts.write || opts.bashCheck === false) return tasks.map((t) => processOne(t, opts, configs));
  const first = firstPass(tasks, opts, configs);
  checkScripts(first.pending.flat());
  return redoFailing(tasks, opts, configs, first, (sc) => bashSyntaxError(sc) !== undefined);
}

/** Checks scripts with `bash -n`, resolving to each one's result (checkScriptsAsync, or a worker asking the main thread). */
export type ScriptCheck = (scripts: readonly string[]) => Promise<ReadonlyMap<string, string | undefined>>;

/**
 * processBatch whose `bash -n` children run while the caller goes on: the
 * files are processed now (taking their new scripts as passing), and the
 * promise settles once the check is done and each file one of whose scripts
 * fails has been processed again. Results are the ones processBatch gives.
 */
export function processBatchAsync(tasks: readonly Task[], opts: RunOptions, configs: ConfigCache, check: ScriptCheck = checkScriptsAsync): Promise<FileResult[]> {
  if (opts.write || opts.bashCheck === false) return Promise.resolve(processBatch(tasks, opts, configs));
  const first = firstPass(tasks, opts, configs);
  if (!first.pending.some((p) => p.length)) return Promise.resolve(first.results);
  return check(first.pending.flat()).then((checked) => redoFailing(tasks, opts, configs, first, (sc) => checked.get(sc) !== undefined));
}
