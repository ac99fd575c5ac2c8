/**
 * What the generator-source transforms share: parsing with jscodeshift, the
 * source-transform contract (same meta/findings as the YAML transforms), a
 * fixed-point runner that splices edits by node range (so nothing outside an
 * edit is reprinted), list/property edit helpers that copy the neighbours'
 * indentation, quotes and trailing commas, import handling, role choice, and
 * the `aws-actions/configure-aws-credentials` step-object fix.
 */
import type { Collection, JSCodeshift } from 'jscodeshift';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { defaultConfig, findConfigFile, loadConfigFile, type Config } from '../../src/config.js';
import type { ReportedFinding } from '../../src/workflow/engine.js';
import { applyEdits, overlapsAny, type TextEdit } from '../../src/workflow/edits.js';
import { positionAt } from '../../src/workflow/lines.js';
import { decodeSource, encodeSource } from '../../src/workflow/source.js';
import { EditRefused } from '../../src/workflow/primitives.js';
import type { Finding, TransformMeta } from '../../src/transform.js';
import {
  CONFIGURE_ACTION, DEFAULT_ROLE_EXPRESSION, isCrossAccountRole, isShaPin, KEY_ENV_VARS, KEY_INPUTS, roleNote, type RoleChoice,
} from '../shared/aws.js';

// jscodeshift's AST types are loose unions; the helpers below read `start`/`end`
// and a few well-known fields, for both the ts (Babel AST) and babel (ESTree) parsers.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type Node = any;

export type Quote = "'" | '"';

export interface SourceContext {
  text: string;
  path: string;
  config: Config;
  j: JSCodeshift;
  root: Collection;
  quote: Quote;
  /** `.ts`/`.tsx`/`.mts`/`.cts` (type annotations, enums must be used for projen permissions). */
  typescript: boolean;
}

export interface SourceFix {
  edits: TextEdit[];
}

export interface SourceTransform {
  meta: TransformMeta;
  /** Does this transform own the file at all (e.g. it imports the generator library)? */
  applies(ctx: SourceContext): boolean;
  find(ctx: SourceContext): Finding[];
  /** Edits for one finding; throw EditRefused to report it as not fixed. */
  fix(ctx: SourceContext, finding: Finding): SourceFix | undefined;
  /** After the fixed point: edits that depend on the whole result (imports). */
  finish?(ctx: SourceContext): TextEdit[];
  /** Notes for the whole file (e.g. library version too old), given the findings. */
  fileNotes?(ctx: SourceContext, findings: readonly Finding[]): string[];
}

export interface SourceOutcome {
  status: 'unchanged' | 'changed' | 'error';
  reason?: string;
  findings: ReportedFinding[];
  original: string;
  output: string;
}

/**
 * jscodeshift and its own parser table (parser/ts, parser/tsx, parser/babel5Compat: @babel/parser with its
 * options), loaded on the first generator source: about 70 ms of start-up (recast, ast-types, babel) that a run
 * over workflows only does not pay.
 */
let loaded: { jscodeshift: JSCodeshift; getParser: (name: string) => { parse(text: string): unknown } } | undefined;
function jscodeshiftLibrary(): NonNullable<typeof loaded> {
  if (!loaded) {
    const require = createRequire(import.meta.url);
    loaded = {
      jscodeshift: require('jscodeshift') as JSCodeshift,
      getParser: require('jscodeshift/src/getParser.js') as (name: string) => { parse(text: string): unknown },
    };
  }
  return loaded;
}

export const MAX_PASSES = 10;
export const MIN_CONFIGURE_MAJOR = 4;

// ---------------------------------------------------------------- parsing

export function parserFor(path: string): 'ts' | 'tsx' | 'babel' {
  if (/\.tsx$/i.test(path)) return 'tsx';
  if (/\.[mc]?ts$/i.test(path)) return 'ts';
  return 'babel';
}

export function isTypeScriptPath(path: string): boolean {
  return /\.[mc]?tsx?$/i.test(path);
}

/**
 * Parse with jscodeshift's parser for the file, straight from the text; throws
 * on a syntax error. Not `j(text)`: recast parses a copy with leading tabs
 * expanded and line ends rewritten to `\n`, so its node offsets do not match
 * the bytes of a tab-indented or CRLF file, and edits spliced at them land in
 * the wrong place.
 */
export function parseSource(text: string, path: string): { j: JSCodeshift; root: Collection } {
  const parser = parserFor(path);
  const { jscodeshift, getParser } = jscodeshiftLibrary();
  const j = jscodeshift.withParser(parser);
  return { j, root: j(getParser(parser).parse(text) as Node) };
}

