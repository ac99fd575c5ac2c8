/**
 * A fix is a list of text edits on the working text, ESLint style: ranges in
 * the original, applied together, overlapping ones refused.
 */
export interface TextEdit {
  start: number;
  end: number;
  text: string;
}

export function rangesOverlap(a: TextEdit, b: TextEdit): boolean {
  // Two insertions at the same point conflict: their order would be a guess,
  // and two fixes adding the same block there would add it twice.
  if (a.start === a.end && b.start === b.end) return a.start === b.start;
  return a.start < b.end && b.start < a.end
    || (a.start === a.end && a.start > b.start && a.start < b.end)
    || (b.start === b.end && b.start > a.start && b.start < a.end);
}

/** True when any edit of `edits` overlaps any edit of `taken`. */
export function overlapsAny(edits: readonly TextEdit[], taken: readonly TextEdit[]): boolean {
  return edits.some((e) => taken.some((t) => rangesOverlap(e, t)));
}

/** Apply non-overlapping edits. Stable: equal starts keep their given order. */
export function applyEdits(text: string, edits: readonly TextEdit[]): string {
  const ordered = edits.map((e, i) => ({ e, i })).sort((x, y) => x.e.start - y.e.start || x.e.end - y.e.end || x.i - y.i);
  let out = '';
  let pos = 0;
  for (const { e } of ordered) {
    if (e.start < pos) throw new Error(`overlapping edits at offset ${e.start}`);
    out += text.slice(pos, e.start) + e.text;
    pos = e.end;
  }
  return out + text.slice(pos);
}

const editKey = (e: TextEdit) => `${e.start}:${e.end}:${e.text}`;

/** The edits with exact duplicates (same range, same text) kept once, in their given order. */
export function uniqueEdits(edits: readonly TextEdit[]): TextEdit[] {
  const seen = new Set<string>();
  return edits.filter((e) => {
    const k = editKey(e);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

export function sameEdit(a: TextEdit, b: TextEdit): boolean {
  return a.start === b.start && a.end === b.end && a.text === b.text;
}

/**
 * One fix's edits made applicable together: duplicates kept once, deletions
 * that overlap merged into one (both mean "these bytes go"). Returns the
 * offset of the first overlap that cannot be composed (an insertion or a
 * replacement inside another edit), which the engine reports as a defect of
 * that fix rather than failing the file. Insertions at one point keep their
 * given order (the fix meant them in that order).
 */
export function composeEdits(edits: readonly TextEdit[]): { edits: TextEdit[] } | { overlapAt: number } {
  const sorted = uniqueEdits(edits).sort((x, y) => x.start - y.start || x.end - y.end);
  const out: TextEdit[] = [];
  for (const e of sorted) {
    const last = out[out.length - 1];
    if (last && last.text === '' && e.text === '' && e.start < last.end) {
      out[out.length - 1] = { start: last.start, end: Math.max(last.end, e.end), text: '' };
      continue;
    }
    if (last && e.start < last.end) return { overlapAt: e.start };
    out.push(e);
  }
  return { edits: out };
}
