/**
 * `--jobs N`: process files in N worker threads, or in this thread when N is 1
 * or the run is small (starting a worker and loading the transforms costs more
 * than processing a few dozen files). Results come back in input order, so
 * output is the same whatever N is.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { Discovered } from '../discover.js';
import { ConfigCache, type FileResult, type RunOptions } from '../run.js';
import { checkScriptsAsync } from '../workflow/bash-syntax.js';
import { interner } from './intern.js';
import { processBatchAsync, type Task, type TaskResult } from './process.js';

/** A worker asks the main thread to `bash -n` scripts (worker.ts); the reply carries each one's result. */
export interface CheckRequest {
  check: number;
  scripts: string[];
}
export interface CheckReply {
  checked: number;
  results: [string, string | undefined][];
}

/** Below this many files per worker, workers are not worth their start-up cost. */
export const MIN_FILES_PER_WORKER = 25;
/** Files sent to a worker per message. */
const BATCH = 8;

export function defaultJobs(): number {
  return availableParallelism();
}

/** How many workers a run of `files` files with `--jobs jobs` uses (0 = in-process). */
export function workerCount(files: number, jobs: number): number {
  if (jobs <= 1) return 0;
  const n = Math.min(jobs, Math.floor(files / MIN_FILES_PER_WORKER));
  return n >= 2 ? n : 0;
}

export type Progress = (done: number, total: number) => void;

/**
 * One batch's `bash -n` children run while the next batch is processed
 * (they use the other core); its results are taken in once they are done.
 */
async function inProcess(tasks: Task[], opts: RunOptions, progress?: Progress): Promise<FileResult[]> {
  const configs = new ConfigCache(opts);
  const out: FileResult[] = [];
  const take = async (batch: Promise<FileResult[]>) => {
    out.push(...await batch);
    progress?.(out.length, tasks.length);
  };
  let previous: Promise<FileResult[]> | undefined;
  for (let i = 0; i < tasks.length; i += BATCH) {
    const started = processBatchAsync(tasks.slice(i, i + BATCH), opts, configs);
    if (previous) await take(previous);
    previous = started;
  }
  if (previous) await take(previous);
  return out;
}

/**
 * The options as data a worker can receive: primitives and arrays of them
 * (callers may pass a wider object, e.g. with the transform registry).
 */
function plainOptions(o: RunOptions): RunOptions {
  const plain = (v: unknown): boolean => v === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof v);
  return Object.fromEntries(Object.entries(o).filter(([, v]) => plain(v) || (Array.isArray(v) && v.every(plain)))) as unknown as RunOptions;
}

/**
 * Each worker holds IN_FLIGHT batches: it starts the next while the main
 * thread is still taking in the last one's results, so it never waits on the
 * main thread (which only hands out paths and stores results).
 */
const IN_FLIGHT = 2;

function inWorkers(tasks: Task[], opts: RunOptions, n: number, workerUrl: URL, progress?: Progress): Promise<FileResult[]> {
  const results: FileResult[] = new Array(tasks.length);
  const intern = interner();
  let next = 0;
  let done = 0;
  const workers: Worker[] = [];
  return new Promise<FileResult[]>((resolve, reject) => {
    let failed = false;
    const fail = (e: unknown) => {
      if (failed) return;
      failed = true;
      for (const w of workers) void w.terminate();
      reject(e instanceof Error ? e : new Error(String(e)));
    };
    const feed = (w: Worker): void => {
      if (next >= tasks.length) return;
      w.postMessage(tasks.slice(next, next + BATCH));
      next += BATCH;
    };
    for (let i = 0; i < n; i++) {
      const w = new Worker(workerUrl, { workerData: { opts: plainOptions(opts) } });
      workers.push(w);
      w.on('message', (message: TaskResult[] | CheckRequest) => {
        if (!Array.isArray(message)) {
          checkScriptsAsync(message.scripts).then((results) => w.postMessage({ checked: message.check, results: [...results] } satisfies CheckReply), fail);
          return;
        }
        const batch = message;
        for (const r of batch) results[r.index] = intern(r.result);
        done += batch.length;
        progress?.(done, tasks.length);
        if (done === tasks.length) Promise.all(workers.map((x) => x.terminate())).then(() => resolve(results), fail);
        else feed(w);
      });
      w.on('error', fail);
      w.on('exit', (code) => {
        if (code !== 0 && !failed && done < tasks.length) fail(new Error(`worker exited with code ${code}`));
      });
    }
    for (let k = 0; k < IN_FLIGHT; k++) for (const w of workers) feed(w);
    if (tasks.length === 0) resolve(results);
  });
}

/** Process discovered files; results are in the order of `files` (sorted by path). */
export async function processFiles(
  files: readonly Discovered[],
  opts: RunOptions,
  jobs: number,
  progress?: Progress,
  workerUrl: URL = new URL('./worker.js', import.meta.url),
): Promise<FileResult[]> {
  const tasks: Task[] = files.map((f, index) => ({ index, path: f.path, ...(f.skip ? { skip: f.skip } : {}) }));
  const n = workerCount(tasks.length, jobs);
  if (n === 0) return inProcess(tasks, opts, progress);
  return inWorkers(tasks, opts, n, workerUrl, progress);
}