/** Does the text still parse with the TypeScript (or, for .js, Babel) parser? */
export function parseError(text: string, path: string): string | undefined {
  try {
    parseSource(text, path);
    return undefined;
  } catch (e) {
    return (e as Error).message.split('\n')[0];
  }
}

export function makeContext(text: string, path: string, config: Config): SourceContext {
  const { j, root } = parseSource(text, path);
  return { text, path, config, j, root, quote: quoteStyle(text, j, root), typescript: isTypeScriptPath(path) };
}

// ---------------------------------------------------------------- AST reading

export function isStringNode(n: Node): boolean {
  return !!n && (n.type === 'StringLiteral' || (n.type === 'Literal' && typeof n.value === 'string'));
}

/** Value of a string literal or an expression-free template literal. */
export function stringValue(n: Node): string | undefined {
  if (!n) return undefined;
  if (isStringNode(n)) return n.value as string;
  if (n.type === 'TemplateLiteral' && n.expressions.length === 0) return n.quasis[0]?.value?.cooked ?? undefined;
  return undefined;
}

export function isObject(n: Node): boolean {
  return !!n && n.type === 'ObjectExpression';
}

/** Plain `key: value` properties (no spreads, methods, computed keys). */
export function properties(obj: Node): Node[] {
  return (obj?.properties ?? []).filter((p: Node) =>
    (p.type === 'ObjectProperty' || (p.type === 'Property' && p.kind === 'init' && !p.method)) && !p.computed);
}

export function keyName(prop: Node): string | undefined {
  const k = prop?.key;
  if (!k) return undefined;
  if (k.type === 'Identifier') return k.name;
  return stringValue(k);
}

export function getProp(obj: Node, name: string): Node | undefined {
  return properties(obj).find((p) => keyName(p) === name);
}

export function propValue(obj: Node, name: string): Node | undefined {
  return getProp(obj, name)?.value;
}

export function src(ctx: { text: string }, n: Node): string {
  return ctx.text.slice(n.start, n.end);
}

/** Strip TS wrappers: `x!`, `x as T`, `<T>x`, `x satisfies T`, parentheses. */
export function unwrap(n: Node): Node {
  while (n && ['TSNonNullExpression', 'TSAsExpression', 'TSTypeAssertion', 'TSSatisfiesExpression', 'ParenthesizedExpression'].includes(n.type)) {
    n = n.expression;
  }
  return n;
}

/** `a.b` / `a?.b` property name. */
export function memberName(n: Node): string | undefined {
  n = unwrap(n);
  if (!n || (n.type !== 'MemberExpression' && n.type !== 'OptionalMemberExpression') || n.computed) return undefined;
  return n.property?.type === 'Identifier' ? n.property.name : stringValue(n.property);
}

export function isCall(n: Node): boolean {
  return !!n && (n.type === 'CallExpression' || n.type === 'OptionalCallExpression');
}

/** Path parents of a node collected by jscodeshift (NodePath). */
export function parentNode(path: Node): Node {
  return path.parentPath?.node;
}

// ---------------------------------------------------------------- style

/** The file's dominant string quote (from its existing literals). */
export function quoteStyle(text: string, j: JSCodeshift, root: Collection): Quote {
  let single = 0;
  let double = 0;
  const count = (n: Node) => {
    const c = text[n.start];
    if (c === "'") single++;
    else if (c === '"') double++;
  };
  root.find(j.StringLiteral).forEach((p) => count(p.node));
  root.find(j.Literal).forEach((p) => { if (typeof (p.node as Node).value === 'string') count(p.node); });
  return double > single ? '"' : "'";
}

/** A JS string literal for `s` in the given quote style. */
export function lit(s: string, q: Quote): string {
  const body = s.replace(/\\/g, '\\\\').replace(/\r/g, '\\r').replace(/\n/g, '\\n').split(q).join(`\\${q}`);
  return `${q}${body}${q}`;
}

/** A property key as the file would write it: bare identifier when possible. */
export function keyText(name: string, q: Quote): string {
  return /^[A-Za-z_$][\w$]*$/.test(name) ? name : lit(name, q);
}

export function lineStart(text: string, pos: number): number {
  return text.lastIndexOf('\n', pos - 1) + 1;
}

export function indentOf(text: string, pos: number): string {
  const s = lineStart(text, pos);
  return /^[ \t]*/.exec(text.slice(s))![0];
}

/** Only whitespace between the line start and `pos`. */
export function startsLine(text: string, pos: number): boolean {
  return /^[ \t]*$/.test(text.slice(lineStart(text, pos), pos));
}

