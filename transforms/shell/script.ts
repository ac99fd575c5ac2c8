/**
 * What the fixes know about a `run:` script (ScriptFacts), filled in by
 * shell/syntax.ts from the tree-sitter-bash tree:
 * - the simple commands, their words and the compound commands around them
 *   (loops, if branches, functions, subshells, pipelines), for deploy-retry;
 * - which variables the script reads, in which form (`$X` vs the safe
 *   `${X:-..}`), and where it assigns them, for strict-shell's `-u` decision;
 * - the quoting context at every offset (unquoted, "double", 'single',
 *   heredoc, comment, ...), for expression-injection.
 * Plus the one mask of GitHub `${{ }}` expressions applied before parsing
 * (they are template text, not shell), and small questions over the facts.
 */

import { findExpressions } from './expr-lexer.js';

export type QuoteContext =
  | 'none' | 'double' | 'single' | 'ansi' | 'comment' | 'heredoc' | 'heredoc-literal'
  | 'backtick' | 'arith' | 'param' | 'param-double';

export type FrameKind = 'if' | 'branch' | 'loop' | 'do' | 'case' | 'case-item' | 'group' | 'func' | 'subshell' | 'cmdsubst' | 'pipe';

export interface Frame {
  id: number;
  kind: FrameKind;
  start: number;
  end: number;
  /** Function name (func frames). */
  name?: string;
  /** if frames: an else branch was seen. */
  hasElse?: boolean;
  /** if frames: names every branch assigned unconditionally. */
  branchDefs?: Set<string>[];
}

export interface Word {
  text: string;
  start: number;
  end: number;
  /** Contains quotes, escapes or expansions (so it is not a literal keyword/name). */
  plain: boolean;
}

export interface SimpleCommand {
  /** Prefix assignments (`A=1 cmd`) followed by the command words. */
  assigns: Word[];
  words: Word[];
  start: number;
  end: number;
  /** Enclosing frames, outermost first. */
  frames: Frame[];
}

export interface VarRead {
  name: string;
  offset: number;
  /** `${X:-..}`, `${X-..}`, `${X:=..}`, `${X+..}`, `${X:?..}` ...: no -u failure. */
  safe: boolean;
  frames: number[];
}

export interface VarAssign {
  name: string;
  /** Where the assignment has taken effect (end of the assigning word). */
  offset: number;
  frame: number;
  /** Happens whenever the frame runs (not after && / ||, not in a pipeline or background). */
  definite: boolean;
}

export interface ScriptFacts {
  script: string;
  /** Quote context at an offset of the script. */
  contextAt(offset: number): QuoteContext;
  commands: SimpleCommand[];
  frames: Frame[];
  reads: VarRead[];
  assigns: VarAssign[];
  /** Things that make variable use unknowable: eval, source, indirect expansion, unset. */
  opaque: { reason: string; offset: number; name?: string }[];
  /** Places the reader could not follow (unterminated quotes, ...). */
  problems: string[];
  /** Offsets of `&` that put a command in the background (they set `$!`). */
  backgrounds: number[];
  /** `${{ ... }}` expressions found in the script. */
  expressions: { start: number; end: number; text: string }[];
}

/**
 * Same-length mask for GitHub expressions (line breaks kept): inert in every
 * shell context. Digits, so the mask is a plain word where a word stands, a
 * number inside arithmetic (`$(( ${{ x }} + 1 ))` still parses), and never a
 * name (no variable read, no assignment).
 */
export function maskExpressions(script: string): string {
  let out = '';
  let at = 0;
  for (const e of findExpressions(script)) {
    out += script.slice(at, e.start) + e.text.replace(/[^\n]/g, '0');
    at = e.end;
  }
  return out + script.slice(at);
}

const SPECIAL_PARAMS = new Set(['@', '*', '#', '?', '$', '!', '-', '0', '_']);
export const ASSIGNMENT = /^([A-Za-z_][A-Za-z0-9_]*)(\[[^\]]*\])?\+?=/;
export const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isSpecialParam(name: string): boolean {
  return SPECIAL_PARAMS.has(name);
}

