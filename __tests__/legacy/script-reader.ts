/**
 * The hand-written bash reader wf-fix used before tree-sitter-bash
 * (transforms/shell/syntax.ts), kept only for the differential test
 * (__tests__/shell-differential.test.ts): it is never used by a transform.
 */
import { findExpressions } from '../../transforms/shell/expr-lexer.js';
import {
  ASSIGNMENT, builtinEffects, maskExpressions, NAME,
  type Frame, type FrameKind, type QuoteContext, type ScriptFacts, type SimpleCommand, type VarAssign, type VarRead, type Word,
} from '../../transforms/shell/script.js';

const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '$', '!', '-', '0', '_']);
const KEYWORDS = new Set(['if', 'then', 'elif', 'else', 'fi', 'while', 'until', 'for', 'select', 'do', 'done', 'case', 'esac', '{', '}', '!', 'time', 'function', '[[', 'coproc']);

class Reader {
  readonly s: string;
  i = 0;
  readonly context: QuoteContext[];
  readonly commands: SimpleCommand[] = [];
  readonly frames: Frame[] = [];
  readonly stack: Frame[] = [];
  readonly reads: VarRead[] = [];
  readonly assigns: VarAssign[] = [];
  readonly opaque: ScriptFacts['opaque'] = [];
  readonly problems: string[] = [];
  private heredocs: { delim: string; strip: boolean; quoted: boolean }[] = [];
  private nextId = 1;

  constructor(script: string) {
    this.s = maskExpressions(script);
    this.context = new Array<QuoteContext>(script.length).fill('none');
  }

  private mark(from: number, to: number, ctx: QuoteContext): void {
    for (let k = from; k < to && k < this.s.length; k++) this.context[k] = ctx;
  }

  private push(kind: FrameKind, name?: string): Frame {
    const f: Frame = { id: this.nextId++, kind, start: this.i, end: this.s.length, name };
    this.frames.push(f);
    this.stack.push(f);
    return f;
  }

  /** Pop frames down to and including the nearest of `kinds`; undefined if none is open. */
  private popTo(...kinds: FrameKind[]): Frame | undefined {
    const idx = this.stack.map((f) => kinds.includes(f.kind)).lastIndexOf(true);
    if (idx < 0) {
      this.problems.push(`unexpected end of ${kinds.join('/')} at offset ${this.i}`);
      return undefined;
    }
    let f: Frame | undefined;
    while (this.stack.length > idx) {
      f = this.stack.pop()!;
      f.end = this.i;
      if (f.kind === 'branch') this.closeBranch(f);
    }
    return f;
  }

  private top(): Frame | undefined {
    return this.stack[this.stack.length - 1];
  }

  private frameIds(): number[] {
    return [0, ...this.stack.map((f) => f.id)];
  }

  private read(name: string, offset: number, safe: boolean): void {
    this.reads.push({ name, offset, safe, frames: this.frameIds() });
  }

  /** State of the current list (commands joined by && || | & ; newline). */
  private condTail = false;
  private listAssignStart = 0;

  private assign(name: string, offset: number, definite = true): void {
    this.assigns.push({ name, offset, frame: this.top()?.id ?? 0, definite: definite && !this.condTail });
  }

  /** Branch frames remember what they assigned unconditionally, for `fi`. */
  private closeBranch(f: Frame): void {
    const parent = this.stack[this.stack.length - 1];
    if (parent?.kind !== 'if') return;
    const defs = new Set(this.assigns.filter((a) => a.frame === f.id && a.definite).map((a) => a.name));
    (parent.branchDefs ??= []).push(defs);
  }

  readonly backgrounds: number[] = [];

  private endList(background = false): void {
    if (background) { this.undefiniteSince(this.listAssignStart); this.backgrounds.push(this.i); }
    while (this.top()?.kind === 'pipe') this.popTo('pipe');
    this.condTail = false;
    this.listAssignStart = this.assigns.length;
  }

  private undefiniteSince(index: number): void {
    const frame = this.top()?.id ?? 0;
    for (let k = index; k < this.assigns.length; k++) if (this.assigns[k]!.frame === frame) this.assigns[k]!.definite = false;
  }

  // ---- commands ----------------------------------------------------------

