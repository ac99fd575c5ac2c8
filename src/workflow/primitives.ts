/**
 * Edit primitives: each turns one structural intent ("add key k to this
 * mapping", "insert this step before step 3") into text edits on the working
 * text, taking indentation from the neighbouring lines. They never
 * re-serialise anything they did not create. A primitive that cannot edit a
 * shape safely throws EditRefused; the engine then skips that fix and says why.
 */
import { isMap, isScalar, isSeq, type Pair, type YamlNode, type YAMLMap, type YAMLSeq, scalarText, getPair } from '../yaml.js';
import type { TextEdit } from './edits.js';
import { columnAt, indent, lastContentLineEnd, lineEndAt, lineStartAt, startsItsLine } from './lines.js';

export class EditRefused extends Error {}

/** A YAML value to render: scalars, nested mappings, lists of scalars. */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue | undefined };

function isObject(v: YamlValue | undefined): v is { [key: string]: YamlValue | undefined } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Render `key: value` as block YAML lines at column 0. */
export function renderPair(key: string, value: YamlValue, unit: number): string[] {
  const k = scalarText(key);
  if (typeof value === 'string' && value.includes('\n')) {
    const chomp = value.endsWith('\n') ? '' : '-';
    const body = value.endsWith('\n') ? value.slice(0, -1) : value;
    return [`${k}: |${chomp}`, ...indent(body.split('\n'), unit)];
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return [`${k}: []`];
    return [`${k}:`, ...indent(value.flatMap((v) => renderItem(v, unit)), unit)];
  }
  if (isObject(value)) {
    const body = renderMapping(value, unit);
    return body.length ? [`${k}:`, ...indent(body, unit)] : [`${k}: {}`];
  }
  return [`${k}: ${scalarText(value)}`];
}

export function renderMapping(obj: { [key: string]: YamlValue | undefined }, unit: number): string[] {
  return Object.entries(obj).flatMap(([k, v]) => (v === undefined ? [] : renderPair(k, v, unit)));
}

/** Render one sequence item as lines starting with "- ". */
export function renderItem(value: YamlValue, unit: number): string[] {
  if (isObject(value)) {
    const body = renderMapping(value, unit);
    return body.map((l, i) => (i === 0 ? `- ${l}` : `  ${l}`));
  }
  if (Array.isArray(value)) throw new EditRefused('nested sequences are not rendered');
  return [`- ${scalarText(value as string | number | boolean | null)}`];
}

/** Insert whole lines after the line that ends at `lineEnd`. */
function insertLinesAt(lineEnd: number, lines: readonly string[]): TextEdit {
  return { start: lineEnd, end: lineEnd, text: '\n' + lines.join('\n') };
}

/** Offset at which a node's last content line ends. */
export function nodeLastLineEnd(text: string, node: YamlNode): number {
  const [start, valueEnd] = node.range!;
  return lastContentLineEnd(text, start, valueEnd);
}

function pairLastLineEnd(text: string, pair: Pair): number {
  const value = pair.value as YamlNode | null;
  const key = pair.key as YamlNode;
  const end = value?.range && value.range[1] > key.range![0] ? value.range[1] : key.range![1];
  return lastContentLineEnd(text, key.range![0], end);
}

/** Column at which the keys of a block mapping stand. */
export function keyColumn(text: string, map: YAMLMap): number {
  const first = map.items[0]?.key as YamlNode | undefined;
  if (!first?.range) throw new EditRefused('empty mapping has no key column');
  return columnAt(text, first.range[0]);
}

/**
 * A scalar written as a value of `map`: flow indicators ({ } [ ] ,) end a
 * plain scalar inside a flow mapping, so there such values are quoted.
 */
