/**
 * Reading a moved `${{ }}` back from the environment in JavaScript
 * (actions/github-script), Python and PowerShell, by where the expression
 * stands in the code: a small scanner per language finds string literals,
 * template literals, comments (and regex literals in JavaScript), and each
 * language's rewrite keeps the code's meaning with the value as data:
 * - code: `process.env.NAME` / `os.environ["NAME"]` / `${env:NAME}` (a number
 *   `.number`/`.id` read back as a number, toJSON() parsed back in JavaScript);
 * - inside a string literal: the literal split around the value, in
 *   parentheses (`('a' + process.env.NAME + 'b')`); a PowerShell '...' string
 *   becomes a "..." string with `${env:NAME}` in it;
 * - template literal / "..." in PowerShell: `${process.env.NAME}` / `${env:NAME}`.
 * Places with no safe rewrite (regex literals, bytes, quoted here-strings,
 * escapes right before the expression) are refused with the reason.
 */

export type CodeLanguage = 'js' | 'python' | 'pwsh';

interface Span {
  start: number;
  end: number;
  kind: 'string' | 'template' | 'comment' | 'regex' | 'here-double' | 'here-single';
  /** Opening delimiter, prefix included (`'`, `"""`, `f'`, `@'`). */
  open: string;
  /** Closing delimiter. */
  close: string;
  prefix: string;
}

export interface CodeItem {
  start: number;
  end: number;
  text: string;
  name: string;
  /** The value is a number (`.number`, `.id`, `run_id` ...). */
  numeric: boolean;
  /** The expression is toJSON(...). */
  json: boolean;
}

export interface CodeRewrite {
  replacements: { start: number; end: number; text: string }[];
  /** A line to put first (Python's `import os`). */
  prelude?: string;
  refused?: string;
}

