/**
 * GitHub `${{ }}` expressions read as the runner reads them, not by regex:
 * - findExpressions: where each `${{ ... }}` starts and ends in a text, over
 *   several lines, with `}}` inside a string literal ('a}}b') left alone;
 * - lexExpression / parseExpression: tokens and a small syntax tree (string,
 *   number and keyword literals, context references with `.name`, `.*` and
 *   `['index']` steps, function calls such as format(), fromJSON(), toJSON(),
 *   the `! == != < <= > >= && ||` operators and parentheses);
 * - references: every context reference in the tree as a path of names
 *   (`github['event']['issue']['title']` -> github.event.issue.title);
 * - nameWords: the words an env name for the whole expression is made of.
 */

export type Token =
  | { kind: 'ident'; text: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; text: string; at: number }
  | { kind: 'punct'; text: string; at: number };

export type Expr =
  | { type: 'literal'; value: string; raw: string }
  | { type: 'ident'; name: string }
  | { type: 'member'; object: Expr; name: string }
  | { type: 'index'; object: Expr; index: Expr }
  | { type: 'call'; name: string; args: Expr[] }
  | { type: 'unary'; op: string; arg: Expr }
  | { type: 'binary'; op: string; left: Expr; right: Expr };

export class ExpressionSyntaxError extends Error {}

const PUNCT = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '[', ']', '.', ',', '*'];

