/**
 * `run:` scripts as syntax trees: tree-sitter-bash (through web-tree-sitter)
 * parses the script, and one walk over the tree answers what the fixes ask:
 * - the simple commands, their words and the compound commands around them
 *   (pipelines, `&&`/`||`, subshells, if/for/while/case, functions), for the
 *   deploy recognition and deploy-retry;
 * - which variables the script reads, in which form (`$X` vs the safe
 *   `${X:-..}`), and where it assigns them, for strict-shell's `-u` decision;
 * - the quoting context at every offset (unquoted, "double", 'single',
 *   heredoc quoted or not, comment, ...), for expression-injection.
 *
 * GitHub `${{ }}` expressions are masked before parsing (maskExpressions:
 * they are template text, not shell). Where the grammar reports an ERROR or
 * MISSING node the facts carry "bash grammar could not parse line N" in
 * `problems`, and the fixes that depend on the script refuse.
 *
 * Loading the grammar is asynchronous (WebAssembly); parsing is synchronous.
 * The load starts when this module is imported; entry points await
 * `bashGrammarReady` once (transforms/index.ts does so with a top-level
 * await, the jscodeshift adapter before each file).
 */
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { Language, Parser, type Tree } from 'web-tree-sitter';
import { findExpressions } from './expr-lexer.js';
import {
  ASSIGNMENT, builtinEffects, ContextMap, isSpecialParam, maskExpressions, NAME,
  type Frame, type FrameKind, type QuoteContext, type ScriptFacts, type SimpleCommand, type VarAssign, type VarRead, type Word,
} from './script.js';

let parser: Parser | undefined;
let loadError: unknown;

/**
 * Compile WebAssembly with V8's baseline compiler (Liftoff) only. By default
 * V8 also recompiles the 1.3 MB grammar with its optimising compiler on
 * background threads, and a process cannot exit until that is done: about
 * 0.9 s of CPU and 0.6 s of wall time in every process and worker that loads
 * the grammar, for parses that are then no faster (5,000 parses of a short
 * script: 187 ms Liftoff-only, 258 ms with tier-up, including the load).
 * It must be set before the module is compiled; it applies to the process,
 * where this grammar is the only WebAssembly wf-fix loads.
 */
setFlagsFromString('--liftoff-only');

/** Resolves once the bash grammar is loaded (the wasm ships in the tree-sitter-bash package). */
export const bashGrammarReady: Promise<void> = (async () => {
  await Parser.init();
  const wasm = createRequire(import.meta.url).resolve('tree-sitter-bash/tree-sitter-bash.wasm');
  const language = await Language.load(wasm);
  const p = new Parser();
  p.setLanguage(language);
  parser = p;
})().catch((e: unknown) => { loadError = e; });

function bashParser(): Parser {
  if (parser) return parser;
  if (loadError) throw new Error(`the bash grammar could not be loaded: ${String(loadError)}`);
  throw new Error('the bash grammar is still loading: await bashGrammarReady (from transforms/shell/syntax.js) before reading scripts');
}

/**
 * A syntax node as plain data: the tree is copied out of the wasm heap once
 * (a TreeCursor walk), because every Node the binding hands out is marshalled
 * anew on each access, which costs more than the parse itself.
 */
class Node {
  /** This node or one under it is an ERROR or MISSING node. */
  hasError = false;
  readonly children: Node[] = [];

  constructor(
    readonly src: string,
    readonly id: number,
    readonly type: string,
    readonly isNamed: boolean,
    readonly isMissing: boolean,
    readonly startIndex: number,
    readonly endIndex: number,
    /** The field this node fills in its parent (name, value, body, ...). */
    readonly field: string | null,
    readonly parent: Node | null,
  ) {}

  get isError(): boolean {
    return this.type === 'ERROR';
  }

  get text(): string {
    return this.src.slice(this.startIndex, this.endIndex);
  }
}