/**
 * The file's indentation unit: a tab when more code lines start with a tab
 * than with spaces, else the most frequent step (in spaces) by which a line
 * is indented deeper than the code line before it. Comment lines (` * ...`
 * of a JSDoc block, `// ...`) and blank lines do not count.
 */
export function indentUnit(text: string): string {
  let tabs = 0;
  let spaced = 0;
  const steps = new Map<number, number>();
  let prev = 0;
  for (const line of text.split(/\r?\n/)) {
    const m = /^([ \t]*)(\S)/.exec(line);
    if (!m || m[2] === '*' || line.slice(m[1]!.length).startsWith('//')) continue;
    const ind = m[1]!;
    if (ind.startsWith('\t')) tabs++;
    else if (ind.length) spaced++;
    if (!ind.includes('\t')) {
      if (ind.length > prev && ind.length - prev <= 8) steps.set(ind.length - prev, (steps.get(ind.length - prev) ?? 0) + 1);
      prev = ind.length;
    }
  }
  if (tabs > spaced) return '\t';
  let best = 2;
  let count = 0;
  for (const [step, n] of steps) if (n > count || (n === count && step < best)) { best = step; count = n; }
  return ' '.repeat(best);
}

/** Position just after `pos` skipping spaces/tabs (not newlines). */
function skipBlanks(text: string, pos: number): number {
  while (pos < text.length && (text[pos] === ' ' || text[pos] === '\t')) pos++;
  return pos;
}

/** Index just after the comma following element `end` (skipping blanks and comments), or -1. */
function commaAfter(text: string, end: number, limit: number): number {
  let i = end;
  while (i < limit) {
    const c = text[i]!;
    if (c === ',') return i + 1;
    if (/\s/.test(c)) { i++; continue; }
    if (text.startsWith('//', i)) { const nl = text.indexOf('\n', i); i = nl < 0 ? limit : nl; continue; }
    if (text.startsWith('/*', i)) { const e = text.indexOf('*/', i + 2); i = e < 0 ? limit : e + 2; continue; }
    return -1;
  }
  return -1;
}

// ---------------------------------------------------------------- list edits

/**
 * Remove `elements[index]` from a comma-separated list (object properties,
 * array elements, import specifiers) ending at `close` (the closing bracket).
 * A whole line goes when the element sits alone on it.
 */
export function removeElement(text: string, elements: readonly Node[], index: number, close: number): TextEdit[] {
  const el = elements[index]!;
  const comma = commaAfter(text, el.end, close);
  const isLast = index === elements.length - 1;
  if (startsLine(text, el.start)) {
    const from = lineStart(text, el.start);
    const afterEl = comma > 0 ? comma : el.end;
    const rest = skipBlanks(text, afterEl);
    const eolComment = text.startsWith('//', rest);
    const lineEnd = text.indexOf('\n', rest);
    if ((text[rest] === '\n' || rest === text.length || eolComment) && lineEnd >= 0 && (comma > 0 || !isLast || index === 0)) {
      const edits: TextEdit[] = [{ start: from, end: lineEnd + 1, text: '' }];
      // Last element without a trailing comma: the previous one's comma must go too.
      if (isLast && comma < 0 && index > 0) {
        const prevComma = commaAfter(text, elements[index - 1]!.end, el.start);
        if (prevComma > 0) edits.push({ start: prevComma - 1, end: prevComma, text: '' });
      }
      return edits;
    }
  }
  if (comma > 0) return [{ start: el.start, end: skipBlanks(text, comma), text: '' }];
  if (index > 0) {
    const prevComma = commaAfter(text, elements[index - 1]!.end, el.start);
    return [{ start: prevComma > 0 ? prevComma - 1 : elements[index - 1]!.end, end: el.end, text: '' }];
  }
  return [{ start: el.start, end: el.end, text: '' }];
}

/**
 * Insert `items` (already rendered, possibly multi-line with `\n` + relative
 * indentation) after `elements[after]` (or at the start when after = -1) of a
 * list opened at `open` and closed at `close`. Multi-line lists get one item
 * per line at the siblings' indentation; trailing-comma style is kept.
 */