/** Tokens of an expression body (the text between `${{` and `}}`). */
export function lexExpression(body: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (/\s/.test(c)) { i++; continue; }
    if (c === "'") {
      let value = '';
      let j = i + 1;
      for (;;) {
        if (j >= body.length) throw new ExpressionSyntaxError(`unterminated string at ${i}`);
        if (body[j] === "'") {
          if (body[j + 1] === "'") { value += "'"; j += 2; continue; }
          break;
        }
        value += body[j++];
      }
      out.push({ kind: 'string', value, at: i });
      i = j + 1;
      continue;
    }
    const num = /^(?:0x[0-9a-fA-F]+|-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/.exec(body.slice(i));
    if (num) {
      out.push({ kind: 'number', text: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(body.slice(i));
    if (ident) {
      out.push({ kind: 'ident', text: ident[0], at: i });
      i += ident[0].length;
      continue;
    }
    const p = PUNCT.find((x) => body.startsWith(x, i));
    if (!p) throw new ExpressionSyntaxError(`unexpected '${c}' at ${i}`);
    out.push({ kind: 'punct', text: p, at: i });
    i += p.length;
  }
  return out;
}

const KEYWORDS = new Set(['true', 'false', 'null', 'NaN', 'Infinity']);
const LEVELS = [['||'], ['&&'], ['==', '!='], ['<', '<=', '>', '>=']];

/** Syntax tree of an expression body; throws ExpressionSyntaxError on text it cannot read. */
export function parseExpression(body: string): Expr {
  const toks = lexExpression(body);
  let k = 0;
  const punct = (): string | undefined => { const t = toks[k]; return t?.kind === 'punct' ? t.text : undefined; };
  const peek = (text: string) => punct() === text;
  const expect = (text: string) => {
    if (!peek(text)) throw new ExpressionSyntaxError(`expected '${text}'`);
    k++;
  };
  const binary = (level: number): Expr => {
    if (level === LEVELS.length) return unary();
    let left = binary(level + 1);
    for (let op = punct(); op !== undefined && LEVELS[level]!.includes(op); op = punct()) {
      k++;
      left = { type: 'binary', op, left, right: binary(level + 1) };
    }
    return left;
  };
  const unary = (): Expr => {
    if (peek('!')) { k++; return { type: 'unary', op: '!', arg: unary() }; }
    return postfix(primary());
  };
  const postfix = (e: Expr): Expr => {
    for (;;) {
      if (peek('.')) {
        k++;
        const t = toks[k++];
        if (t?.kind === 'ident') e = { type: 'member', object: e, name: t.text };
        else if (t?.kind === 'punct' && t.text === '*') e = { type: 'member', object: e, name: '*' };
        else throw new ExpressionSyntaxError('expected a property name after .');
      } else if (peek('[')) {
        k++;
        const index: Expr = peek('*') ? (k++, { type: 'literal', value: '*', raw: '*' }) : binary(0);
        expect(']');
        e = { type: 'index', object: e, index };
      } else return e;
    }
  };
  const primary = (): Expr => {
    const t = toks[k++];
    if (!t) throw new ExpressionSyntaxError('unexpected end of expression');
    if (t.kind === 'string') return { type: 'literal', value: t.value, raw: `'${t.value.replace(/'/g, "''")}'` };
    if (t.kind === 'number') return { type: 'literal', value: t.text, raw: t.text };
    if (t.kind === 'ident') {
      if (peek('(')) {
        k++;
        const args: Expr[] = [];
        if (!peek(')')) {
          args.push(binary(0));
          while (peek(',')) { k++; args.push(binary(0)); }
        }
        expect(')');
        return { type: 'call', name: t.text, args };
      }
      if (KEYWORDS.has(t.text)) return { type: 'literal', value: t.text, raw: t.text };
      return { type: 'ident', name: t.text };
    }
    if (t.text === '(') {
      const e = binary(0);
      expect(')');
      return e;
    }
    throw new ExpressionSyntaxError(`unexpected '${t.text}'`);
  };
  const tree = binary(0);
  if (k < toks.length) throw new ExpressionSyntaxError(`unexpected text after the expression at ${toks[k]!.at}`);
  return tree;
}

/**
 * A context reference: `github.event.issue.title` as ['github', 'event', 'issue', 'title']
 * (names as written: contexts compare case-insensitively, env names do not; dynamic index: '*').
 */
export type Reference = string[];

/** The tree is one context reference (a chain of names and indexes): its path; else undefined. */
export function chain(e: Expr): Reference | undefined {
  if (e.type === 'ident') return [e.name];
  if (e.type === 'member') { const c = chain(e.object); return c && [...c, e.name]; }
  if (e.type === 'index') {
    const c = chain(e.object);
    if (!c) return undefined;
    return [...c, e.index.type === 'literal' && e.index.raw !== '*' ? e.index.value : '*'];
  }
  return undefined;
}

/** Every context reference in the tree, outermost chains only, in source order. */
export function references(e: Expr): Reference[] {
  const out: Reference[] = [];
  const walk = (n: Expr): void => {
    const c = chain(n);
    if (c) {
      out.push(c);
      // Dynamic indexes read other references too: github.event[inputs.key].
      for (let x: Expr = n; x.type === 'member' || x.type === 'index'; x = x.object) if (x.type === 'index') walk(x.index);
      return;
    }
    children(n).forEach(walk);
  };
  walk(e);
  return out;
}

/** Sub-expressions of a node, in source order. */
function children(n: Expr): Expr[] {
  switch (n.type) {
    case 'member': return [n.object];
    case 'index': return [n.object, n.index];
    case 'call': return n.args;
    case 'unary': return [n.arg];
    case 'binary': return [n.left, n.right];
    default: return [];
  }
}

/**
 * Words for an env name standing for the whole expression: each reference's
 * path (later references without the leading names they share with the first),
 * and property steps taken on a call's result (fromJSON(x).runs[0].id).
 */
export function nameWords(e: Expr): string[] {
  const words: string[] = [];
  let first: Reference | undefined;
  const walk = (n: Expr): void => {
    const c = chain(n);
    if (c) {
      let from = 0;
      if (first) while (from < c.length - 1 && c[from]!.toLowerCase() === first[from]?.toLowerCase()) from++;
      else first = c;
      words.push(...c.slice(from).filter((w) => w !== '*'));
      return;
    }
    // A property step on a call's result names the value too: fromJSON(x).runs[0].id.
    if (n.type === 'member') { walk(n.object); if (n.name !== '*') words.push(n.name); return; }
    if (n.type === 'index' && n.index.type === 'literal') { walk(n.object); if (n.index.raw !== '*') words.push(n.index.value); return; }
    children(n).forEach(walk);
  };
  walk(e);
  return words;
}

export interface FoundExpression {
  start: number;
  end: number;
  /** `${{ ... }}` as written. */
  text: string;
  /** Spans more than one line. */
  multiLine: boolean;
}

/**
 * Every `${{ ... }}` in a text. The closing `}}` is the first one outside a
 * string literal; an opening without a close ends the scan.
 */
export function findExpressions(text: string): FoundExpression[] {
  const out: FoundExpression[] = [];
  let at = text.indexOf('${{');
  while (at >= 0) {
    let i = at + 3;
    let end = -1;
    while (i < text.length) {
      const c = text[i]!;
      if (c === "'") {
        i++;
        while (i < text.length && !(text[i] === "'" && text[i + 1] !== "'")) i += text[i] === "'" ? 2 : 1;
        i++;
        continue;
      }
      if (c === '}' && text[i + 1] === '}') { end = i + 2; break; }
      i++;
    }
    if (end < 0) break;
    const t = text.slice(at, end);
    out.push({ start: at, end, text: t, multiLine: t.includes('\n') });
    at = text.indexOf('${{', end);
  }
  return out;
}

/** The expression between `${{` and `}}`, trimmed. */
export function expressionBody(text: string): string {
  return text.replace(/^\$\{\{\s*/, '').replace(/\s*\}\}$/, '');
}

/** Expression text normalised for comparison: tokens joined by one space (string literals kept exactly). */
export function normalisedBody(text: string): string {
  const body = expressionBody(text.trim());
  try {
    return lexExpression(body).map((t) => (t.kind === 'string' ? `'${t.value.replace(/'/g, "''")}'` : t.text)).join(' ');
  } catch {
    return body.replace(/\s+/g, ' ');
  }
}