function copyTree(tree: Tree, src: string): Node {
  const cursor = tree.walk();
  let nextId = 0;
  const copy = (parent: Node | null): Node => {
    const n = new Node(src, nextId++, cursor.nodeType, cursor.nodeIsNamed, cursor.nodeIsMissing, cursor.startIndex, cursor.endIndex, cursor.currentFieldName, parent);
    if (cursor.gotoFirstChild()) {
      do n.children.push(copy(n)); while (cursor.gotoNextSibling());
      cursor.gotoParent();
    }
    n.hasError = n.isError || n.isMissing || n.children.some((c) => c.hasError);
    return n;
  };
  try {
    return copy(null);
  } finally {
    cursor.delete();
  }
}

function kids(n: Node): Node[] {
  return n.children;
}

function named(n: Node): Node[] {
  return n.children.filter((c) => c.isNamed);
}

function field(n: Node, name: string): Node | null {
  return n.children.find((c) => c.field === name) ?? null;
}

function fields(n: Node, name: string): Node[] {
  return n.children.filter((c) => c.field === name);
}

/** 1-based line of `offset` in `text`. */
function lineOf(text: string, offset: number): number {
  let line = 1;
  for (let k = 0; k < offset && k < text.length; k++) if (text.charCodeAt(k) === 10) line++;
  return line;
}

const COMPLETE = /^(command|list|pipeline|redirected_statement|variable_assignments?|declaration_command|unset_command|\w+_statement|function_definition|subshell|compound_statement|comment|test_command|negated_command)$/;

/**
 * Where the grammar gave up: the first innermost ERROR or MISSING node; in an
 * ERROR that swallowed complete statements, its first child that is not one.
 */
function errorOffset(n: Node): number | undefined {
  if (!n.hasError && !n.isMissing) return undefined;
  for (const c of kids(n)) {
    const inner = errorOffset(c);
    if (inner !== undefined) return inner;
  }
  if (n.isMissing) return n.startIndex;
  if (!n.isError) return undefined;
  return (kids(n).find((c) => !COMPLETE.test(c.type)) ?? n).startIndex;
}

const ARITH_ASSIGN = new Set(['=']);
const SAFE_EXPANSION_OPS = new Set([':-', '-', ':=', '=', ':+', '+', ':?', '?']);
const DECLARATIONS = new Set(['export', 'local', 'declare', 'typeset', 'readonly']);

interface ListState {
  /** After `&&` / `||`: runs only sometimes. */
  cond: boolean;
  /** In a pipeline (a subshell of its own). */
  piped: boolean;
}

class TreeReader {
  readonly context: ContextMap;
  readonly commands: SimpleCommand[] = [];
  readonly frames: Frame[] = [];
  readonly stack: Frame[] = [];
  readonly reads: VarRead[] = [];
  readonly assigns: VarAssign[] = [];
  readonly opaque: ScriptFacts['opaque'] = [];
  readonly problems: string[] = [];
  readonly backgrounds: number[] = [];
  private nextId = 1;
  private state: ListState = { cond: false, piped: false };
  /** Inside backticks: the context stays 'backtick' (escapes work differently there). */
  private backtick = false;

  constructor(readonly s: string) {
    this.context = new ContextMap(s.length);
  }

  private mark(from: number, to: number, ctx: QuoteContext): void {
    if (this.backtick) return;
    this.context.mark(from, to, ctx);
  }

  private push(kind: FrameKind, start: number, name?: string): Frame {
    const f: Frame = { id: this.nextId++, kind, start, end: this.s.length, name };
    this.frames.push(f);
    this.stack.push(f);
    return f;
  }

  private pop(end: number): Frame {
    const f = this.stack.pop()!;
    f.end = end;
    return f;
  }

  private frameIds(): number[] {
    return [0, ...this.stack.map((f) => f.id)];
  }

  private read(name: string, offset: number, safe: boolean): void {
    this.reads.push({ name, offset, safe, frames: this.frameIds() });
  }