export function scalarIn(map: YAMLMap, value: string | number | boolean | null): string {
  const t = scalarText(value);
  return map.flow && typeof value === 'string' && /^[^'"].*[{}[\],]/.test(t) ? JSON.stringify(value) : t;
}

/**
 * Add pairs to a mapping. Block mappings get new lines at the keys' column,
 * after `after` (a key) or after the last pair; flow mappings get `, k: v`
 * before the closing brace (single-line scalar values only).
 */
export function insertPairs(
  text: string,
  map: YAMLMap,
  pairs: { [key: string]: YamlValue },
  unit: number,
  opts: { after?: string } = {},
): TextEdit[] {
  if (map.items.length === 0) throw new EditRefused('cannot insert into an empty mapping here');
  if (map.flow) {
    const parts = Object.entries(pairs).map(([k, v]) => {
      if (typeof v === 'object' && v !== null) throw new EditRefused('nested value into a flow mapping');
      if (typeof v === 'string' && v.includes('\n')) throw new EditRefused('multi-line value into a flow mapping');
      return `${scalarIn(map, k)}: ${scalarIn(map, v)}`;
    });
    const close = text.lastIndexOf('}', map.range![1]);
    let at = close;
    while (at > 0 && /\s/.test(text[at - 1]!)) at--;
    const sep = text[at - 1] === ',' ? ' ' : ', ';
    return [{ start: at, end: at, text: sep + parts.join(', ') }];
  }
  const anchor = (opts.after && getPair(map, opts.after)) || map.items[map.items.length - 1]!;
  const col = keyColumn(text, map);
  const lines = indent(renderMapping(pairs, unit), col);
  return [insertLinesAt(pairLastLineEnd(text, anchor), lines)];
}

/** Remove one pair. A block pair goes with its lines; a flow pair with its comma. */
export function removePair(text: string, map: YAMLMap, key: string): TextEdit[] {
  return removePairs(text, map, [key]);
}

/**
 * Remove several pairs of one mapping at once: each run of neighbouring
 * pairs goes as one edit (so the edits never overlap, even at the end of a
 * flow mapping or of a file without a final newline). Keys not present are
 * ignored.
 */
export function removePairs(text: string, map: YAMLMap, keys: readonly string[]): TextEdit[] {
  const gone = map.items.map((p) => isScalar(p.key) && keys.includes(String(p.key.value)));
  const runs: [number, number][] = [];
  gone.forEach((g, i) => {
    if (!g) return;
    const last = runs[runs.length - 1];
    if (last && last[1] === i - 1) last[1] = i;
    else runs.push([i, i]);
  });
  const keyStart = (i: number) => (map.items[i]!.key as YamlNode).range![0];
  const valueEnd = (i: number) => (map.items[i]!.value as YamlNode | null)?.range?.[1] ?? (map.items[i]!.key as YamlNode).range![1];
  return runs.map(([a, b]) => {
    if (map.flow) {
      if (b + 1 < map.items.length) return { start: keyStart(a), end: keyStart(b + 1), text: '' };
      if (a > 0) return { start: valueEnd(a - 1), end: valueEnd(b), text: '' };
      return { start: keyStart(a), end: valueEnd(b), text: '' };
    }
    for (let i = a; i <= b; i++) {
      if (!startsItsLine(text, keyStart(i))) throw new EditRefused(`'${String((map.items[i]!.key as YamlNode & { value: unknown }).value)}' shares its line with a sequence dash`);
    }
    const start = lineStartAt(text, keyStart(a));
    const lineEnd = pairLastLineEnd(text, map.items[b]!);
    // Take the line break that ends the run; at EOF without one, the one before.
    if (lineEnd < text.length) return { start, end: lineEnd + 1, text: '' };
    return { start: Math.max(0, start - 1), end: lineEnd, text: '' };
  });
}

/** Replace a scalar's text (quotes included) with `replacement`. */
export function replaceNode(node: YamlNode, replacement: string): TextEdit {
  const [start, valueEnd] = node.range!;
  return { start, end: valueEnd, text: replacement };
}

/** Set a scalar value: replace it when present, else insert the pair. */
export function setScalar(text: string, map: YAMLMap, key: string, value: string | number | boolean, unit: number): TextEdit[] {
  const pair = getPair(map, key);
  if (pair && isScalar(pair.value) && pair.value.range && pair.value.source !== '') {
    return [replaceNode(pair.value, scalarIn(map, value))];
  }
  if (pair) throw new EditRefused(`'${key}' holds a non-scalar value`);
  return insertPairs(text, map, { [key]: value }, unit);
}

function dashOffset(text: string, item: YamlNode): number {
  const s = lineStartAt(text, item.range![0]);
  const dash = text.lastIndexOf('-', item.range![0]);
  if (dash < s) throw new EditRefused('sequence item does not start on a dash line');
  return dash;
}

/**
 * Insert items into a block sequence at `index` (0..length), copying the dash
 * column and the content column of an existing item.
 */
export function insertItems(text: string, seq: YAMLSeq, index: number, items: YamlValue[], unit: number): TextEdit[] {
  if (seq.flow) throw new EditRefused('flow sequences are not edited');
  const model = seq.items[Math.min(index, seq.items.length - 1)] as YamlNode | undefined;
  if (!model?.range) throw new EditRefused('empty sequence');
  const dash = dashOffset(text, model);
  const dashCol = columnAt(text, dash);
  const contentCol = isMap(model) || isSeq(model) || isScalar(model) ? columnAt(text, model.range[0]) : dashCol + 2;
  const gap = Math.max(1, contentCol - dashCol - 1);
  const lines = items.flatMap((value) =>
    renderItem(value, unit).map((l, i) => (i === 0 ? ' '.repeat(dashCol) + '-' + ' '.repeat(gap) + l.slice(2) : l.trim() === '' ? '' : ' '.repeat(contentCol) + l.slice(2))),
  );
  // Keep a blank line between steps when the neighbours are separated so.
  const blankSep = sequenceUsesBlankLines(text, seq);
  if (index === 0) {
    const at = lineStartAt(text, dash);
    const body = lines.join('\n') + '\n' + (blankSep ? '\n' : '');
    return [{ start: at, end: at, text: body }];
  }
  const prev = seq.items[index - 1] as YamlNode;
  const body = blankSep ? ['', ...lines] : lines;
  return [insertLinesAt(nodeLastLineEnd(text, prev), body)];
}

/**
 * Remove one item of a block sequence with its lines, and the blank line that
 * separated it from the previous item (comments above it stay).
 */
export function removeItem(text: string, seq: YAMLSeq, index: number): TextEdit[] {
  if (seq.flow) throw new EditRefused('flow sequences are not edited');
  const item = seq.items[index] as YamlNode | undefined;
  if (!item?.range) throw new EditRefused('no such sequence item');
  const start = lineStartAt(text, dashOffset(text, item));
  const end = nodeLastLineEnd(text, item);
  const prev = seq.items[index - 1] as YamlNode | undefined;
  if (prev) {
    const prevEnd = nodeLastLineEnd(text, prev);
    if (/^[\s]*$/.test(text.slice(prevEnd, start))) return [{ start: prevEnd, end, text: '' }];
  }
  return [{ start, end: Math.min(end + 1, text.length), text: '' }];
}

function sequenceUsesBlankLines(text: string, seq: YAMLSeq): boolean {
  if (seq.items.length < 2) return false;
  const a = seq.items[0] as YamlNode;
  const b = seq.items[1] as YamlNode;
  const between = text.slice(nodeLastLineEnd(text, a), lineStartAt(text, dashOffset(text, b)));
  return /\n[ \t]*\n/.test(between);
}

/** Insert a line as the first content line of a block scalar (`run: |`). */
export function prependToBlockScalar(text: string, node: YamlNode, line: string): TextEdit {
  if (!isScalar(node) || (node.type !== 'BLOCK_LITERAL' && node.type !== 'BLOCK_FOLDED')) {
    throw new EditRefused('not a block scalar');
  }
  const [start, valueEnd] = node.range!;
  const headerEnd = lineEndAt(text, start);
  let at = headerEnd + 1;
  // First non-blank content line gives the indentation.
  let probe = at;
  while (probe < valueEnd && text.slice(probe, lineEndAt(text, probe)).trim() === '') probe = lineEndAt(text, probe) + 1;
  if (probe >= valueEnd) throw new EditRefused('empty block scalar');
  const lineText = text.slice(probe, lineEndAt(text, probe));
  const col = lineText.length - lineText.trimStart().length;
  at = probe;
  return { start: at, end: at, text: ' '.repeat(col) + line + '\n' };
}

/** Replace the whole content of a block scalar, keeping its header and indentation. */
export function replaceBlockScalarBody(text: string, node: YamlNode, body: string): TextEdit {
  if (!isScalar(node) || node.type !== 'BLOCK_LITERAL') throw new EditRefused('not a literal block scalar');
  const [start, valueEnd] = node.range!;
  const headerEnd = lineEndAt(text, start);
  const contentEnd = lastContentLineEnd(text, start, valueEnd);
  const first = text.slice(headerEnd + 1, lineEndAt(text, headerEnd + 1));
  const col = first.length - first.trimStart().length || columnAt(text, start) + 2;
  const lines = body.replace(/\n$/, '').split('\n');
  return { start: headerEnd + 1, end: contentEnd, text: indent(lines, col).join('\n') };
}
