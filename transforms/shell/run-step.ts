/**
 * `run:` steps as bash scripts: which shell a step runs under (from
 * src/workflow/shell.ts, shared with the engine's syntax check), and how to
 * write a changed script back as text edits that touch only the changed
 * lines (a single-line scalar becomes a `|` block scalar in place).
 */
import type { Fix, TransformContext } from '../../src/transform.js';
import type { TextEdit } from '../../src/workflow/edits.js';
import { lineEndAt, lineStartAt, columnAt, lastContentLineEnd } from '../../src/workflow/lines.js';
import type { Step } from '../../src/workflow/model.js';
export { stepShell, type ShellChoice } from '../../src/workflow/shell.js';
import { EditRefused } from '../../src/workflow/primitives.js';
import { getPair, isScalar, scalarText, type YamlNode, type YAMLMap } from '../../src/yaml.js';

/** The step's script as bash sees it, when it is a run: step whose script wf-fix can edit. */
export function runScript(step: Step): string | undefined {
  return step.run && isScalar(step.run) && typeof step.script === 'string' ? step.script : undefined;
}

interface BlockBody {
  /** Offset where each script line starts in the text. */
  lineStarts: number[];
  /** Offset where each script line ends in the text. */
  lineEnds: number[];
  indent: number;
  /** End of the last content line. */
  contentEnd: number;
}

/** Map a literal block scalar's lines to text offsets; refuses shapes it cannot map exactly. */
function blockBody(text: string, node: YamlNode): BlockBody {
  if (!isScalar(node) || node.type !== 'BLOCK_LITERAL') throw new EditRefused('run: is not a literal block scalar');
  const [start, valueEnd] = node.range!;
  const headerEnd = lineEndAt(text, start);
  const header = text.slice(start, headerEnd);
  if (/^\|[+-]?[1-9]|^\|[1-9]/.test(header)) throw new EditRefused('block scalar with an indentation indicator');
  const contentEnd = lastContentLineEnd(text, headerEnd + 1, valueEnd);
  if (contentEnd <= headerEnd) throw new EditRefused('empty run: block');
  const lineStarts: number[] = [];
  const lineEnds: number[] = [];
  let indent = -1;
  for (let at = headerEnd + 1; at <= contentEnd; ) {
    const end = lineEndAt(text, at);
    const line = text.slice(at, end);
    if (indent < 0 && line.trim() !== '') indent = line.length - line.trimStart().length;
    lineStarts.push(at);
    lineEnds.push(end);
    at = end + 1;
  }
  if (indent < 0) throw new EditRefused('empty run: block');
  const rebuilt = lineStarts.map((s, k) => {
    const line = text.slice(s, lineEnds[k]);
    return line.length >= indent ? line.slice(indent) : line.trim() === '' ? '' : '\u0000';
  }).join('\n');
  const value = String(node.value);
  if (rebuilt.replace(/\n+$/, '') !== value.replace(/\n+$/, '')) throw new EditRefused('run: block does not map line by line to its text');
  return { lineStarts, lineEnds, indent, contentEnd };
}

/** Text offset of a script offset (best effort for quoted scalars). */
export function textOffset(text: string, step: Step, scriptOffset: number, node: YamlNode = step.run!): number {
  if (isScalar(node) && node.type === 'BLOCK_LITERAL') {
    try {
      const b = blockBody(text, node);
      const lines = String(node.value).slice(0, scriptOffset).split('\n');
      const k = lines.length - 1;
      return (b.lineStarts[k] ?? b.contentEnd) + b.indent + lines[k]!.length;
    } catch {
      return node.range![0];
    }
  }
  if (isScalar(node) && node.type === 'PLAIN') return node.range![0] + scriptOffset;
  return node.range![0];
}

/** Line-level edit script: which old line ranges become which new lines. */
interface Hunk {
  oldStart: number;
  oldEnd: number;
  lines: string[];
}

function lineHunks(a: string[], b: string[]): Hunk[] {
  const n = a.length;
  const m = b.length;
  const dp: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) dp[i]![j] = a[i] === b[j] ? dp[i + 1]![j + 1]! + 1 : Math.max(dp[i + 1]![j]!, dp[i]![j + 1]!);
  const hunks: Hunk[] = [];
  let i = 0;
  let j = 0;
  let cur: Hunk | undefined;
  const flush = () => { if (cur) hunks.push(cur); cur = undefined; };
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) { flush(); i++; j++; continue; }
    cur ??= { oldStart: i, oldEnd: i, lines: [] };
    if (j < m && (i >= n || dp[i]![j + 1]! >= dp[i + 1]![j]!)) { cur.lines.push(b[j]!); j++; }
    else { i++; cur.oldEnd = i; }
  }
  flush();
  return hunks;
}

const pad = (lines: string[], by: number) => lines.map((l) => (l === '' ? '' : ' '.repeat(by) + l));