  private assign(name: string, offset: number): void {
    this.assigns.push({ name, offset, frame: this.stack[this.stack.length - 1]?.id ?? 0, definite: !this.state.cond && !this.state.piped });
  }

  private withState<T>(state: Partial<ListState>, f: () => T): T {
    const saved = this.state;
    this.state = { ...saved, ...state };
    try { return f(); } finally { this.state = saved; }
  }

  private word(n: Node): Word {
    const text = this.s.slice(n.startIndex, n.endIndex);
    const inner = named(n);
    const leaf = n.type === 'command_name' && inner.length === 1 ? inner[0]! : n;
    const plain = (leaf.type === 'word' || leaf.type === 'number') && !/[\\'"$`]/.test(text);
    return { text, start: n.startIndex, end: n.endIndex, plain };
  }

  private visitChildren(n: Node): void {
    for (const c of kids(n)) this.visit(c);
  }

  /** A list of statements (`;`, newline and `&` separated). */
  private statements(nodes: Node[]): void {
    let since = this.assigns.length;
    for (const c of nodes) {
      if (c.type === '&') {
        const frame = this.stack[this.stack.length - 1]?.id ?? 0;
        for (let k = since; k < this.assigns.length; k++) if (this.assigns[k]!.frame === frame) this.assigns[k]!.definite = false;
        this.backgrounds.push(c.startIndex);
      }
      if (!c.isNamed) continue;
      since = this.assigns.length;
      this.visit(c);
    }
  }

  /**
   * Known grammar faults (tree-sitter-bash issues #306, #315): in `$A:$B`,
   * `X=$P:$HOME/b` or `/x/$1` the second `$` comes out as a bare token and
   * the name after it as a word of its own (even as a new command). A bare
   * `$` before a name is always an expansion in bash, so such a tree is wrong.
   */
  readonly misparsed: number[] = [];

  visit(n: Node): void {
    if (n.isError) { this.visitChildren(n); return; }
    if (n.type === 'concatenation' || n.type === 'command_name') {
      for (const c of kids(n)) if (c.type === '$' && !c.isNamed && /[A-Za-z0-9_{(@*#?$!-]/.test(this.s[c.endIndex] ?? '')) this.misparsed.push(c.startIndex);
    }
    switch (n.type) {
      case 'program': this.statements(kids(n)); return;
      case 'comment': this.mark(n.startIndex, n.endIndex, 'comment'); return;
      case 'command': this.command(n); return;
      case 'declaration_command': case 'unset_command': this.declaration(n); return;
      case 'variable_assignment': this.assignment(n); return;
      case 'pipeline': this.pipeline(named(n), false); return;
      case 'list': this.list(n); return;
      case 'subshell': this.nested(n, 'subshell'); return;
      case 'compound_statement':
        if (n.children[0]?.type === '((') { this.arith(n); return; }
        this.nested(n, 'group');
        return;
      case 'function_definition': this.functionDefinition(n); return;
      case 'if_statement': this.ifStatement(n); return;
      case 'while_statement': case 'until_statement': this.loop(n); return;
      case 'for_statement': case 'select_statement': this.forLoop(n); return;
      case 'c_style_for_statement': this.cFor(n); return;
      case 'case_statement': this.caseStatement(n); return;
      case 'redirected_statement': this.redirected(n); return;
      case 'heredoc_body': this.mark(n.startIndex, n.endIndex, 'heredoc'); this.visitChildren(n); return;
      case 'string': case 'translated_string':
        this.mark(n.startIndex + (n.type === 'string' ? 1 : 2), n.endIndex - 1, 'double');
        this.visitChildren(n);
        return;
      case 'raw_string': this.mark(n.startIndex + 1, n.endIndex - 1, 'single'); return;
      case 'ansi_c_string': this.mark(n.startIndex + 2, n.endIndex - 1, 'ansi'); return;
      case 'simple_expansion': this.simpleExpansion(n); return;
      case 'expansion': this.expansion(n); return;
      case 'command_substitution': this.substitution(n); return;
      case 'process_substitution': this.nested(n, 'cmdsubst'); return;
      case 'arithmetic_expansion': this.arith(n); return;
      default: this.visitChildren(n);
    }
  }

  // ---- commands ----------------------------------------------------------

  private command(n: Node): void {
    const c: SimpleCommand = { assigns: [], words: [], start: n.startIndex, end: n.endIndex, frames: [...this.stack] };
    for (const k of named(n)) {
      if (!k) continue;
      if (k.type === 'variable_assignment' && c.words.length === 0) c.assigns.push(this.word(k));
      else if (k.type === 'command_name' || k.field === 'argument') c.words.push(this.word(k));
    }
    // Prefix assignments apply to the command only: visit their values, not as assignments.
    for (const k of kids(n)) {
      if (k.type === 'variable_assignment' && c.words.length) { const v = field(k, 'value'); if (v) this.visit(v); } else this.visit(k);
    }
    this.builtinEffects(c);
    this.commands.push(c);
  }

  private declaration(n: Node): void {
    const c: SimpleCommand = { assigns: [], words: kids(n).filter((k) => k.type !== 'comment').map((k) => this.word(k)), start: n.startIndex, end: n.endIndex, frames: [...this.stack] };
    const keyword = n.children[0]?.type ?? '';
    for (const k of named(n)) {
      if (!k) continue;
      if (keyword === 'unset') {
        if (NAME.test(k.text) && !k.text.startsWith('-')) this.opaque.push({ reason: `unsets ${k.text}`, offset: n.startIndex, name: k.text });
        this.visit(k);
      } else if (k.type === 'variable_assignment') this.assignment(k);
      else this.visit(k);
    }
    if (!DECLARATIONS.has(keyword) && keyword !== 'unset') this.builtinEffects(c);
    this.commands.push(c);
  }

  private assignment(n: Node): void {
    const value = field(n, 'value');
    if (value) this.visit(value);
    for (const k of kids(n)) if (k.type === 'subscript') this.visitChildren(k);
    const m = ASSIGNMENT.exec(this.s.slice(n.startIndex, n.endIndex));
    if (m) this.assign(m[1]!, n.endIndex);
  }

  private builtinEffects(c: SimpleCommand): void {
    const effects = builtinEffects(c);
    for (const n of effects.assigns) this.assign(n, effects.at);
    this.opaque.push(...effects.opaque);
  }

  /**
   * Pipeline elements each run in a subshell: the first one's assignments are
   * not definite; the second and later run in a 'pipe' frame of their own
   * (what they assign holds inside that frame only).
   */
  private pipeline(elements: Node[], continued: boolean): void {
    elements.forEach((e, k) => {
      if (k === 0 && !continued) { this.withState({ piped: true }, () => this.visit(e)); return; }
      this.push('pipe', e.startIndex);
      this.withState({ piped: false }, () => this.visit(e));
      this.pop(e.endIndex);
    });
  }

  private list(n: Node): void {
    let cond = this.state.cond;
    for (const c of kids(n)) {
      if (c.type === '&&' || c.type === '||') { cond = true; continue; }
      this.withState({ cond }, () => this.visit(c));
    }
  }

  /** A frame of its own around the node's statements (subshell, group, substitution). */
  private nested(n: Node, kind: FrameKind, name?: string): void {
    this.push(kind, n.startIndex, name);
    this.withState({ cond: false, piped: false }, () => this.statements(kids(n)));
    this.pop(n.endIndex);
  }

  private substitution(n: Node): void {
    if (n.children[0]?.type === '`') {
      this.mark(n.startIndex + 1, n.endIndex - 1, 'backtick');
      const saved = this.backtick;
      this.backtick = true;
      this.nested(n, 'cmdsubst');
      this.backtick = saved;
      return;
    }
    this.mark(n.startIndex, n.endIndex, 'none');
    this.nested(n, 'cmdsubst');
  }

  private functionDefinition(n: Node): void {
    const name = field(n, 'name')?.text;
    const body = field(n, 'body');
    if (!body) return;
    this.nested(body, 'func', name);
    for (const c of kids(n)) if (c.type === 'file_redirect' || c.type === 'herestring_redirect') this.visit(c);
  }

  private ifStatement(n: Node): void {
    const ifFrame = this.push('if', n.startIndex);
    const branchDefs: Set<string>[] = [];
    let branch: Frame | undefined;
    const closeBranch = (end: number) => {
      if (!branch) return;
      this.pop(end);
      const id = branch.id;
      branchDefs.push(new Set(this.assigns.filter((a) => a.frame === id && a.definite).map((a) => a.name)));
      branch = undefined;
    };
    const clause = (nodes: Node[]) => {
      for (const c of nodes) {
        if (c.type === 'then') { branch = this.push('branch', c.startIndex); continue; }
        if (c.type === 'if' || c.type === 'elif' || c.type === 'else' || c.type === ';' || c.type === '&' || c.type === '\n') continue;
        if (c.type === 'elif_clause') { closeBranch(c.startIndex); clause(kids(c)); closeBranch(c.endIndex); continue; }
        if (c.type === 'else_clause') {
          closeBranch(c.startIndex);
          ifFrame.hasElse = true;
          branch = this.push('branch', c.startIndex);
          clause(kids(c).slice(1));
          closeBranch(c.endIndex);
          continue;
        }
        if (c.type === 'fi') { closeBranch(c.startIndex); continue; }
        this.visit(c);
      }
    };
    clause(kids(n));
    closeBranch(n.endIndex);
    ifFrame.branchDefs = branchDefs;
    this.pop(n.endIndex);
    if (ifFrame.hasElse && branchDefs.length) {
      const [firstDefs, ...rest] = branchDefs;
      for (const name of firstDefs!) if (rest.every((d) => d.has(name))) this.assign(name, n.endIndex);
    }
  }

  private doGroup(body: Node | null, forVar?: string): void {
    if (!body) return;
    this.push('do', body.startIndex);
    if (forVar) this.assign(forVar, body.startIndex + 2);
    this.withState({ cond: false, piped: false }, () => this.statements(kids(body)));
    this.pop(body.endIndex);
  }

  private loop(n: Node): void {
    this.push('loop', n.startIndex);
    for (const c of kids(n)) if (c.type !== 'do_group') this.visit(c);
    this.doGroup(field(n, 'body'));
    this.pop(n.endIndex);
  }

  private forLoop(n: Node): void {
    this.push('loop', n.startIndex);
    const variable = field(n, 'variable')?.text;
    for (const c of fields(n, 'value')) if (c) this.visit(c);
    this.doGroup(field(n, 'body'), variable && NAME.test(variable) ? variable : undefined);
    this.pop(n.endIndex);
  }

  private cFor(n: Node): void {
    this.push('loop', n.startIndex);
    for (const c of kids(n)) if (c.type !== 'do_group' && c.type !== 'compound_statement') this.arithNode(c);
    this.doGroup(field(n, 'body'));
    this.pop(n.endIndex);
  }

  private caseStatement(n: Node): void {
    const value = field(n, 'value');
    if (value) this.visit(value);
    this.push('case', n.startIndex);
    for (const item of named(n)) {
      if (item?.type !== 'case_item') continue;
      const patterns = new Set(fields(item, 'value').map((p) => p?.id));
      const body = kids(item).filter((c) => !patterns.has(c.id) && c.type !== ')' && c.type !== '(' && c.type !== '|' && c.type !== ';;' && c.type !== ';&' && c.type !== ';;&');
      for (const c of kids(item)) if (patterns.has(c.id)) this.visit(c);
      this.push('case-item', item.startIndex);
      this.withState({ cond: false, piped: false }, () => this.statements(body));
      this.pop(item.endIndex);
    }
    this.pop(n.endIndex);
  }

  /**
   * `cmd <<EOF | next && more`: the grammar hangs the rest of the line under
   * the heredoc redirect; it still belongs to the statement's pipeline/list.
   */
  private redirected(n: Node): void {
    const heredocs = kids(n).filter((c) => c.type === 'heredoc_redirect');
    const piped = heredocs.some((h) => kids(h).some((c) => c.type === 'pipeline' || c.type === '|' || c.type === '|&'));
    const body = field(n, 'body');
    if (body) this.withState(piped ? { piped: true } : {}, () => this.visit(body));
    for (const c of kids(n)) {
      if (c.id === body?.id) continue;
      if (c.type !== 'heredoc_redirect') { this.visit(c); continue; }
      const quoted = /['"\\]/.test(kids(c).find((k) => k.type === 'heredoc_start')?.text ?? '');
      let cond = this.state.cond;
      let pipeNext = false;
      for (const k of kids(c)) {
        if (k.type === '&&' || k.type === '||') { cond = true; continue; }
        if (k.type === '|' || k.type === '|&') { pipeNext = true; continue; }
        if (k.type === 'heredoc_body') {
          if (quoted) this.mark(k.startIndex, k.endIndex, 'heredoc-literal');
          else this.visit(k);
          continue;
        }
        if (k.type === 'heredoc_start' || k.type === 'heredoc_end' || !k.isNamed) continue;
        if (k.type === 'pipeline') {
          const elements = named(k);
          this.withState({ cond }, () => this.pipeline(elements, k.children[0]?.type === '|' || k.children[0]?.type === '|&'));
          continue;
        }
        if (pipeNext) { this.withState({ cond }, () => this.pipeline([k], true)); pipeNext = false; continue; }
        this.withState({ cond }, () => this.visit(k));
      }
    }
  }

  // ---- expansions ----------------------------------------------------------

  private simpleExpansion(n: Node): void {
    const v = named(n)[0];
    if (!v) return;
    const name = v.text;
    if (v.type === 'variable_name') this.read(name, n.startIndex, name === '_' || name === '0');
    else if (name === '!') this.read('!', n.startIndex, false);
    else if (/^[0-9]$/.test(name)) this.read(name, n.startIndex, name === '0');
  }

  private expansion(n: Node): void {
    const inDouble = this.insideDouble(n);
    this.mark(n.startIndex, n.endIndex, inDouble ? 'param-double' : 'param');
    const parts = kids(n);
    let k = 1;
    let length = false;
    let indirect = false;
    if (parts[k]?.type === '#' && parts[k + 1] && parts[k + 1]!.type !== '}') { length = true; k++; }
    else if (parts[k]?.type === '!' && parts[k + 1] && parts[k + 1]!.type !== '}') { indirect = true; k++; }
    const target = parts[k];
    let name: string | undefined;
    if (target?.type === 'variable_name' || target?.type === 'special_variable_name') name = target.text;
    else if (target?.type === 'subscript') name = field(target, 'name')?.text ?? named(target)[0]?.text;
    const op = parts[k + 1]?.type ?? '';
    const safe = !length && SAFE_EXPANSION_OPS.has(op);
    if (indirect) this.opaque.push({ reason: `uses indirect expansion \${!${name ?? ''}}`, offset: n.startIndex });
    else if (name && !isSpecialParam(name)) this.read(name, n.startIndex, safe || name === '0');
    for (const c of parts) {
      if (c.id === target?.id && c.type !== 'subscript') continue;
      if (c.type === 'subscript') { for (const s of named(c).slice(1)) if (s) this.arithNode(s); continue; }
      this.visit(c);
    }
  }

  private insideDouble(n: Node): boolean {
    for (let p = n.parent; p; p = p.parent) {
      if (p.type === 'string' || p.type === 'heredoc_body' || p.type === 'translated_string') return true;
      if (p.type === 'command_substitution' || p.type === 'process_substitution' || p.type === 'raw_string') return false;
    }
    return false;
  }

  /** `$(( ))`, `(( ))`, c-style for headers: bare names are reads, `name = ..` an assignment. */
  private arith(n: Node): void {
    this.mark(n.startIndex, n.endIndex, 'arith');
    for (const c of kids(n)) this.arithNode(c);
  }

  private arithNode(n: Node): void {
    if (!n.isNamed) return;
    switch (n.type) {
      case 'variable_name': case 'word':
        if (NAME.test(n.text)) this.read(n.text, n.startIndex, false);
        else this.visit(n);
        return;
      case 'binary_expression': {
        const left = field(n, 'left');
        const op = field(n, 'operator')?.type ?? kids(n)[1]?.type;
        if (left && (left.type === 'variable_name' || left.type === 'word') && NAME.test(left.text) && ARITH_ASSIGN.has(op ?? '')) {
          for (const c of kids(n)) if (c.id !== left.id) this.arithNode(c);
          this.assign(left.text, left.endIndex);
          return;
        }
        for (const c of kids(n)) this.arithNode(c);
        return;
      }
      case 'variable_assignment': {
        const value = field(n, 'value');
        if (value) this.arithNode(value);
        const name = field(n, 'name')?.text;
        if (name && NAME.test(name)) this.assign(name, field(n, 'name')!.endIndex);
        return;
      }
      case 'simple_expansion': case 'expansion': case 'command_substitution': case 'string': case 'raw_string': case 'arithmetic_expansion':
        this.visit(n);
        return;
      default:
        for (const c of kids(n)) this.arithNode(c);
    }
  }
}

/**
 * Facts of recent scripts: the engine runs every transform on every pass, and
 * deploy recognition reads each step's script again for each of them. Facts
 * are never modified after they are made, so one object serves every reader.
 */
const recent = new Map<string, ScriptFacts>();
/** Script characters kept (a fact set costs a few bytes per character). */
const RECENT_CHARS = 8_000_000;
let recentChars = 0;

/** Read a script once; every fix asks its questions of the result. */
export function analyseScript(script: string): ScriptFacts {
  const known = recent.get(script);
  if (known) return known;
  const facts = readScript(script);
  while (recent.size && recentChars + script.length > RECENT_CHARS) {
    const [oldest] = recent.keys();
    recentChars -= oldest!.length;
    recent.delete(oldest!);
  }
  recent.set(script, facts);
  recentChars += script.length;
  return facts;
}

/**
 * The scripts whose facts are held (each read once): scripts/shell-cost.mjs
 * re-reads them to measure what the reader costs a run.
 */
export function cachedScripts(): string[] {
  return [...recent.keys()];
}

/** Read a script, uncached (analyseScript is the cached entry point). */
export function readScript(script: string): ScriptFacts {
  const masked = maskExpressions(script);
  const tree = bashParser().parse(masked);
  if (!tree) throw new Error('the bash grammar returned no tree');
  let root: Node;
  try {
    root = copyTree(tree, masked);
  } finally {
    tree.delete();
  }
  const r = new TreeReader(masked);
  r.visit(root);
  const error = errorOffset(root);
  const misparsed = [error, ...r.misparsed].filter((o): o is number => o !== undefined).sort((a, b) => a - b)[0];
  if (misparsed !== undefined) r.problems.unshift(`bash grammar could not parse line ${lineOf(masked, misparsed)}`);
  const expressions = findExpressions(script).map(({ start, end, text }) => ({ start, end, text }));
  return {
    script,
    contextAt: (offset) => r.context.at(offset),
    commands: r.commands,
    frames: r.frames,
    reads: r.reads.sort((a, b) => a.offset - b.offset),
    assigns: r.assigns,
    opaque: r.opaque,
    problems: r.problems,
    backgrounds: r.backgrounds,
    expressions,
  };
}
