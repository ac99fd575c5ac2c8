/** Where new job-level keys go: after the job's header keys, before `steps`. */
import { insertPairs, type YamlValue } from '../../src/workflow/primitives.js';
import type { TextEdit } from '../../src/workflow/edits.js';
import type { Job, Workflow } from '../../src/workflow/model.js';
import { keyString } from '../../src/yaml.js';

const HEADER_KEYS = ['name', 'uses', 'runs-on', 'needs', 'if', 'environment', 'concurrency', 'timeout-minutes', 'outputs', 'strategy', 'permissions'];

export function insertJobPairs(text: string, wf: Workflow, job: Job, pairs: { [key: string]: YamlValue }): TextEdit[] {
  let after: string | undefined;
  for (const item of job.node.items) {
    const k = keyString(item);
    if (k === 'steps') break;
    if (k && HEADER_KEYS.includes(k)) after = k;
  }
  after ??= keyString(job.node.items[0]!);
  return insertPairs(text, job.node, pairs, wf.indentUnit, { after });
}
