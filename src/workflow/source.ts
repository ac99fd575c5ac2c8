/**
 * Byte-faithful handling of the things `doc.toString()` would lose: a UTF-8
 * BOM, CRLF line endings and a missing final newline. wf-fix works on a
 * "working text" (no BOM, LF when the file is uniformly CRLF) and encodes the
 * result back, so untouched bytes come out identical.
 */
export interface SourceText {
  /** Text the transforms see: BOM removed, uniform CRLF turned into LF. */
  text: string;
  bom: boolean;
  /** Every line break in the original was CRLF (and there was at least one). */
  crlf: boolean;
}

const BOM = '\uFEFF';

export function decodeSource(raw: string): SourceText {
  const bom = raw.startsWith(BOM);
  let text = bom ? raw.slice(1) : raw;
  const lf = (text.match(/\n/g) ?? []).length;
  const crlfCount = (text.match(/\r\n/g) ?? []).length;
  const crlf = lf > 0 && lf === crlfCount;
  if (crlf) text = text.replace(/\r\n/g, '\n');
  return { text, bom, crlf };
}

export function encodeSource(src: SourceText, text: string): string {
  const body = src.crlf ? text.replace(/\n/g, '\r\n') : text;
  return (src.bom ? BOM : '') + body;
}