  private cur: SimpleCommand | undefined;
  private casePattern = false;
  private caseState: 'none' | 'word' | 'in' = 'none';
  private forState: 'none' | 'name' | 'afterName' | 'list' | 'wantDo' = 'none';
  private forVar: string | undefined;
  private funcName: string | undefined;
  private funcKeyword = false;

  private endCommand(): void {
    const c = this.cur;
    this.cur = undefined;
    if (!c) return;
    if (c.words.length === 0) {
      for (const a of c.assigns) this.assign(ASSIGNMENT.exec(a.text)![1]!, a.end);
    } else {
      this.builtinEffects(c);
    }
    c.end = Math.max(c.end, ...c.words.map((w) => w.end), ...c.assigns.map((w) => w.end));
    this.commands.push(c);
  }

  private builtinEffects(c: SimpleCommand): void {
    const [first, ...args] = c.words;
    if (!first?.plain) return;
    const name = first.text;
    const plainArgs = args.filter((w) => w.plain).map((w) => w.text);
    const effects = builtinEffects(c);
    for (const n of effects.assigns) this.assign(n, effects.at);
    this.opaque.push(...effects.opaque);
    switch (name) {
      case 'export': case 'local': case 'declare': case 'typeset': case 'readonly':
        for (const w of args) {
          const m = ASSIGNMENT.exec(w.text);
          if (m) this.assign(m[1]!, w.end);
        }
        break;
      case 'unset':
        for (const a of plainArgs) if (NAME.test(a)) this.opaque.push({ reason: `unsets ${a}`, offset: first.start, name: a });
        break;
    }
  }

  private keyword(w: Word): boolean {
    const k = w.text;
    switch (k) {
      case 'if': this.push('if'); return true;
      case 'then': this.push('branch'); return true;
      case 'elif': this.popTo('branch'); return true;
      case 'else': {
        this.popTo('branch');
        const f = this.top();
        if (f?.kind === 'if') f.hasElse = true;
        this.push('branch');
        return true;
      }
      case 'fi': {
        this.popTo('branch');
        const f = this.popTo('if');
        if (f?.hasElse && f.branchDefs?.length) {
          const [firstDefs, ...rest] = f.branchDefs;
          for (const n of firstDefs!) if (rest.every((d) => d.has(n))) this.assign(n, w.end);
        }
        return true;
      }
      case 'while': case 'until': this.push('loop'); return true;
      case 'for': case 'select': this.push('loop'); this.forState = 'name'; return true;
      case 'do': {
        this.forState = 'none';
        this.push('do');
        if (this.forVar) { this.assign(this.forVar, w.end); this.forVar = undefined; }
        return true;
      }
      case 'done': this.popTo('do'); this.popTo('loop'); return true;
      case 'case': this.caseState = 'word'; return true;
      case 'esac': this.popTo('case'); return true;
      case '{': {
        const f = this.push(this.funcName ? 'func' : 'group', this.funcName);
        f.start = w.start;
        this.funcName = undefined;
        return true;
      }
      case '}': this.popTo('group', 'func'); return true;
      case 'function': this.funcKeyword = true; return true;
      case '!': case 'time': case 'coproc': return true;
      default: return false;
    }
  }

  private word(w: Word): void {
    if (this.casePattern) {
      if (w.plain && w.text === 'esac') { this.casePattern = false; this.popTo('case'); }
      return;
    }
    if (this.caseState === 'word') { this.caseState = 'in'; return; }
    if (this.caseState === 'in') {
      this.caseState = 'none';
      if (w.plain && w.text === 'in') { this.push('case'); this.casePattern = true; }
      return;
    }
    if (this.forState === 'name') {
      this.forState = 'afterName';
      if (NAME.test(w.text)) this.forVar = w.text;
      return;
    }
    if (this.forState === 'afterName' && w.plain && w.text === 'in') { this.forState = 'list'; return; }
    if (this.forState === 'list') return;
    if (this.funcKeyword) { this.funcKeyword = false; this.funcName = w.text.replace(/\(\)$/, ''); return; }
    if (!this.cur) {
      if (w.plain && KEYWORDS.has(w.text)) {
        if (w.text === '[[') {
          this.cur = { assigns: [], words: [w], start: w.start, end: w.end, frames: [...this.stack] };
          this.readDoubleBracket();
          this.endCommand();
          return;
        }
        this.keyword(w);
        return;
      }
      this.cur = { assigns: [], words: [], start: w.start, end: w.end, frames: [...this.stack] };
    }
    if (this.cur.words.length === 0 && ASSIGNMENT.test(w.text)) this.cur.assigns.push(w);
    else this.cur.words.push(w);
  }