export function insertElements(text: string, elements: readonly Node[], after: number, items: readonly string[], open: number, close: number, unit: string): TextEdit {
  const multiline = elements.length
    ? text.slice(open, close).includes('\n') && startsLine(text, elements[0]!.start)
    : text.slice(open, close).includes('\n');
  const last = elements[elements.length - 1];
  const trailing = last ? commaAfter(text, last.end, close) > 0 : false;
  if (multiline) {
    const ind = elements.length ? indentOf(text, elements[0]!.start) : indentOf(text, open) + unit;
    const reindent = (s: string) => s.split('\n').join(`\n${ind}`);
    if (after < 0) {
      const at = elements.length ? lineStart(text, elements[0]!.start) : lineStart(text, close);
      const body = items.map((s) => `${ind}${reindent(s)},\n`).join('');
      if (!elements.length) {
        // `{\n}`: close sits on its own line
        return { start: at, end: at, text: trailing || !elements.length ? body : body };
      }
      return { start: at, end: at, text: body };
    }
    const anchor = elements[after]!;
    const comma = commaAfter(text, anchor.end, close);
    const isLast = after === elements.length - 1;
    if (comma > 0) {
      const body = items.map((s, i) => `\n${ind}${reindent(s)}${i < items.length - 1 || !isLast || trailing ? ',' : ''}`).join('');
      return { start: comma, end: comma, text: body };
    }
    const body = items.map((s, i) => `,\n${ind}${reindent(s)}${i === items.length - 1 && trailing ? ',' : ''}`).join('');
    return { start: anchor.end, end: anchor.end, text: body };
  }
  const flat = items.map((s) => s.replace(/\n\s*/g, ' '));
  if (!elements.length) {
    const inner = text.slice(open + 1, close);
    const pad = inner.length ? ' ' : ' ';
    return { start: open + 1, end: close, text: `${pad}${flat.join(', ')}${pad}` };
  }
  if (after < 0) return { start: elements[0]!.start, end: elements[0]!.start, text: `${flat.join(', ')}, ` };
  const anchor = elements[after]!;
  return { start: anchor.end, end: anchor.end, text: flat.map((s) => `, ${s}`).join('') };
}

/** Remove property `name` from an object literal. */
export function removeProp(text: string, obj: Node, name: string): TextEdit[] {
  const all: Node[] = obj.properties;
  const i = all.findIndex((p) => p === getProp(obj, name));
  return i < 0 ? [] : removeElement(text, all, i, obj.end - 1);
}

/** Insert rendered `key: value` properties after the last property of an object literal. */
export function appendProps(ctx: SourceContext, obj: Node, items: string[]): TextEdit {
  const all: Node[] = obj.properties;
  return insertElements(ctx.text, all, all.length - 1, items, obj.start, obj.end - 1, indentUnit(ctx.text));
}

/** Render a plain object (string values already rendered as source) over several lines. */
export function renderObject(entries: [string, string][], unit: string, q: Quote, trailingComma: boolean): string {
  const body = entries.map(([k, v], i) => `${unit}${keyText(k, q)}: ${v.split('\n').join(`\n${unit}`)}${i < entries.length - 1 || trailingComma ? ',' : ''}`);
  return `{\n${body.join('\n')}\n}`;
}

/** Does the file put a comma after the last property of multi-line object literals? */
export function usesTrailingCommas(ctx: SourceContext): boolean {
  let yes = 0;
  let no = 0;
  ctx.root.find(ctx.j.ObjectExpression).forEach((p) => {
    const o = p.node as Node;
    const last = o.properties[o.properties.length - 1];
    if (!last || !ctx.text.slice(o.start, o.end).includes('\n')) return;
    if (commaAfter(ctx.text, last.end, o.end - 1) > 0) yes++;
    else no++;
  });
  return yes >= no;
}

// ---------------------------------------------------------------- imports

export interface ModuleBinding {
  /** Local name bound to the export (named import or destructured require). */
  named?: string;
  /** Namespace / default / whole-module require local name. */
  namespace?: string;
}

/** How `module` (exactly, or a subpath when `prefix`) is bound in the file. */
export function importedModules(ctx: SourceContext, matches: (source: string) => boolean): { decl: Node; kind: 'import' | 'require' }[] {
  const { j, root } = ctx;
  const out: { decl: Node; kind: 'import' | 'require' }[] = [];
  root.find(j.ImportDeclaration).forEach((p) => {
    const s = stringValue((p.node as Node).source);
    if (s !== undefined && matches(s)) out.push({ decl: p.node, kind: 'import' });
  });
  root.find(j.VariableDeclarator).forEach((p) => {
    const init = unwrap((p.node as Node).init);
    if (isCall(init) && init.callee?.type === 'Identifier' && init.callee.name === 'require' && matches(stringValue(init.arguments[0]) ?? '\u0000')) {
      out.push({ decl: p.node, kind: 'require' });
    }
  });
  return out;
}