/**
 * Edits that turn the step's script into `next`, touching only changed lines.
 * A pure insertion is written as a replacement of the line it goes before,
 * so another fix inserting at the same place is taken in a later pass
 * instead of being interleaved.
 */
export function editRunScript(text: string, step: Step, next: string, unit: number): TextEdit[] {
  return editScriptValue(text, step.node, 'run', next, unit);
}

/** editRunScript for any scalar holding a script: `run:` of a step, or a `with:` input such as `script:`. */
export function editScriptValue(text: string, map: YAMLMap, key: string, next: string, unit: number): TextEdit[] {
  const pair = getPair(map, key);
  const node = pair?.value as YamlNode | null | undefined;
  if (!node || !isScalar(node)) throw new EditRefused(`${key}: is not a scalar`);
  const old = String(node.value);
  if (old === next) return [];
  const nextLines = next.replace(/\n$/, '').split('\n');
  if (node.type === 'BLOCK_LITERAL') {
    const b = blockBody(text, node);
    const oldLines = old.replace(/\n+$/, '').split('\n');
    if (oldLines.length !== b.lineStarts.length) throw new EditRefused('run: block does not map line by line to its text');
    return lineHunks(oldLines, nextLines).map((h) => {
      const body = pad(h.lines, b.indent);
      if (h.oldStart === h.oldEnd) {
        if (h.oldStart < oldLines.length) {
          const k = h.oldStart;
          return { start: b.lineStarts[k]!, end: b.lineEnds[k]!, text: [...body, text.slice(b.lineStarts[k]!, b.lineEnds[k]!)].join('\n') };
        }
        return { start: b.contentEnd, end: b.contentEnd, text: '\n' + body.join('\n') };
      }
      if (h.lines.length === 0) {
        const from = h.oldStart === 0 ? b.lineStarts[0]! : b.lineEnds[h.oldStart - 1]!;
        const to = h.oldStart === 0 ? Math.min(b.lineEnds[h.oldEnd - 1]! + 1, b.contentEnd) : b.lineEnds[h.oldEnd - 1]!;
        return { start: from, end: to, text: '' };
      }
      return { start: b.lineStarts[h.oldStart]!, end: b.lineEnds[h.oldEnd - 1]!, text: body.join('\n') };
    });
  }
  const [start, valueEnd] = node.range!;
  if (node.type === 'BLOCK_FOLDED') {
    // `>` folds its lines into one command line: rewrite it as a literal block (same chomping, comment kept).
    const header = text.slice(start, lineEndAt(text, start));
    if (old.replace(/\n$/, '').includes('\n') || !/^>-?(\s|$)/.test(header)) throw new EditRefused('folded block scalar (>) with several lines in run:');
    const headerEnd = lineEndAt(text, start);
    const contentEnd = lastContentLineEnd(text, headerEnd + 1, valueEnd);
    const first = text.slice(headerEnd + 1, lineEndAt(text, headerEnd + 1));
    const indent = first.length - first.trimStart().length;
    return [
      { start, end: start + 1, text: '|' },
      { start: headerEnd + 1, end: contentEnd, text: pad(nextLines, indent).join('\n') },
    ];
  }
  if (lineEndAt(text, start) < valueEnd) throw new EditRefused('multi-line flow scalar in run:');
  // A plain one-line script that stays one line and plain: replaced in place.
  if (node.type === 'PLAIN' && nextLines.length === 1 && isPlainSafe(nextLines[0]!)) return [{ start, end: valueEnd, text: nextLines[0]! }];
  // Otherwise a single-line scalar becomes `run: |` with the script below, any comment kept on the header line.
  if (/^[ \t]/.test(nextLines[0]!)) throw new EditRefused('script starts with whitespace; cannot write it as a block scalar');
  const keyNode = pair!.key as YamlNode;
  const keyCol = columnAt(text, keyNode.range![0]);
  if (lineStartAt(text, keyNode.range![0]) !== lineStartAt(text, start)) throw new EditRefused('run: value is not on the key line');
  const body = pad(nextLines, keyCol + unit);
  const lineEnd = lineEndAt(text, valueEnd);
  return [
    { start, end: valueEnd, text: '|' },
    { start: lineEnd, end: lineEnd, text: '\n' + body.join('\n') },
  ];
}

/** `s` is written as a plain scalar by the yaml library (scalarText), so it reads back as itself unquoted. */
export function isPlainSafe(s: string): boolean {
  return s !== '' && !s.includes('\n') && scalarText(s) === s;
}

/** The script has more than one non-blank line. */
export function isMultiLine(script: string): boolean {
  return script.split('\n').filter((l) => l.trim() !== '').length > 1;
}

/** The fix that replaces a step's `run:` script with `next` (declared, and checked with bash -n). */
export function runScriptFix(ctx: TransformContext, step: Step, next: string): Fix {
  return {
    edits: editRunScript(ctx.text, step, next, ctx.wf.indentUnit),
    declares: [{ path: [...step.path, 'run'] }],
    scripts: [next],
  };
}
