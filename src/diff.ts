/** Unified diffs that `git apply` accepts (a/ b/ prefixes, git header). */
import { createTwoFilesPatch, diffArrays, formatPatch, type StructuredPatchHunk } from 'diff';
import { slash } from './paths.js';

/**
 * Above this many lines a file is diffed region by region: jsdiff's Myers
 * diff is O(N·D) over the whole file, minutes for a 3 MB workflow with
 * thousands of fixes.
 */
const REGION_DIFF_MIN_LINES = 2000;
const CONTEXT = 3;

function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** Indices of a longest increasing subsequence of `xs` (patience sorting). */
function longestIncreasing(xs: readonly number[]): number[] {
  const tails: number[] = [];
  const prev = new Array<number>(xs.length).fill(-1);
  for (let k = 0; k < xs.length; k++) {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[tails[mid]!]! < xs[k]!) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[k] = tails[lo - 1]!;
    tails[lo] = k;
  }
  const out: number[] = [];
  for (let k = tails.length ? tails[tails.length - 1]! : -1; k !== -1; k = prev[k]!) out.push(k);
  return out.reverse();
}

/** Matching line pairs (old, new), increasing in both: lines that occur once on each side (patience diff anchors). */
function anchors(a: readonly string[], b: readonly string[]): [number, number][] {
  const seen = new Map<string, { na: number; nb: number; ia: number; ib: number }>();
  a.forEach((l, i) => {
    const c = seen.get(l) ?? { na: 0, nb: 0, ia: i, ib: -1 };
    c.na++;
    seen.set(l, c);
  });
  b.forEach((l, j) => {
    const c = seen.get(l);
    if (c) {
      c.nb++;
      c.ib = j;
    }
  });
  const pairs = [...seen.values()].filter((c) => c.na === 1 && c.nb === 1).map((c) => [c.ia, c.ib] as [number, number]).sort((x, y) => x[0] - y[0]);
  return longestIncreasing(pairs.map((p) => p[1])).map((k) => pairs[k]!);
}

type Op = ' ' | '-' | '+';

/** Line operations turning `a` into `b`: anchored on unique lines, Myers (jsdiff) between anchors. */
function lineOps(a: readonly string[], b: readonly string[]): { op: Op; line: string }[] {
  const ops: { op: Op; line: string }[] = [];
  const gap = (i0: number, i1: number, j0: number, j1: number) => {
    if (i0 === i1) for (let j = j0; j < j1; j++) ops.push({ op: '+', line: b[j]! });
    else if (j0 === j1) for (let i = i0; i < i1; i++) ops.push({ op: '-', line: a[i]! });
    else {
      for (const c of diffArrays(a.slice(i0, i1), b.slice(j0, j1))) {
        for (const line of c.value) ops.push({ op: c.added ? '+' : c.removed ? '-' : ' ', line });
      }
    }
  };
  let i = 0;
  let j = 0;
  for (const [ai, bj] of anchors(a, b)) {
    if (ai < i || bj < j) continue;
    gap(i, ai, j, bj);
    ops.push({ op: ' ', line: a[ai]! });
    i = ai + 1;
    j = bj + 1;
  }
  gap(i, a.length, j, b.length);
  return ops;
}

/** Unified hunks (context 3, hunks closer than 2 x context merged), as jsdiff would group them. */
export function regionPatch(oldName: string, newName: string, before: string, after: string): string {
  const ops = lineOps(splitLines(before), splitLines(after));
  const hunks: StructuredPatchHunk[] = [];
  const oldAt: number[] = [];
  const newAt: number[] = [];
  let o = 1;
  let n = 1;
  for (const x of ops) {
    oldAt.push(o);
    newAt.push(n);
    if (x.op !== '+') o++;
    if (x.op !== '-') n++;
  }
  const changed = ops.flatMap((x, k) => (x.op === ' ' ? [] : [k]));
  for (let g = 0; g < changed.length;) {
    let last = g;
    while (last + 1 < changed.length && changed[last + 1]! - changed[last]! - 1 <= 2 * CONTEXT) last++;
    const from = Math.max(0, changed[g]! - CONTEXT);
    const to = Math.min(ops.length, changed[last]! + CONTEXT + 1);
    const lines: string[] = [];
    let oldLines = 0;
    let newLines = 0;
    for (let k = from; k < to; k++) {
      const { op, line } = ops[k]!;
      lines.push(op + line.replace(/\n$/, ''));
      if (!line.endsWith('\n')) lines.push('\\ No newline at end of file');
      if (op !== '+') oldLines++;
      if (op !== '-') newLines++;
    }
    // formatPatch writes the "line before" convention for empty ranges itself.
    hunks.push({ oldStart: oldAt[from]!, oldLines, newStart: newAt[from]!, newLines, lines });
    g = last + 1;
  }
  return formatPatch({ oldFileName: oldName, newFileName: newName, oldHeader: undefined, newHeader: undefined, hunks });
}

export function unifiedDiff(relPath: string, before: string, after: string): string {
  if (before === after) return '';
  const p = slash(relPath);
  const large = splitLines(before).length > REGION_DIFF_MIN_LINES;
  const patch = large
    ? regionPatch(`a/${p}`, `b/${p}`, before, after)
    : createTwoFilesPatch(`a/${p}`, `b/${p}`, before, after, undefined, undefined, { context: 3 });
  // Drop jsdiff's "Index:"/"====" preamble; git's own header instead.
  const body = patch.slice(patch.indexOf('--- '));
  return `diff --git a/${p} b/${p}\n${body}`;
}

/** A git diff creating `relPath` with `content` (`new file mode 100644`, `--- /dev/null`). */
export function newFileDiff(relPath: string, content: string): string {
  const p = slash(relPath);
  const patch = createTwoFilesPatch('/dev/null', `b/${p}`, '', content, undefined, undefined, { context: 3 });
  const body = patch.slice(patch.indexOf('--- '));
  return `diff --git a/${p} b/${p}\nnew file mode 100644\n${body}`;
}
