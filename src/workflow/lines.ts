/** Offsets, lines and columns in the working text (LF line breaks). */

export function lineStartAt(text: string, offset: number): number {
  return text.lastIndexOf('\n', offset - 1) + 1;
}

/** Offset of the '\n' that ends the line holding `offset`, or text.length. */
export function lineEndAt(text: string, offset: number): number {
  const i = text.indexOf('\n', offset);
  return i === -1 ? text.length : i;
}

export function columnAt(text: string, offset: number): number {
  return offset - lineStartAt(text, offset);
}

/** 1-based line and column of an offset. */
export function positionAt(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let i = text.indexOf('\n');
  while (i !== -1 && i < offset) {
    line++;
    i = text.indexOf('\n', i + 1);
  }
  return { line, column: columnAt(text, offset) + 1 };
}

/**
 * positionAt for many offsets in one text: line starts are indexed once and
 * each lookup is a binary search (positionAt is O(n) per call).
 */
export function positionFinder(text: string): (offset: number) => { line: number; column: number } {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  };
}

/** Leading spaces of the line holding `offset`. */
export function indentAt(text: string, offset: number): number {
  const s = lineStartAt(text, offset);
  let i = s;
  while (text[i] === ' ') i++;
  return i - s;
}

/** Only spaces (and maybe a sequence dash) stand before `offset` on its line. */
export function startsItsLine(text: string, offset: number): boolean {
  return /^ *$/.test(text.slice(lineStartAt(text, offset), offset));
}

/**
 * End of the last line that holds content of a node whose value ends at
 * `valueEnd` (trailing blank lines and the final line break excluded).
 */
export function lastContentLineEnd(text: string, start: number, valueEnd: number): number {
  let end = Math.min(valueEnd, text.length);
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return lineEndAt(text, Math.max(start, end - 1));
}

export function indent(lines: readonly string[], by: number): string[] {
  const pad = ' '.repeat(by);
  return lines.map((l) => (l === '' ? '' : pad + l));
}
