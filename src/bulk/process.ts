/** Process one discovered file; an unexpected exception becomes that file's error, never the run's. */
import { processFile, type ConfigCache, type FileResult, type RunOptions } from '../run.js';

export interface Task {
  index: number;
  path: string;
  skip?: string;
}

export interface TaskResult {
  index: number;
  result: FileResult;
}

export function processOne(task: Task, opts: RunOptions, configs: ConfigCache): FileResult {
  try {
    return processFile(task.path, opts.cwd, configs, opts, task.skip);
  } catch (e) {
    const r = processFile(task.path, opts.cwd, configs, opts, 'internal');
    return { ...r, status: 'error', reason: `internal error: ${(e as Error).stack ?? String(e)}` };
  }
}
