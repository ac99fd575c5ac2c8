/**
 * Worker thread for `--jobs N`: receives batches of file paths, processes each
 * with the built transforms (this file runs from dist/), and posts back plain
 * FileResult data. One ConfigCache per worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigCache, type RunOptions } from '../run.js';
import { processBatch, type Task, type TaskResult } from './process.js';

const opts = (workerData as { opts: RunOptions }).opts;
const configs = new ConfigCache(opts);

parentPort!.on('message', (batch: Task[]) => {
  const results = processBatch(batch, opts, configs);
  const out: TaskResult[] = batch.map((t, i) => ({ index: t.index, result: results[i]! }));
  parentPort!.postMessage(out);
});
