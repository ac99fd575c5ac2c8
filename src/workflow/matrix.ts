/**
 * A job's `strategy.matrix`: the values `matrix.X` can take. Literal lists,
 * `include:` entries, and where values come from an expression
 * (`matrix: ${{ fromJSON(...) }}`, `os: ${{ fromJSON(inputs.os) }}`, or a
 * `${{ }}` inside one value) the expression texts instead.
 */
import type { Job } from './model.js';
import { getNode, isMap, isScalar, isSeq, toPlainNode } from '../yaml.js';

export interface MatrixValues {
  /** Literal values (strings, numbers, objects) matrix.X can take. */
  values: unknown[];
  /** `${{ }}` texts the values (or the whole matrix) come from. */
  expressions: string[];
}

const HAS_EXPRESSION = /\$\{\{/;

function collect(value: unknown, into: MatrixValues): void {
  if (typeof value === 'string' && HAS_EXPRESSION.test(value)) into.expressions.push(value);
  else if (Array.isArray(value) || (value && typeof value === 'object')) {
    const text = JSON.stringify(value);
    if (HAS_EXPRESSION.test(text)) into.expressions.push(text);
    else into.values.push(value);
  } else into.values.push(value);
}

/** What `matrix.<key>` can be in this job; undefined when the job has no matrix. */
export function matrixValues(job: Job, key: string): MatrixValues | undefined {
  const strategy = getNode(job.node, 'strategy');
  const matrix = getNode(strategy, 'matrix');
  if (matrix === undefined || matrix === null) return undefined;
  const out: MatrixValues = { values: [], expressions: [] };
  if (isScalar(matrix)) {
    out.expressions.push(String(matrix.value));
    return out;
  }
  if (!isMap(matrix)) return undefined;
  const wanted = key.toLowerCase();
  for (const pair of matrix.items) {
    const name = isScalar(pair.key) ? String(pair.key.value) : '';
    const value = pair.value;
    if (name === 'exclude') continue;
    if (name === 'include') {
      if (isScalar(value)) { out.expressions.push(String(value.value)); continue; }
      if (!isSeq(value)) continue;
      for (const item of value.items) {
        if (isScalar(item)) { out.expressions.push(String(item.value)); continue; }
        const entry = toPlainNode(item) as Record<string, unknown> | null;
        if (!entry || typeof entry !== 'object') continue;
        for (const [k, v] of Object.entries(entry)) if (k.toLowerCase() === wanted) collect(v, out);
      }
      continue;
    }
    if (name.toLowerCase() !== wanted) continue;
    if (isSeq(value)) for (const v of toPlainNode(value) as unknown[]) collect(v, out);
    else collect(toPlainNode(value), out);
  }
  return out;
}
