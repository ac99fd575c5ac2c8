/**
 * Worker thread for `--jobs N`: receives batches of file paths, processes each
 * with the built transforms (this file runs from dist/), and posts back plain
 * FileResult data. One ConfigCache per worker.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigCache, type RunOptions } from '../run.js';
import { processOne, type Task, type TaskResult } from './process.js';

const opts = (workerData as { opts: RunOptions }).opts;
const configs = new ConfigCache(opts);

parentPort!.on('message', (batch: Task[]) => {
  const out: TaskResult[] = batch.map((t) => ({ index: t.index, result: processOne(t, opts, configs) }));
  parentPort!.postMessage(out);
});