export function isPositional(name: string): boolean {
  return /^[1-9][0-9]*$/.test(name);
}

/**
 * What a builtin does to variables: the names `read`, `mapfile`, `printf -v`
 * and `getopts` assign (in effect at `at`, the end of the command), and
 * `source` / `eval`, which make variable use unknowable.
 */
export function builtinEffects(c: SimpleCommand): { assigns: string[]; at: number; opaque: ScriptFacts['opaque'] } {
  const out: { assigns: string[]; at: number; opaque: ScriptFacts['opaque'] } = { assigns: [], at: c.end, opaque: [] };
  const [first, ...args] = c.words;
  if (!first?.plain) return out;
  out.at = c.words[c.words.length - 1]!.end;
  const plainArgs = args.filter((w) => w.plain).map((w) => w.text);
  switch (first.text) {
    case 'read': {
      const withArg = new Set(['-d', '-n', '-N', '-p', '-t', '-u', '-i']);
      const names: string[] = [];
      for (let k = 0; k < plainArgs.length; k++) {
        const a = plainArgs[k]!;
        if (a === '-a' && plainArgs[k + 1]) { names.push(plainArgs[++k]!); continue; }
        if (withArg.has(a)) { k++; continue; }
        if (a.startsWith('-')) continue;
        if (NAME.test(a)) names.push(a);
      }
      if (!names.length) names.push('REPLY');
      out.assigns.push(...names);
      break;
    }
    case 'mapfile': case 'readarray': {
      const last = plainArgs.filter((a, k) => !a.startsWith('-') && !['-d', '-n', '-O', '-s', '-u', '-C', '-c'].includes(plainArgs[k - 1] ?? '')).pop();
      out.assigns.push(last && NAME.test(last) ? last : 'MAPFILE');
      break;
    }
    case 'printf': {
      const k = plainArgs.indexOf('-v');
      if (k >= 0 && plainArgs[k + 1] && NAME.test(plainArgs[k + 1]!)) out.assigns.push(plainArgs[k + 1]!);
      break;
    }
    case 'getopts':
      if (plainArgs[1] && NAME.test(plainArgs[1])) out.assigns.push(plainArgs[1]);
      break;
    case 'source': case '.':
      out.opaque.push({ reason: `sources ${args[0]?.text ?? 'a file'}, which may read unset variables`, offset: first.start });
      break;
    case 'eval':
      out.opaque.push({ reason: 'uses eval', offset: first.start });
      break;
  }
  return out;
}

const CONTEXTS: readonly QuoteContext[] = ['none', 'double', 'single', 'ansi', 'comment', 'heredoc', 'heredoc-literal', 'backtick', 'arith', 'param', 'param-double'];

/** Quote contexts of every offset, one byte each (scripts' facts are kept for reuse). */
export class ContextMap {
  private readonly codes: Uint8Array;

  constructor(length: number) {
    this.codes = new Uint8Array(length);
  }

  mark(from: number, to: number, ctx: QuoteContext): void {
    this.codes.fill(CONTEXTS.indexOf(ctx), Math.max(0, from), Math.min(to, this.codes.length));
  }

  at(offset: number): QuoteContext {
    return CONTEXTS[this.codes[offset] ?? 0]!;
  }
}

/** Every variable name the script reads or assigns (to keep new names clear of them). */
export function namesUsed(facts: ScriptFacts): Set<string> {
  return new Set([...facts.reads.map((r) => r.name), ...facts.assigns.map((a) => a.name)]);
}

/** The script assigns `name` definitely before `read`, in a frame that encloses the read. */
export function assignedBefore(facts: ScriptFacts, read: VarRead): boolean {
  return facts.assigns.some((a) => a.name === read.name && a.definite && a.offset <= read.offset && read.frames.includes(a.frame));
}
