/**
 * The lines of a literal block scalar (`run: |`) as they stand in the file,
 * with offsets, grouped into logical shell lines (backslash continuations)
 * and marked where bash would be inside a quote or a heredoc, so fixes can
 * splice whole commands without re-serialising the script.
 */
import type { YamlNode } from '../../src/yaml.js';
import { isScalar } from '../../src/yaml.js';
import { lastContentLineEnd, lineEndAt } from '../../src/workflow/lines.js';

export interface RawLine {
  /** Offsets of the line in the file (end excludes the line break). */
  start: number;
  end: number;
  /** Script text of the line (block indentation removed). */
  text: string;
}

export interface LogicalLine {
  lines: RawLine[];
  /** The physical lines joined with their continuations. */
  text: string;
  /** Indentation of the first line inside the script. */
  indent: string;
  /** Starts and ends outside any quote, and outside any heredoc. */
  clean: boolean;
}

export interface RunBlock {
  /** Column of the block's content in the file. */
  col: number;
  logical: LogicalLine[];
}

/** Quote state after scanning `s` from `state`: '' (none), "'" or '"'. */
function scanQuotes(s: string, state: string): string {
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (state === "'") { if (c === "'") state = ''; continue; }
    if (c === '\\') { i++; continue; }
    if (state === '"') { if (c === '"') state = ''; continue; }
    if (c === '#' && (i === 0 || /\s/.test(s[i - 1]!))) break;
    if (c === "'" || c === '"') state = c;
  }
  return state;
}

/** Undefined when `node` is not a literal block scalar with plain indentation. */
export function runBlock(text: string, node: YamlNode | undefined): RunBlock | undefined {
  if (!node || !isScalar(node) || node.type !== 'BLOCK_LITERAL') return undefined;
  const [start, valueEnd] = node.range!;
  const headerEnd = lineEndAt(text, start);
  if (/\d/.test(text.slice(start, headerEnd).replace(/#.*$/, ''))) return undefined;
  const end = lastContentLineEnd(text, start, valueEnd);
  const raw: { start: number; end: number; line: string }[] = [];
  for (let at = headerEnd + 1; at <= end; at = lineEndAt(text, at) + 1) {
    raw.push({ start: at, end: lineEndAt(text, at), line: text.slice(at, lineEndAt(text, at)) });
    if (lineEndAt(text, at) >= text.length) break;
  }
  const firstContent = raw.find((r) => r.line.trim() !== '');
  if (!firstContent) return undefined;
  const col = firstContent.line.length - firstContent.line.trimStart().length;
  const logical: LogicalLine[] = [];
  let quote = '';
  let heredoc = false;
  let cur: LogicalLine | undefined;
  for (const r of raw) {
    const line: RawLine = { start: r.start, end: r.end, text: r.line.slice(col) };
    const startedClean = quote === '' && !heredoc;
    if (!cur) cur = { lines: [], text: '', indent: /^\s*/.exec(line.text)![0], clean: startedClean };
    cur.lines.push(line);
    cur.text += (cur.text ? '\n' : '') + line.text;
    quote = scanQuotes(line.text, quote);
    if (/<<(?!<)/.test(line.text)) heredoc = true;
    if (quote !== '') cur.clean = false; // a string spanning lines: its text must not be re-indented
    const continues = quote !== '' || /(^|[^\\])(\\\\)*\\$/.test(line.text);
    if (!continues) {
      cur.clean &&= quote === '' && !heredoc;
      logical.push(cur);
      cur = undefined;
    }
  }
  if (cur) { cur.clean = false; logical.push(cur); }
  return { col, logical };
}