/** Local names through which `name` exported by the matched modules is reachable. */
export function bindingsOf(ctx: SourceContext, matches: (source: string) => boolean, name: string): ModuleBinding[] {
  const out: ModuleBinding[] = [];
  for (const { decl, kind } of importedModules(ctx, matches)) {
    if (kind === 'import') {
      for (const s of decl.specifiers ?? []) {
        if (s.type === 'ImportSpecifier' && (s.imported?.name ?? stringValue(s.imported)) === name) out.push({ named: s.local?.name ?? name });
        if (s.type === 'ImportNamespaceSpecifier' || s.type === 'ImportDefaultSpecifier') out.push({ namespace: s.local.name });
      }
    } else if (decl.id?.type === 'ObjectPattern') {
      for (const p of decl.id.properties) {
        if ((p.type === 'ObjectProperty' || p.type === 'Property') && keyName(p) === name && p.value?.type === 'Identifier') out.push({ named: p.value.name });
      }
    } else if (decl.id?.type === 'Identifier') {
      out.push({ namespace: decl.id.name });
    }
  }
  return out;
}

/** Is `name` declared anywhere in the file (import, variable, function, class, enum)? */
export function isBound(ctx: SourceContext, name: string): boolean {
  const { j, root } = ctx;
  if (root.find(j.ImportSpecifier, { local: { name } }).size()) return true;
  if (root.find(j.ImportDefaultSpecifier, { local: { name } }).size()) return true;
  if (root.find(j.ImportNamespaceSpecifier, { local: { name } }).size()) return true;
  if (root.find(j.VariableDeclarator, { id: { name } }).size()) return true;
  let inPattern = false;
  root.find(j.ObjectPattern).forEach((p) => {
    for (const q of (p.node as Node).properties) if (q.value?.type === 'Identifier' && q.value.name === name) inPattern = true;
  });
  if (inPattern) return true;
  for (const t of ['FunctionDeclaration', 'ClassDeclaration', 'TSEnumDeclaration'] as const) {
    if (root.find((j as Node)[t], { id: { name } } as Node).size()) return true;
  }
  return false;
}

/** Is the bare identifier `name` used as `name.x` somewhere? */
export function usesMemberOf(ctx: SourceContext, name: string): boolean {
  const { j, root } = ctx;
  const match = { object: { type: 'Identifier', name } } as Node;
  return root.find(j.MemberExpression, match).size() > 0 || root.find((j as Node).OptionalMemberExpression, match).size() > 0;
}

function endsWithSemicolon(ctx: SourceContext, n: Node): boolean {
  return ctx.text[n.end - 1] === ';';
}

/**
 * An edit that makes `name` from `module` available: extend an import (or a
 * destructuring require) of that module, else add a declaration after the last
 * import/require at the top of the file.
 */
