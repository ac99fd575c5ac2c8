/**
 * Worker thread for `--jobs N`: receives batches of file paths, processes each
 * with the built transforms (this file runs from dist/), and posts back plain
 * FileResult data. One ConfigCache per worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigCache, type RunOptions } from '../run.js';
import { rememberAll } from '../workflow/bash-syntax.js';
import { processBatchAsync, type ScriptCheck, type Task, type TaskResult } from './process.js';
import type { CheckReply, CheckRequest } from './pool.js';

const opts = (workerData as { opts: RunOptions }).opts;
const configs = new ConfigCache(opts);

/** Checks asked of the main thread and not answered yet. */
const waiting = new Map<number, (results: ReadonlyMap<string, string | undefined>) => void>();
let lastId = 0;

/**
 * `bash -n` by the main thread: one cache for all workers, so a script two
 * workers meet is checked once, and the main thread (which only schedules)
 * starts the children.
 */
const viaMain: ScriptCheck = (scripts) => new Promise((resolve) => {
  const id = ++lastId;
  waiting.set(id, (results) => {
    rememberAll(results); // for a file processed again the ordinary way
    resolve(results);
  });
  parentPort!.postMessage({ check: id, scripts: [...new Set(scripts)] } satisfies CheckRequest);
});

// A batch's `bash -n` children run while the worker takes the next batch (the pool keeps two in flight).
parentPort!.on('message', (message: Task[] | CheckReply) => {
  if (!Array.isArray(message)) {
    const done = waiting.get(message.checked);
    waiting.delete(message.checked);
    done?.(new Map(message.results));
    return;
  }
  const batch = message;
  void processBatchAsync(batch, opts, configs, viaMain).then((results) => {
    const out: TaskResult[] = batch.map((t, i) => ({ index: t.index, result: results[i]! }));
    parentPort!.postMessage(out);
  });
});
