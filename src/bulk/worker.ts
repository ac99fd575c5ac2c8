/**
 * Worker thread for `--jobs N`: receives batches of file paths, processes each
 * with the built transforms (this file runs from dist/), and posts back plain
 * FileResult data. One ConfigCache per worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigCache, type RunOptions } from '../run.js';
import { processBatchAsync, type Task, type TaskResult } from './process.js';

const opts = (workerData as { opts: RunOptions }).opts;
const configs = new ConfigCache(opts);

// A batch's `bash -n` children run while the worker takes the next batch (the pool keeps two in flight).
parentPort!.on('message', (batch: Task[]) => {
  void processBatchAsync(batch, opts, configs).then((results) => {
    const out: TaskResult[] = batch.map((t, i) => ({ index: t.index, result: results[i]! }));
    parentPort!.postMessage(out);
  });
});
