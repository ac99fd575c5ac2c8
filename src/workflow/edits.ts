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