/** Spans of literals and comments; the rest is code. Masked `${{ }}` are not delimiters. */
function scan(lang: CodeLanguage, s: string, masked: string): Span[] {
  const spans: Span[] = [];
  let i = 0;
  let lastSignificant = '';
  const push = (sp: Span) => { spans.push(sp); i = sp.end; lastSignificant = sp.kind === 'comment' ? lastSignificant : 'x'; };
  const until = (from: number, close: string, escape: string | undefined, stopAtNewline: boolean): number => {
    let j = from;
    while (j < s.length) {
      if (escape && masked[j] === escape) { j += 2; continue; }
      if (stopAtNewline && s[j] === '\n') return j;
      if (masked.startsWith(close, j)) return j + close.length;
      j++;
    }
    return s.length;
  };
  while (i < s.length) {
    const c = masked[i]!;
    if (lang === 'js') {
      if (masked.startsWith('//', i)) { const e = until(i, '\n', undefined, true); push({ start: i, end: e, kind: 'comment', open: '//', close: '', prefix: '' }); continue; }
      if (masked.startsWith('/*', i)) { const e = until(i + 2, '*/', undefined, false); push({ start: i, end: e, kind: 'comment', open: '/*', close: '*/', prefix: '' }); continue; }
      if (c === "'" || c === '"') { push({ start: i, end: until(i + 1, c, '\\', true), kind: 'string', open: c, close: c, prefix: '' }); continue; }
      if (c === '`') { push({ start: i, end: until(i + 1, '`', '\\', false), kind: 'template', open: '`', close: '`', prefix: '' }); continue; }
      if (c === '/' && (lastSignificant === '' || /[(,=:[!&|?{};+\-*%<>~^]/.test(lastSignificant))) {
        let j = i + 1;
        let inClass = false;
        while (j < s.length && s[j] !== '\n') {
          if (masked[j] === '\\') { j += 2; continue; }
          if (masked[j] === '[') inClass = true;
          else if (masked[j] === ']') inClass = false;
          else if (masked[j] === '/' && !inClass) break;
          j++;
        }
        push({ start: i, end: Math.min(j + 1, s.length), kind: 'regex', open: '/', close: '/', prefix: '' });
        continue;
      }
    } else if (lang === 'python') {
      if (c === '#') { push({ start: i, end: until(i, '\n', undefined, true), kind: 'comment', open: '#', close: '', prefix: '' }); continue; }
      const m = /^([rRbBuUfF]{0,2})('''|"""|'|")/.exec(masked.slice(i));
      if (m && (m[1] === '' || !/[\w]/.test(masked[i - 1] ?? ''))) {
        const q = m[2]!;
        const raw = /r/i.test(m[1]!);
        const e = until(i + m[0].length, q, raw ? undefined : '\\', q.length === 1);
        push({ start: i, end: e, kind: 'string', open: m[0], close: q, prefix: m[1]! });
        continue;
      }
    } else {
      if (masked.startsWith('<#', i)) { push({ start: i, end: until(i + 2, '#>', undefined, false), kind: 'comment', open: '<#', close: '#>', prefix: '' }); continue; }
      if (c === '#') { push({ start: i, end: until(i, '\n', undefined, true), kind: 'comment', open: '#', close: '', prefix: '' }); continue; }
      if (masked.startsWith('@"', i) && /^\s*\n/.test(masked.slice(i + 2))) { push({ start: i, end: until(i + 2, '\n"@', undefined, false), kind: 'here-double', open: '@"', close: '"@', prefix: '' }); continue; }
      if (masked.startsWith("@'", i) && /^\s*\n/.test(masked.slice(i + 2))) { push({ start: i, end: until(i + 2, "\n'@", undefined, false), kind: 'here-single', open: "@'", close: "'@", prefix: '' }); continue; }
      if (c === '"') { push({ start: i, end: until(i + 1, '"', '`', false), kind: 'string', open: '"', close: '"', prefix: '' }); continue; }
      if (c === "'") {
        let j = i + 1;
        while (j < s.length && !(masked[j] === "'" && masked[j + 1] !== "'")) j += masked[j] === "'" ? 2 : 1;
        push({ start: i, end: Math.min(j + 1, s.length), kind: 'string', open: "'", close: "'", prefix: '' });
        continue;
      }
    }
    if (!/\s/.test(c)) lastSignificant = c;
    i++;
  }
  return spans;
}

function mask(s: string, items: CodeItem[]): string {
  let out = '';
  let at = 0;
  for (const e of items) {
    out += s.slice(at, e.start) + e.text.replace(/[^\n]/g, 'x');
    at = e.end;
  }
  return out + s.slice(at);
}

function valueIn(lang: CodeLanguage, item: CodeItem): string {
  switch (lang) {
    case 'js': return item.json ? `JSON.parse(process.env.${item.name})` : item.numeric ? `Number(process.env.${item.name})` : `process.env.${item.name}`;
    case 'python': return item.numeric ? `int(os.environ["${item.name}"])` : `os.environ["${item.name}"]`;
    case 'pwsh': return `\${env:${item.name}}`;
  }
}

function stringValueIn(lang: CodeLanguage, item: CodeItem): string {
  return lang === 'js' ? `process.env.${item.name}` : lang === 'python' ? `os.environ["${item.name}"]` : `\${env:${item.name}}`;
}

/** A PowerShell '...' literal's text as the inside of a "..." literal. */
function pwshDoubleQuoted(literal: string): string {
  return literal.replace(/''/g, "'").replace(/[`$"\u201C\u201D\u201E]/g, (c) => '`' + c);
}

/** Rewrites for every item in a script of the language; refused when one item has no safe rewrite. */
export function rewriteCode(lang: CodeLanguage, script: string, items: CodeItem[]): CodeRewrite {
  const spans = scan(lang, script, mask(script, items));
  const replacements: CodeRewrite['replacements'] = [];
  const escapeChar = lang === 'pwsh' ? '`' : '\\';
  const byLiteral = new Map<Span, CodeItem[]>();
  for (const item of items) {
    const span = spans.find((sp) => sp.start <= item.start && item.end <= sp.end);
    const where = `${item.text}`;
    if (!span) {
      if (lang === 'pwsh' && (/[^\s(=,;|{]/.test(script[item.start - 1] ?? ' ') || /[^\s);,|}]/.test(script[item.end] ?? ' '))) {
        return { replacements: [], refused: `${where} is part of a longer PowerShell word; move it to env: by hand` };
      }
      const before = script.slice(script.lastIndexOf('\n', item.start - 1) + 1, item.start).trim();
      const after = script.slice(item.end, (script.indexOf('\n', item.end) + 1 || script.length + 1) - 1).trim();
      if (before === '' && (lang === 'pwsh' || after === '' || after === ';') || (lang === 'pwsh' && /[;|{]$|&&$|\|\|$/.test(before))) {
        return { replacements: [], refused: `${where} stands as a statement or command of its own (its value runs as code); reading it as data would change what the script does, so review it by hand` };
      }
      replacements.push({ start: item.start, end: item.end, text: valueIn(lang, item) });
      continue;
    }
    if (span.kind === 'comment') { replacements.push({ start: item.start, end: item.end, text: stringValueIn(lang, item) }); continue; }
    if (span.kind === 'regex') return { replacements: [], refused: `${where} stands inside a regular expression literal; move it to env: by hand` };
    if (span.kind === 'here-single') return { replacements: [], refused: `${where} stands inside a quoted here-string (no expansion there); move it to env: by hand` };
    let back = 0;
    for (let j = item.start - 1; j >= 0 && script[j] === escapeChar; j--) back++;
    const escapes = lang === 'pwsh' ? span.open === '"' || span.kind === 'here-double' : !/r/i.test(span.prefix);
    if (escapes && back % 2 === 1) return { replacements: [], refused: `${where} follows an escape character; move it to env: by hand` };
    if (/b/i.test(span.prefix)) return { replacements: [], refused: `${where} stands inside a bytes literal; move it to env: by hand` };
    if (span.kind === 'template') { replacements.push({ start: item.start, end: item.end, text: `\${process.env.${item.name}}` }); continue; }
    if (span.kind === 'here-double' || (lang === 'pwsh' && span.open === '"')) { replacements.push({ start: item.start, end: item.end, text: `\${env:${item.name}}` }); continue; }
    byLiteral.set(span, [...(byLiteral.get(span) ?? []), item]);
  }
  for (const [span, inside] of byLiteral) {
    const bodyStart = span.start + span.open.length;
    const bodyEnd = span.end - span.close.length;
    if (lang === 'pwsh') {
      // '...' -> "..." with the values read in it.
      let out = '"';
      let at = bodyStart;
      for (const item of inside) { out += pwshDoubleQuoted(script.slice(at, item.start)) + `\${env:${item.name}}`; at = item.end; }
      out += pwshDoubleQuoted(script.slice(at, bodyEnd)) + '"';
      replacements.push({ start: span.start, end: span.end, text: out });
      continue;
    }
    const only = inside.length === 1 && inside[0]!.start === bodyStart && inside[0]!.end === bodyEnd;
    if (only) { replacements.push({ start: span.start, end: span.end, text: stringValueIn(lang, inside[0]!) }); continue; }
    const parts: string[] = [];
    let at = bodyStart;
    for (const item of inside) {
      if (item.start > at) parts.push(span.open + script.slice(at, item.start) + span.close);
      parts.push(stringValueIn(lang, item));
      at = item.end;
    }
    if (bodyEnd > at) parts.push(span.open + script.slice(at, bodyEnd) + span.close);
    // Python joins adjacent literals ('a' 'b'): a parenthesised part there would be a call.
    if (/['"]\s*$/.test(script.slice(0, span.start)) || /^\s*[rRbBuUfF]{0,2}['"]/.test(script.slice(span.end))) {
      return { replacements: [], refused: `${inside[0]!.text} stands in a string literal joined to another literal; move it to env: by hand` };
    }
    replacements.push({ start: span.start, end: span.end, text: `(${parts.join(' + ')})` });
  }
  const prelude = lang === 'python' && replacements.some((r) => r.text.includes('os.environ')) && !/^\s*import\s+os\s*$/m.test(script) ? 'import os' : undefined;
  return { replacements, prelude };
}
