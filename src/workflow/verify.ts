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

/**
 * Equality of two plain values as the parser's toJS gives them (scalars,
 * arrays, objects with string keys): what util.isDeepStrictEqual answers for
 * them (Object.is for scalars, keys in any order), without its generality,
 * which cost the gate 2.5% of a bulk run. Anything else (a Map) is left to it.
 */
export function plainEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!plainEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const proto = Object.getPrototypeOf(a);
  if (proto !== Object.getPrototypeOf(b)) return false;
  if (proto !== Object.prototype && proto !== null) return isDeepStrictEqual(a, b);
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const k of ka) if (!Object.prototype.hasOwnProperty.call(rb, k) || !plainEqual(ra[k], rb[k])) return false;
  return true;
}

/** Pairs (before index, after index) of items kept unchanged: longest common subsequence. */
function keptPairs(before: unknown[], after: unknown[], preferInsert: boolean): [number, number][] {
  const n = before.length;
  const m = after.length;
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      dp[i]![j] = plainEqual(before[i], after[j]) ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
    }
  }
  const kept: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (plainEqual(before[i], after[j])) { kept.push([i, j]); i++; j++; }
    // A tie is ambiguous when items repeat (two steps alike): `preferInsert`
    // reads after[j] as inserted, else before[i] as changed or removed.
    else if (preferInsert ? dp[i + 1]![j]! > dp[i]![j + 1]! : dp[i + 1]![j]! >= dp[i]![j + 1]!) i++;
    else j++;
  }
  return kept;
}

/**
 * Changes between sequences of different lengths: between kept items, each
 * changed `before` item is paired, in order, with the most similar `after`
 * item of the same gap (and compared inside); surplus `after` items are
 * insertions, surplus `before` items removals.
 */
function sequenceChanges(before: unknown[], after: unknown[], path: Path, preferInsert: boolean): Change[] {
  const out: Change[] = [];
  let inserted = false;
  const gaps = [...keptPairs(before, after, preferInsert), [before.length, after.length] as [number, number]];
  let bi = 0;
  let ai = 0;
  for (const [bk, ak] of gaps) {
    const bs = before.slice(bi, bk).map((v, k) => ({ v, i: bi + k }));
    let as = after.slice(ai, ak);
    for (const b of bs) {
      if (!as.length) { out.push({ path: [...path, b.i] }); continue; }
      // The most similar remaining candidate, among those that keep the order.
      let best = 0;
      let bestCost = Infinity;
      let bestChanges: Change[] = [];
      as.forEach((a, k) => {
        const changes = structuralChanges(b.v, a, [...path, b.i], preferInsert);
        const cost = changes.length + (typeof a === typeof b.v ? 0 : 100);
        if (cost < bestCost) { best = k; bestCost = cost; bestChanges = changes; }
      });
      if (best > 0) inserted = true;
      out.push(...bestChanges);
      as = as.slice(best + 1);
    }
    if (as.length) inserted = true;
    bi = bk + 1;
    ai = ak + 1;
  }
  if (inserted) out.push({ path, insertOnly: true });
  return out;
}

/**
 * Structural differences between two plain YAML values. Where a sequence
 * repeats an item, more than one reading is right; `preferInsert` picks the
 * other one (the gate accepts a fix when either reading stays declared).
 */
export function structuralChanges(before: unknown, after: unknown, path: Path = [], preferInsert = false): Change[] {
  if (plainEqual(before, after)) return [];
  if (Array.isArray(before) && Array.isArray(after)) {
    if (before.length === after.length) return before.flatMap((b, i) => structuralChanges(b, after[i], [...path, i], preferInsert));
    return sequenceChanges(before, after, path, preferInsert);
  }
  const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Map);
  if (isObj(before) && isObj(after)) {
    const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
    const out: Change[] = [];
    for (const k of keys) {
      if (!(k in before) || !(k in after)) out.push({ path: [...path, k] });
      else out.push(...structuralChanges(before[k], after[k], [...path, k], preferInsert));
    }
    return out;
  }
  return [{ path }];
}

/** Changes not covered by any declaration. */
export function undeclaredChanges(changes: Change[], declared: readonly Declared[]): Change[] {
  // Indexed by path key: a file with thousands of fixes is checked in linear time.
  const key = (p: Path) => p.map(String).join('\u0000');
  const subtrees = new Set(declared.filter((d) => !d.insertOnly).map((d) => key(d.path)));
  const inserts = new Set(declared.filter((d) => d.insertOnly).map((d) => key(d.path)));
  return changes.filter((c) => {
    if (c.insertOnly && inserts.has(key(c.path))) return false;
    for (let n = 0; n <= c.path.length; n++) if (subtrees.has(key(c.path.slice(0, n)))) return false;
    return true;
  });
}

export function formatPath(path: Path): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`)).join('').replace(/^\./, '') || '(root)';
}
