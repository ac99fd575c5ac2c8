/**
 * The validation gate: the edited text must parse, and its parsed form may
 * differ from the input only at the paths the applied fixes declared.
 */
import { isDeepStrictEqual } from 'node:util';
import type { Declared } from '../transform.js';
import type { Path } from './model.js';

export interface Change {
  path: Path;
  /** Items were only inserted into this sequence (all old items kept, in order). */
  insertOnly?: boolean;
}

/** Indices of `before` items kept unchanged in `after` (longest common subsequence). */
function keptIndices(before: unknown[], after: unknown[]): Set<number> {
  const n = before.length;
  const m = after.length;
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i]![j] = isDeepStrictEqual(before[i], after[j]) ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
    }
  }
  const kept = new Set<number>();
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (isDeepStrictEqual(before[i], after[j])) { kept.add(i); i++; j++; }
    else if (dp[i + 1]![j]! >= dp[i]![j + 1]!) i++;
    else j++;
  }
  return kept;
}

/** Structural differences between two plain YAML values. */
export function structuralChanges(before: unknown, after: unknown, path: Path = []): Change[] {
  if (isDeepStrictEqual(before, after)) return [];
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length === after.length) return before.flatMap((b, i) => structuralChanges(b, after[i], [...path, i]));
    // Different lengths: items not kept are changes of their own; surplus
    // items in `after` are insertions into the sequence.
    const kept = keptIndices(before, after);
    const out: Change[] = [];
    before.forEach((_, i) => { if (!kept.has(i)) out.push({ path: [...path, i] }); });
    const inserted = after.length - kept.size - (before.length - kept.size);
    if (inserted > 0) out.push({ path, insertOnly: true });
    return out;
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map);
  if (isObj(before) && isObj(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    const out: Change[] = [];
    for (const k of keys) {
      if (!(k in before) || !(k in after)) out.push({ path: [...path, k] });
      else out.push(...structuralChanges(before[k], after[k], [...path, k]));
    }
    return out;
  }
  return [{ path }];
}

function isPrefix(prefix: Path, path: Path): boolean {
  return prefix.length <= path.length && prefix.every((p, i) => String(p) === String(path[i]));
}

/** Changes not covered by any declaration. */
export function undeclaredChanges(changes: Change[], declared: readonly Declared[]): Change[] {
  return changes.filter((c) => !declared.some((d) => {
    if (d.insertOnly) return c.insertOnly === true && isPrefix(d.path, c.path) && d.path.length === c.path.length;
    return isPrefix(d.path, c.path);
  }));
}

export function formatPath(path: Path): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '') || '(root)';
}