  private readDoubleBracket(): void {
    for (;;) {
      this.skipBlanks(true);
      if (this.i >= this.s.length) { this.problems.push('unterminated [['); return; }
      const w = this.readWord(true);
      if (!w) { this.i++; continue; }
      this.cur!.words.push(w);
      if (w.text === ']]') return;
    }
  }

  private skipBlanks(newlines = false): void {
    for (;;) {
      const c = this.s[this.i];
      if (c === ' ' || c === '\t' || (newlines && c === '\n')) this.i++;
      else if (c === '\\' && this.s[this.i + 1] === '\n') this.i += 2;
      else return;
    }
  }

  /** Read commands until `closer` (at command level) or the end. */
  parseCommands(closer?: ')'): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === ' ' || c === '\t') { this.i++; continue; }
      if (c === '\\' && s[this.i + 1] === '\n') { this.i += 2; continue; }
      if (c === '\n') {
        this.endCommand();
        this.endList();
        if (this.forState === 'list' || this.forState === 'afterName') this.forState = 'wantDo';
        this.i++;
        this.readHeredocs();
        continue;
      }
      if (c === '#') {
        const e = s.indexOf('\n', this.i);
        const end = e < 0 ? s.length : e;
        this.mark(this.i, end, 'comment');
        this.i = end;
        continue;
      }
      if (closer && c === closer && !(closer === ')' && this.casePattern)) {
        this.endCommand();
        this.endList();
        return;
      }
      if (c === ';') {
        this.endCommand();
        this.endList();
        if (this.forState === 'list' || this.forState === 'afterName') this.forState = 'wantDo';
        if (s[this.i + 1] === ';' || s[this.i + 1] === '&') {
          this.i += s.startsWith(';;&', this.i) ? 3 : 2;
          this.popTo('case-item');
          this.casePattern = true;
        } else this.i++;
        continue;
      }
      if (c === '&') {
        if (s[this.i + 1] === '&') { this.endCommand(); this.condTail = true; this.i += 2; continue; }
        if (s[this.i + 1] === '>') { this.i += s[this.i + 2] === '>' ? 3 : 2; this.redirectTarget(); continue; }
        this.endCommand();
        this.endList(true);
        this.i++;
        continue;
      }
      if (c === '|') {
        if (s[this.i + 1] === '|') { this.endCommand(); this.condTail = true; this.i += 2; continue; }
        this.endCommand();
        if (this.casePattern) { this.i++; continue; }
        this.undefiniteSince(this.listAssignStart);
        if (this.top()?.kind === 'pipe') this.popTo('pipe');
        this.i += s[this.i + 1] === '&' ? 2 : 1;
        this.push('pipe');
        continue;
      }
      if (c === '(') {
        if (this.casePattern) { this.i++; continue; }
        if (s[this.i + 1] === '(' && !this.cur) {
          this.i += 2;
          this.readArith('))');
          if (this.forState === 'name') this.forState = 'wantDo';
          continue;
        }
        if (this.cur && this.cur.words.length === 1 && this.cur.assigns.length === 0 && /^\(\s*\)/.test(s.slice(this.i))) {
          this.funcName = this.cur.words[0]!.text;
          this.cur = undefined;
          this.i = s.indexOf(')', this.i) + 1;
          continue;
        }
        if (this.funcKeyword === false && this.funcName && /^\(\s*\)/.test(s.slice(this.i))) {
          this.i = s.indexOf(')', this.i) + 1;
          continue;
        }
        this.endCommand();
        this.i++;
        this.nested('subshell');
        continue;
      }
      if (c === ')') {
        if (this.casePattern) { this.casePattern = false; this.i++; this.push('case-item'); continue; }
        this.problems.push(`unexpected ) at offset ${this.i}`);
        this.i++;
        continue;
      }
      if (c === '<' || c === '>') {
        if ((c === '<' || c === '>') && s[this.i + 1] === '(') {
          this.i += 2;
          this.nested('cmdsubst');
          continue;
        }
        this.redirection();
        continue;
      }
      const w = this.readWord(false);
      if (!w) { this.i++; continue; }
      if (/^[0-9]+$/.test(w.text) && (s[this.i] === '<' || s[this.i] === '>')) continue; // fd of a redirection
      this.word(w);
    }
    this.endCommand();
    this.endList();
  }

  private redirection(): void {
    const s = this.s;
    if (s.startsWith('<<<', this.i)) { this.i += 3; this.redirectTarget(); return; }
    if (s.startsWith('<<', this.i)) {
      this.i += 2;
      const strip = s[this.i] === '-';
      if (strip) this.i++;
      this.skipBlanks();
      const w = this.readWord(false);
      if (!w) { this.problems.push('heredoc without delimiter'); return; }
      const quoted = /['"\\]/.test(w.text);
      this.heredocs.push({ delim: w.text.replace(/['"\\]/g, ''), strip, quoted });
      return;
    }
    this.i++;
    while (this.i < s.length && '<>&|'.includes(s[this.i]!)) this.i++;
    this.redirectTarget();
  }

  private redirectTarget(): void {
    this.skipBlanks();
    this.readWord(false);
  }

  private readHeredocs(): void {
    const docs = this.heredocs;
    this.heredocs = [];
    const s = this.s;
    for (const d of docs) {
      const start = this.i;
      let bodyEnd = s.length;
      let after = s.length;
      for (let lineStart = start; lineStart < s.length;) {
        const e = s.indexOf('\n', lineStart);
        const lineEnd = e < 0 ? s.length : e;
        const line = s.slice(lineStart, lineEnd);
        if ((d.strip ? line.replace(/^\t+/, '') : line) === d.delim) {
          bodyEnd = lineStart;
          after = Math.min(s.length, lineEnd + 1);
          break;
        }
        lineStart = lineEnd + 1;
      }
      if (bodyEnd === s.length) this.problems.push(`unterminated heredoc ${d.delim}`);
      if (d.quoted) this.mark(start, bodyEnd, 'heredoc-literal');
      else this.readExpanding(start, bodyEnd, 'heredoc');
      this.i = after;
    }
  }

  /** Double-quote-like text (a heredoc body) from `start` to `end`. */
  private readExpanding(start: number, end: number, ctx: 'heredoc'): void {
    this.i = start;
    while (this.i < end) {
      const c = this.s[this.i]!;
      if (c === '\\') { this.mark(this.i, this.i + 2, ctx); this.i += 2; continue; }
      if (c === '$') { this.dollar('double'); continue; }
      if (c === '`') { this.backtick(); continue; }
      this.context[this.i] = ctx;
      this.i++;
    }
  }

  // ---- words -------------------------------------------------------------

  readWord(doubleBracket: boolean): Word | undefined {
    const s = this.s;
    const start = this.i;
    let plain = true;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === ' ' || c === '\t' || c === '\n') break;
      if (doubleBracket && (c === ';' || s.slice(start, this.i) === ']]')) break;
      if (!doubleBracket && ';&|()<>'.includes(c)) {
        if (c === '(' && /^[A-Za-z_][A-Za-z0-9_]*(\[[^\]]*\])?\+?=$/.test(s.slice(start, this.i))) {
          this.arrayLiteral();
          plain = false;
          continue;
        }
        if (c === '(' && /[?*+@!]$/.test(s.slice(start, this.i))) { this.extglob(); continue; }
        break;
      }
      if (c === '\\') {
        plain = false;
        if (s[this.i + 1] === '\n') { this.i += 2; continue; }
        this.i += 2;
        continue;
      }
      if (c === "'") { plain = false; this.single(); continue; }
      if (c === '"') { plain = false; this.double(); continue; }
      if (c === '$') { plain = false; this.dollar('none'); continue; }
      if (c === '`') { plain = false; this.backtick(); continue; }
      this.i++;
    }
    if (this.i === start) return undefined;
    return { text: s.slice(start, this.i), start, end: this.i, plain };
  }

  private arrayLiteral(): void {
    this.i++; // (
    for (;;) {
      this.skipBlanks(true);
      if (this.i >= this.s.length) { this.problems.push('unterminated array'); return; }
      if (this.s[this.i] === ')') { this.i++; return; }
      if (this.s[this.i] === '#') { const e = this.s.indexOf('\n', this.i); this.i = e < 0 ? this.s.length : e; continue; }
      if (!this.readWord(false)) this.i++;
    }
  }

  private extglob(): void {
    let depth = 0;
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === '(') depth++;
      else if (c === ')') { depth--; if (depth === 0) { this.i++; return; } }
      this.i++;
    }
  }

  private single(): void {
    const close = this.s.indexOf("'", this.i + 1);
    if (close < 0) { this.problems.push('unterminated single quote'); this.mark(this.i + 1, this.s.length, 'single'); this.i = this.s.length; return; }
    this.mark(this.i + 1, close, 'single');
    this.i = close + 1;
  }

  private double(): void {
    this.i++;
    while (this.i < this.s.length) {
      const c = this.s[this.i]!;
      if (c === '"') { this.i++; return; }
      if (c === '\\') { this.mark(this.i, this.i + 2, 'double'); this.i += 2; continue; }
      if (c === '$') { this.dollar('double'); continue; }
      if (c === '`') { this.backtick(); continue; }
      this.context[this.i] = 'double';
      this.i++;
    }
    this.problems.push('unterminated double quote');
  }

  private backtick(): void {
    const s = this.s;
    let k = this.i + 1;
    while (k < s.length && s[k] !== '`') k += s[k] === '\\' ? 2 : 1;
    if (k >= s.length) this.problems.push('unterminated backtick');
    const body = s.slice(this.i + 1, k);
    this.mark(this.i + 1, k, 'backtick');
    for (const m of body.matchAll(/\$(\{)?([A-Za-z_][A-Za-z0-9_]*)(.)?/g)) {
      const safe = m[1] === '{' && /[:\-=+?]/.test(m[3] ?? '');
      this.read(m[2]!, this.i + 1 + m.index!, safe);
    }
    this.i = Math.min(k + 1, s.length);
  }

  /** At `$`: parameter, command substitution, arithmetic, ANSI-C string. */
  private dollar(outer: 'none' | 'double'): void {
    const s = this.s;
    const next = s[this.i + 1];
    const at = this.i;
    if (next === "'" && outer === 'none') {
      let k = this.i + 2;
      while (k < s.length && s[k] !== "'") k += s[k] === '\\' ? 2 : 1;
      this.mark(this.i + 2, k, 'ansi');
      this.i = Math.min(k + 1, s.length);
      return;
    }
    if (next === '"' && outer === 'none') { this.i++; this.double(); return; }
    if (next === '(') {
      if (s[this.i + 2] === '(') { this.i += 3; this.readArith('))'); return; }
      this.i += 2;
      this.nested('cmdsubst');
      return;
    }
    if (next === '[') { this.i += 2; this.readArith(']'); return; }
    if (next === '{') { this.brace(outer); return; }
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.i + 1));
    if (m) { this.read(m[0], at, m[0] === '_'); this.i += 1 + m[0].length; return; }
    if (next !== undefined && /[0-9]/.test(next)) { this.read(next, at, next === '0'); this.i += 2; return; }
    if (next === '!') { this.read('!', at, false); this.i += 2; return; }
    if (next !== undefined && SPECIAL_PARAMS.has(next)) { this.i += 2; return; }
    this.i++;
  }

  /** Commands up to the matching `)`, in a frame of their own. */
  private nested(kind: 'cmdsubst' | 'subshell'): void {
    const saved = this.saveList();
    this.push(kind);
    this.parseCommands(')');
    if (this.s[this.i] === ')') this.i++;
    else this.problems.push(`unterminated ${kind}`);
    this.popTo(kind);
    this.restoreList(saved);
  }

  private saveList(): [boolean, number, SimpleCommand | undefined, boolean, Reader['forState'], Reader['caseState']] {
    const saved: ReturnType<Reader['saveList']> = [this.condTail, this.listAssignStart, this.cur, this.casePattern, this.forState, this.caseState];
    this.cur = undefined;
    this.casePattern = false;
    this.forState = 'none';
    this.caseState = 'none';
    this.listAssignStart = this.assigns.length;
    return saved;
  }

  private restoreList(saved: ReturnType<Reader['saveList']>): void {
    [this.condTail, this.listAssignStart, this.cur, this.casePattern, this.forState, this.caseState] = saved;
  }

  /** `${...}` */
  private brace(outer: 'none' | 'double'): void {
    const s = this.s;
    const at = this.i;
    this.i += 2;
    const ctx: QuoteContext = outer === 'double' ? 'param-double' : 'param';
    let name: string | undefined;
    let indirect = false;
    let length = false;
    if (s[this.i] === '#' && s[this.i + 1] !== '}') { length = true; this.i++; }
    else if (s[this.i] === '!' && s[this.i + 1] !== '}') { indirect = true; this.i++; }
    const m = /^([A-Za-z_][A-Za-z0-9_]*|[0-9]+|[@*#?$!\-])/.exec(s.slice(this.i));
    if (m) { name = m[1]!; this.i += name.length; }
    if (s[this.i] === '[') { this.i++; this.readArith(']'); }
    const op = s.slice(this.i, this.i + 2);
    const safe = !length && (/^:?[-=+?]/.test(op));
    if (indirect) this.opaque.push({ reason: `uses indirect expansion \${!${name ?? ''}}`, offset: at });
    else if (name && !SPECIAL_PARAMS.has(name)) this.read(name, at, safe || name === '0');
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === '}') { this.i++; return; }
      if (c === '\\') { this.mark(this.i, this.i + 2, ctx); this.i += 2; continue; }
      if (c === "'" && outer === 'none') { this.single(); continue; }
      if (c === '"') { this.double(); continue; }
      if (c === '$') { this.dollar(outer); continue; }
      if (c === '`') { this.backtick(); continue; }
      this.context[this.i] = ctx;
      this.i++;
    }
    this.problems.push('unterminated ${');
  }

  /** Arithmetic up to `closer` (`))` or `]`): bare names are reads (or assignments). */
  private readArith(closer: '))' | ']'): void {
    const s = this.s;
    let depth = 0;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (depth === 0 && s.startsWith(closer, this.i)) { this.i += closer.length; return; }
      if (closer === '))' && depth === 0 && c === ')' ) { this.i++; return; }
      if (c === '(') { depth++; this.i++; continue; }
      if (c === ')') { depth--; this.i++; continue; }
      if (c === '$') { this.dollar('none'); continue; }
      if (c === '"') { this.double(); continue; }
      if (c === "'") { this.single(); continue; }
      if (c === '`') { this.backtick(); continue; }
      if (/[0-9]/.test(c)) { const m = /^[0-9A-Za-z_#]+/.exec(s.slice(this.i))!; this.mark(this.i, this.i + m[0].length, 'arith'); this.i += m[0].length; continue; }
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(s.slice(this.i));
      if (m) {
        const after = s.slice(this.i + m[0].length).replace(/^[ \t]*/, '');
        if (/^=[^=]/.test(after)) this.assign(m[0], this.i + m[0].length);
        else this.read(m[0], this.i, false);
        this.mark(this.i, this.i + m[0].length, 'arith');
        this.i += m[0].length;
        continue;
      }
      this.context[this.i] = 'arith';
      this.i++;
    }
    this.problems.push(`unterminated arithmetic (${closer})`);
  }
}

/** Read a script once; every fix asks its questions of the result. */
export function legacyAnalyseScript(script: string): ScriptFacts {
  const r = new Reader(script);
  r.parseCommands();
  for (const f of r.stack) r.problems.push(`unclosed ${f.kind}`);
  const expressions = findExpressions(script).map(({ start, end, text }) => ({ start, end, text }));
  return {
    script,
    contextAt: (offset) => r.context[offset] ?? 'none',
    commands: r.commands,
    frames: r.frames,
    reads: r.reads,
    assigns: r.assigns,
    opaque: r.opaque,
    problems: r.problems,
    backgrounds: r.backgrounds,
    expressions,
  };
}