export function ensureNamedImport(ctx: SourceContext, module: string, name: string): TextEdit | undefined {
  if (isBound(ctx, name)) return undefined;
  const unit = indentUnit(ctx.text);
  const mods = importedModules(ctx, (s) => s === module);
  for (const { decl, kind } of mods) {
    if (kind === 'import' && decl.importKind !== 'type') {
      const specs: Node[] = (decl.specifiers ?? []).filter((s: Node) => s.type === 'ImportSpecifier');
      if (!specs.length) continue;
      const open = ctx.text.indexOf('{', decl.start);
      const close = ctx.text.lastIndexOf('}', specs[specs.length - 1].end + ctx.text.slice(specs[specs.length - 1].end, decl.end).indexOf('}'));
      return insertElements(ctx.text, specs, specs.length - 1, [name], open, close, unit);
    }
    if (kind === 'require' && decl.id?.type === 'ObjectPattern' && decl.id.properties.length) {
      const ps: Node[] = decl.id.properties;
      return insertElements(ctx.text, ps, ps.length - 1, [name], decl.id.start, decl.id.end - 1, unit);
    }
  }
  const { j, root } = ctx;
  const body: Node[] = (root.find(j.Program).get().node as Node).body;
  const imports = body.filter((s) => s.type === 'ImportDeclaration');
  const requires = body.filter((s) => s.type === 'VariableDeclaration' && s.declarations.some((d: Node) => {
    const init = unwrap(d.init);
    return isCall(init) && init.callee?.type === 'Identifier' && init.callee.name === 'require';
  }));
  const q = ctx.quote;
  const useRequire = !imports.length && (requires.length > 0 || !ctx.typescript);
  const anchor = useRequire ? requires[requires.length - 1] : imports[imports.length - 1];
  const semi = anchor ? endsWithSemicolon(ctx, anchor) : true;
  const line = useRequire
    ? `const { ${name} } = require(${lit(module, q)})${semi ? ';' : ''}`
    : `import { ${name} } from ${lit(module, q)}${semi ? ';' : ''}`;
  if (anchor) return { start: anchor.end, end: anchor.end, text: `\n${line}` };
  // No imports at all: at the top, after a shebang / leading comments.
  const m = /^(#![^\n]*\n)?((?:[ \t]*(?:\/\/[^\n]*|\/\*[\s\S]*?\*\/)[ \t]*\n)*)/.exec(ctx.text)!;
  const at = m[0].length;
  return { start: at, end: at, text: `${line}\n` };
}

/** The import edit for `name` from `module` when the file uses `name.x` without declaring `name`. */
export function importIfUsed(ctx: SourceContext, module: string, name: string): TextEdit | undefined {
  return usesMemberOf(ctx, name) ? ensureNamedImport(ctx, module, name) : undefined;
}

// ---------------------------------------------------------------- roles

/** A role as a source expression, and where it came from (for the note). */
export interface SourceRole {
  text: string;
  note: string;
}

/**
 * Same precedence as the YAML fix: config (per environment, then default) >
 * an OIDC role expression the file already uses > `${{ vars.AWS_ROLE_ARN }}`.
 */
export function chooseRole(ctx: SourceContext, existing: readonly { node: Node; trusted?: boolean }[], environment?: string): SourceRole {
  const q = ctx.quote;
  const env = environment ? ctx.config.roles.environments[environment] : undefined;
  const pick = (c: RoleChoice, text: string) => ({ text, note: roleNote(c) });
  if (env) return pick({ role: env, origin: 'config-environment' }, lit(env, q));
  if (ctx.config.roles.default) return pick({ role: ctx.config.roles.default, origin: 'config-default' }, lit(ctx.config.roles.default, q));
  for (const { node: n, trusted } of existing) {
    const s = stringValue(n);
    // In a step, a literal ARN or a per-account role is a target, not the base role (as in the YAML fix).
    if (!trusted && s !== undefined && isCrossAccountRole(s, '')) continue;
    const text = src(ctx, n);
    if (!text.includes('\n')) {
      return { text, note: `role-to-assume reuses ${text}, the OIDC role this file already assumes` };
    }
  }
  return pick({ role: DEFAULT_ROLE_EXPRESSION, origin: 'placeholder' }, lit(DEFAULT_ROLE_EXPRESSION, q));
}

// ---------------------------------------------------------------- configure step objects

export function isConfigureStepObject(obj: Node): boolean {
  if (!isObject(obj)) return false;
  const uses = stringValue(propValue(obj, 'uses'));
  return !!uses && uses.split('@')[0] === CONFIGURE_ACTION;
}

export function keyInputProps(obj: Node): Node[] {
  const w = propValue(obj, 'with');
  return isObject(w) ? properties(w).filter((p) => (KEY_INPUTS as readonly string[]).includes(keyName(p) ?? '')) : [];
}

/** A configure step that authenticates with access keys (from secrets or literals). */
export function isKeyConfigureStep(obj: Node): boolean {
  return isConfigureStepObject(obj) && keyInputProps(obj).length > 0;
}

/** A configure step that assumes a role through OIDC (a role, no keys, no chaining). */
export function isOidcConfigureStep(obj: Node): boolean {
  if (!isConfigureStepObject(obj) || keyInputProps(obj).length) return false;
  const w = propValue(obj, 'with');
  return isObject(w) && !!getProp(w, 'role-to-assume') && !/^true$/i.test(String(stringValue(propValue(w, 'role-chaining')) ?? propValue(w, 'role-chaining')?.value ?? ''));
}

/** Every `'role-to-assume': X` value of OIDC configure step objects in the file. */
export function existingStepRoles(ctx: SourceContext): { node: Node }[] {
  const out: { node: Node }[] = [];
  ctx.root.find(ctx.j.ObjectExpression).forEach((p) => {
    if (isOidcConfigureStep(p.node)) out.push({ node: propValue(propValue(p.node, 'with'), 'role-to-assume') });
  });
  return out;
}

/** `v1`, `v1.2.3`, `v1-node16`: the major; SHA pins and branches: undefined. */
export function configureMajor(ref: string | undefined): number | undefined {
  const m = /^v?(\d+)(?:\.\d+)*(?:-node\d+)?$/.exec(ref ?? '');
  return m ? Number(m[1]) : undefined;
}

/** The message for a configure step object that passes access keys. */
export const keyStepMessage = (name: string): string =>
  `step '${name}' authenticates with long-lived access keys; assume a role through OIDC instead`;

/** The note for secrets a fix stops reading. */
export const secretsNote = (names: readonly string[]): string =>
  `once the workflow is regenerated, delete the secrets ${names.join(', ')} if nothing else uses them`;

/** The `secrets.X` names the values of `props` read, in order, once each. */
export function secretsReadBy(ctx: SourceContext, props: readonly Node[]): string[] {
  return [...new Set(props.flatMap((p) => [...src(ctx, p.value).matchAll(/secrets\.([A-Za-z_]\w*)/g)].map((m) => m[1]!)))];
}

/**
 * The YAML fix applied to a step object: the access-key input becomes
 * `'role-to-assume': <role>` in place, the secret (and session token) inputs
 * go, and the action moves to at least v4 (a SHA pin is kept, with a note).
 */
export function fixConfigureStepObject(ctx: SourceContext, obj: Node, role: SourceRole, notes: string[]): TextEdit[] {
  const w = propValue(obj, 'with');
  const all: Node[] = w.properties;
  const keys = keyInputProps(obj);
  if (getProp(w, 'role-to-assume')) {
    throw new EditRefused('the step assumes a role with access keys (role chaining / cross-account): move the base credentials to OIDC by hand');
  }
  if (all.length !== properties(w).length) throw new EditRefused('the step\'s `with` has spread or computed entries');
  const edits: TextEdit[] = [];
  const first = keys[0]!;
  edits.push({ start: first.start, end: first.end, text: `${lit('role-to-assume', quoteOfKey(ctx, first))}: ${role.text}` });
  // Remove the other key inputs, last first so indices stay valid in the original.
  for (const k of keys.slice(1)) edits.push(...removeElement(ctx.text, all, all.indexOf(k), w.end - 1));
  notes.push(role.note);
  const secrets = secretsReadBy(ctx, keys);
  if (secrets.length) notes.push(secretsNote(secrets));
  const usesNode = propValue(obj, 'uses');
  const uses = stringValue(usesNode)!;
  const ref = uses.includes('@') ? uses.slice(uses.lastIndexOf('@') + 1) : undefined;
  const major = configureMajor(ref);
  if (isShaPin(ref)) notes.push(`${CONFIGURE_ACTION} is pinned to a SHA: keep the pin but make sure it is v${MIN_CONFIGURE_MAJOR} or later`);
  else if (major !== undefined && major < MIN_CONFIGURE_MAJOR) {
    const c = ctx.text[usesNode.start];
    edits.push({ start: usesNode.start, end: usesNode.end, text: lit(`${CONFIGURE_ACTION}@v${MIN_CONFIGURE_MAJOR}`, c === '"' || c === "'" ? c : ctx.quote) });
  } else if (major === undefined) notes.push(`${CONFIGURE_ACTION}@${ref ?? '(no ref)'} is not a version tag: pin it to v${MIN_CONFIGURE_MAJOR} or later`);
  return edits;
}

function quoteOfKey(ctx: SourceContext, prop: Node): Quote {
  const c = ctx.text[prop.key.start];
  return c === '"' ? '"' : c === "'" ? "'" : ctx.quote;
}

/** `KEY: '${{ secrets.X }}'` entries of an env object literal. */
export function keyEnvProps(env: Node): Node[] {
  if (!isObject(env)) return [];
  return properties(env).filter((p) => (KEY_ENV_VARS as readonly string[]).includes(keyName(p) ?? '')
    && /\$\{\{\s*secrets\./.test(stringValue(p.value) ?? (p.value?.type === 'TemplateLiteral' ? p.value.quasis.map((x: Node) => x.value.raw).join('') : '')));
}

// ---------------------------------------------------------------- runner

interface Open {
  key: string;
  entry: ReportedFinding;
  refused: boolean;
}

function report(text: string, f: Finding): ReportedFinding {
  const pos = positionAt(text, f.offset);
  return { ruleId: f.ruleId, message: f.message, line: pos.line, column: pos.column, notes: [...(f.notes ?? [])], fixable: f.fixable, fixed: false };
}

/**
 * Run one source transform to a fixed point: find, fix non-overlapping
 * findings, splice, re-parse (a pass whose result does not parse is retried
 * finding by finding), then `finish()` (imports). Never throws for bad input.
 */
export function runSourceTransform(transform: SourceTransform, raw: string, path: string, config: Config): SourceOutcome {
  const base: SourceOutcome = { status: 'unchanged', findings: [], original: raw, output: raw };
  // Work on the text without BOM and with uniform CRLF as LF; encode back at the end (inserted lines get the file's line ends).
  const decoded = decodeSource(raw);
  const working = decoded.text;
  let ctx: SourceContext;
  try {
    ctx = makeContext(working, path, config);
  } catch (e) {
    return { ...base, status: 'error', reason: `could not parse: ${(e as Error).message.split('\n')[0]}` };
  }
  if (!transform.applies(ctx)) return base;
  const entries: Open[] = [];
  const allFindings: Finding[] = [];
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    const findings = transform.find(ctx);
    // Match this pass's findings to still-open entries with the same key, in order.
    const used = new Set<Open>();
    const pairs = findings.map((f) => {
      const key = `${f.ruleId}\u0000${f.message}`;
      let o = entries.find((e) => e.key === key && !e.entry.fixed && !used.has(e));
      if (!o) {
        o = { key, entry: report(ctx.text, f), refused: false };
        entries.push(o);
        allFindings.push(f);
      }
      used.add(o);
      return { f, o };
    });
    const taken: TextEdit[] = [];
    const chosen: { o: Open; edits: TextEdit[]; notes: string[] }[] = [];
    for (const { f, o } of pairs) {
      if (!f.fixable || o.refused) continue;
      let fix: SourceFix | undefined;
      try {
        fix = transform.fix(ctx, f);
      } catch (e) {
        if (!(e instanceof EditRefused)) throw e;
        o.refused = true;
        o.entry.skippedBecause = e.message;
        continue;
      }
      if (!fix || !fix.edits.length || overlapsAny(fix.edits, taken)) continue;
      taken.push(...fix.edits);
      chosen.push({ o, edits: fix.edits, notes: f.notes ?? [] });
    }
    if (!chosen.length) break;
    let accepted = chosen;
    let next = applyEdits(ctx.text, taken);
    if (parseError(next, path)) {
      accepted = chosen.filter((c) => {
        const why = parseError(applyEdits(ctx.text, c.edits), path);
        if (why) { c.o.refused = true; c.o.entry.skippedBecause = `the edited source would not parse (${why})`; }
        return !why;
      });
      if (!accepted.length) break;
      next = applyEdits(ctx.text, accepted.flatMap((c) => c.edits));
      if (parseError(next, path)) { accepted = accepted.slice(0, 1); next = applyEdits(ctx.text, accepted[0]!.edits); }
    }
    for (const c of accepted) {
      c.o.entry.fixed = true;
      for (const n of c.notes) if (!c.o.entry.notes.includes(n)) c.o.entry.notes.push(n);
    }
    ctx = makeContext(next, path, config);
    if (pass === MAX_PASSES - 1) return { ...base, status: 'error', reason: `source fixes did not converge after ${MAX_PASSES} passes` };
  }
  // Imports only for what this run wrote (a file that already lacks one is not ours to fix).
  const finish = ctx.text !== working ? transform.finish?.(ctx) ?? [] : [];
  if (finish.length) {
    const next = applyEdits(ctx.text, finish);
    const why = parseError(next, path);
    if (why) return { ...base, status: 'error', reason: `adding imports would break the source (${why})` };
    ctx = makeContext(next, path, config);
  }
  const findings = entries.map((e) => e.entry);
  const fileNotes = transform.fileNotes?.(ctx, allFindings) ?? [];
  if (findings.length && fileNotes.length) findings[0]!.notes.push(...fileNotes.filter((n) => !findings[0]!.notes.includes(n)));
  if (ctx.text === working) return { ...base, findings };
  return { ...base, status: 'changed', findings, output: encodeSource(decoded, ctx.text) };
}

// ---------------------------------------------------------------- jscodeshift

export interface FileInfo {
  path: string;
  source: string;
}

export type JscodeshiftSourceTransform = ((file: FileInfo, api: unknown, options?: Record<string, unknown>) => Promise<string | undefined>) & { parser?: string };

/**
 * `npx jscodeshift -t dist/transforms/generators/<x>.js --parser=ts <files>`:
 * options --roleArn=ARN and --config=FILE as for the YAML transforms. The
 * registry (for config validation) is imported on first use: it waits for the
 * bash grammar with a top-level await, which jscodeshift's require() of this
 * file could not load.
 */
export function jscodeshiftSourceAdapter(transform: SourceTransform): JscodeshiftSourceTransform {
  const fn: JscodeshiftSourceTransform = async (file, _api, options = {}) => {
    const { TRANSFORM_IDS } = await import('../index.js');
    let config: Config = defaultConfig();
    const configFile = typeof options.config === 'string' ? options.config : findConfigFile(dirname(file.path));
    if (configFile) config = loadConfigFile(configFile, config, TRANSFORM_IDS);
    if (typeof options.roleArn === 'string') config.roles.default = options.roleArn;
    const out = runSourceTransform(transform, file.source, file.path, config);
    if (out.status === 'error') throw new Error(`${file.path}: ${out.reason}`);
    return out.status === 'changed' ? out.output : undefined;
  };
  return fn;
}
