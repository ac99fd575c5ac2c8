/**
 * The engine: parse, model, ask each transform in turn for findings and
 * fixes, apply its non-overlapping fixes as text edits, verify (the next
 * transform sees the verified result), and repeat until nothing is left to
 * fix (ESLint's fixed point). Transforms never call each other.
 */
import type { Config } from '../config.js';
import type { Declared, Finding, Fix, PackageScriptsLookup, Transform, TransformContext } from '../transform.js';
import { getNode, isAlias, isMap, isScalar, isSeq, keyString, parseYaml, toPlain, type Document, type YAMLMap } from '../yaml.js';
import { describeShared, isUnder, sharedAt, type SharedNode } from './anchors.js';
import { bashSyntaxError, checkScripts, isChecked } from './bash-syntax.js';
import { applyEdits, composeEdits, rangesOverlap, sameEdit, uniqueEdits, type TextEdit } from './edits.js';
import { generatorInfo } from './generated.js';
import { positionFinder } from './lines.js';
import { isSkip, modelWorkflow, type Path, type Workflow } from './model.js';
import { isShellScriptStep } from './shell.js';
import { EditRefused } from './primitives.js';
import { decodeSource, encodeSource } from './source.js';
import { formatPath, structuralChanges, undeclaredChanges, type Change } from './verify.js';
import { covers, EVERYTHING, isDescribed, isSpeculative, overlaps, readsOf, touches, USES_REF, type Read } from './reads.js';
import { isDeepStrictEqual } from 'node:util';

export const MAX_PASSES = 10;

export interface ReportedFinding {
  ruleId: string;
  message: string;
  line: number;
  column: number;
  notes: string[];
  fixable: boolean;
  /** Fixed in this run. */
  fixed: boolean;
  /** Why the fix was not applied, when it was not. */
  skippedBecause?: string;
  /**
   * The fix was made but refused: the validation gate rejected it, or the
   * transform failed on it. The file's other fixes still apply; reports and
   * the exit code (3) say so apart from an ordinary skip.
   */
  rejected?: boolean;
}

export type FileStatus = 'unchanged' | 'changed' | 'skipped' | 'error';

export interface FileOutcome {
  status: FileStatus;
  /** Why the file was skipped, or what failed. */
  reason?: string;
  /** 1-based position of an error, when known. */
  errorLine?: number;
  /**
   * The validated text would not encode back to the same bytes: nothing is
   * written and the status is 'error' (exit 2). A single fix the gate refuses
   * is not this: it is dropped and marked `rejected` on its finding.
   */
  gateRejected?: boolean;
  findings: ReportedFinding[];
  /** The file's bytes as read, and as wf-fix would write them. */
  original: string;
  output: string;
  /** Generator named in the file header, if any (the YAML is then not edited). */
  generator?: string;
  /** Repository files (registry ids) the applied fixes requested (Fix.repositoryFiles). */
  repositoryFiles?: string[];
}

export interface ProcessOptions {
  config: Config;
  transforms: readonly Transform[];
  file: string;
  /** Check generated scripts with `bash -n` (default true). */
  bashCheck?: boolean;
  /** package.json scripts of the file's repository, for transforms that follow `npm run X`. */
  packageScripts?: PackageScriptsLookup;
  /**
   * Asked before each computed fix is applied (--interactive): false leaves
   * the finding unfixed (pending) in this run. `key` is the engine's finding
   * key (rule, job, message, ordinal), the same in every pass of a run.
   */
  accept?: (finding: ReportedFinding, key: string) => boolean;
  /**
   * Defer `bash -n` of scripts not checked before: they are added here and
   * taken as passing. The caller checks them all at once (checkScripts, one
   * xargs for many files) and processes again each file whose list holds a
   * script that fails: with the results cached, that run is the exact one
   * an undeferred check gives.
   */
  uncheckedScripts?: string[];
  /**
   * Run and verify one transform at a time, as before batches (engine tests
   * compare the two); also what --interactive (`accept`) gets.
   */
  sequential?: boolean;
}

interface Parsed {
  doc: Document.Parsed;
  wf: Workflow;
  /** The document as plain JS (aliases bounded), for the structural comparison. */
  plain: unknown;
}

type ParseResult = Parsed | { skip: string } | { error: string; line?: number };

/** A text the gate accepted: its parse, and the structural changes from the text before it. */
interface Gated extends Parsed {
  changes: Change[];
}

export const TOO_DEEP = 'nesting too deep to process safely (call stack exhausted)';

function isStackOverflow(e: unknown): boolean {
  return e instanceof RangeError || /maximum call stack/i.test(String((e as Error)?.message ?? ''));
}

/** One line, without the parser's own " at line N, column M:" (the reporter prints the position). */
function yamlCause(message: string): string {
  if (/maximum call stack/i.test(message)) return TOO_DEEP;
  return message.replace(/\s+at line \d+, column \d+:?\s*$/, '').trim();
}

function describeNode(node: unknown): string {
  if (isSeq(node)) return 'a sequence';
  if (isMap(node)) return 'a mapping';
  if (isScalar(node)) return `a scalar (${JSON.stringify(String(node.value)).slice(0, 40)})`;
  return 'something else';
}

/**
 * `jobs`, `steps` and `with` of the wrong type: GitHub rejects such a file,
 * and wf-fix has nothing it can safely edit in it. Aliases are left alone
 * (the model never expands them). Returns the first problem found.
 */
function shapeProblem(wf: Workflow): string | undefined {
  const wrong = (node: unknown, want: 'mapping' | 'sequence') =>
    node !== null && node !== undefined && !isAlias(node) && !(want === 'mapping' ? isMap(node) : isSeq(node));
  const checkSteps = (steps: unknown, where: string): string | undefined => {
    if (wrong(steps, 'sequence')) return `${where}.steps is ${describeNode(steps)}, not a sequence`;
    if (!isSeq(steps)) return undefined;
    for (const [i, step] of steps.items.entries()) {
      if (wrong(step, 'mapping')) return `${where}.steps[${i}] is ${describeNode(step)}, not a mapping`;
      const w = getNode(step, 'with');
      if (wrong(w, 'mapping')) return `${where}.steps[${i}].with is ${describeNode(w)}, not a mapping`;
    }
    return undefined;
  };
  if (wf.kind === 'composite') return checkSteps(getNode(getNode(wf.root, 'runs'), 'steps'), 'runs');
  const jobs = getNode(wf.root, 'jobs') as YAMLMap;
  for (const pair of jobs.items) {
    const id = keyString(pair) ?? '?';
    if (wrong(pair.value, 'mapping')) return `jobs.${id} is ${describeNode(pair.value)}, not a mapping`;
    const problem = checkSteps(getNode(pair.value, 'steps'), `jobs.${id}`);
    if (problem) return problem;
  }
  return undefined;
}

function parseWorkflow(text: string): ParseResult {
  let parsed;
  try {
    parsed = parseYaml(text);
  } catch (e) {
    if (isStackOverflow(e)) return { error: TOO_DEEP };
    throw e;
  }
  if (parsed.errors.length) {
    const e = parsed.errors[0]!;
    return { error: yamlCause(e.message), line: e.line };
  }
  if (parsed.docs.length === 0 || parsed.docs.every((d) => d.contents === null)) {
    return { skip: text.trim() ? 'only comments or blank lines (no YAML content)' : 'empty file (no YAML content)' };
  }
  if (parsed.docs.length > 1) return { skip: `multi-document YAML (${parsed.docs.length} documents): not a GitHub workflow` };
  const tagWarning = parsed.warnings.find((w) => /tag/i.test(w.message));
  if (tagWarning) {
    const where = tagWarning.line ? ` on line ${tagWarning.line}` : '';
    return { skip: `custom YAML tag (${yamlCause(tagWarning.message)}${where}): CloudFormation or another non-workflow format` };
  }
  const doc = parsed.docs[0]!;
  let plain: unknown;
  try {
    plain = toPlain(doc);
  } catch (e) {
    if (isStackOverflow(e)) return { error: TOO_DEEP };
    if (/alias count/i.test((e as Error).message)) {
      return { skip: 'YAML aliases expand beyond the safety limit (an alias bomb?): not processed' };
    }
    throw e;
  }
  const wf = modelWorkflow(doc, text);
  if (isSkip(wf)) return wf;
  const shape = shapeProblem(wf);
  if (shape) return { skip: `${shape}: not a valid workflow, nothing to fix` };
  return { doc, wf, plain };
}

/** `run:` scripts (bash or sh) of the edited workflow that are not in the original, verbatim. */
function changedScripts(before: Workflow, after: Workflow): string[] {
  return [...new Set(changedScriptSteps(before, after).map((c) => c.script))];
}

/** changedScripts with the path of each step (in `after`) holding one, in document order. */
function changedScriptSteps(before: Workflow, after: Workflow): { script: string; path: Path }[] {
  const old = new Set(before.jobs.flatMap((j) => j.steps.map((s) => s.script)));
  const out: { script: string; path: Path }[] = [];
  for (const job of after.jobs) {
    for (const step of job.steps) {
      if (step.script === undefined || old.has(step.script)) continue;
      if (isShellScriptStep(after, job, step)) out.push({ script: step.script, path: step.path });
    }
  }
  return out;
}

/**
 * Edits one transform has taken in a pass, kept sorted by position so an
 * overlap check looks at neighbours only (a big file with thousands of fixes
 * stays fast). Taken edits never overlap one another, so their ends are
 * sorted too.
 */
class TakenEdits {
  private list: TextEdit[] = [];

  overlaps(edits: readonly TextEdit[]): boolean {
    return edits.some((e) => this.hits(e));
  }

  /** An edit already taken, byte for byte (two fixes of one transform sharing an edit site). */
  has(e: TextEdit): boolean {
    const i = this.firstEndingAtOrAfter(e.start);
    for (let k = i; k < this.list.length && this.list[k]!.start <= e.start; k++) if (sameEdit(this.list[k]!, e)) return true;
    return false;
  }

  add(edits: readonly TextEdit[]): void {
    for (const e of edits) {
      const list = this.list;
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        const t = list[mid]!;
        if (t.start < e.start || (t.start === e.start && t.end <= e.end)) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, e);
    }
  }

  private firstEndingAtOrAfter(offset: number): number {
    const list = this.list;
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (list[mid]!.end < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private hits(e: TextEdit): boolean {
    const list = this.list;
    for (let i = this.firstEndingAtOrAfter(e.start); i < list.length && list[i]!.start <= e.end; i++) if (rangesOverlap(e, list[i]!)) return true;
    return false;
  }
}

/**
 * Map an offset in the text after `batches` of edits back to the text before
 * them; an offset inside inserted text maps to where the insertion was made.
 */
export function offsetInOriginal(batches: readonly (readonly TextEdit[])[], offset: number): number {
  let pos = offset;
  for (let b = batches.length - 1; b >= 0; b--) {
    const edits = [...batches[b]!].sort((x, y) => x.start - y.start || x.end - y.end);
    let delta = 0;
    let mapped: number | undefined;
    for (const e of edits) {
      const newStart = e.start + delta;
      if (pos < newStart) break;
      if (pos < newStart + e.text.length) { mapped = e.start; break; }
      delta += e.text.length - (e.end - e.start);
    }
    pos = mapped ?? pos - delta;
  }
  return pos;
}

interface Candidate {
  transform: Transform;
  finding: Finding;
  fix: Fix;
}

/**
 * Findings are the same across passes when rule, job and message are (step
 * indices shift as steps are inserted, job paths do not).
 */
function findingKey(f: Finding): string {
  return `${f.ruleId}\u0000${formatPath(f.path.slice(0, 2))}\u0000${f.message}`;
}

/**
 * The validation gate for one combined application: the edited text parses
 * as a workflow, changes only declared paths, and its new or modified bash
 * scripts pass `bash -n`. Returns the parsed result (with the structural
 * changes it accepted), or why it is rejected.
 */
function gate(before: Parsed, text: string, candidates: readonly Candidate[]): Gated | { why: string } {
  const after = parseWorkflow(text);
  const seen: { changes: Change[] } = { changes: [] };
  const why = 'doc' in after ? rejectReason(before, after, candidates, seen) : 'error' in after
    ? `the edited file would not parse (${after.error})`
    : `the edited file would no longer be a workflow (${after.skip})`;
  return why === undefined ? { ...(after as Parsed), changes: seen.changes } : { why };
}

function rejectReason(before: Parsed, after: Parsed, candidates: readonly Candidate[], seen?: { changes: Change[] }): string | undefined {
  const declared: Declared[] = candidates.flatMap((c) => c.fix.declares);
  let stray: Change[];
  try {
    let changes = structuralChanges(before.plain, after.plain);
    stray = undeclaredChanges(changes, declared);
    // Repeated items (two steps alike) can be read the other way round too.
    if (stray.length) {
      const other = structuralChanges(before.plain, after.plain, [], true);
      if (undeclaredChanges(other, declared).length === 0) {
        stray = [];
        changes = other;
      }
    }
    if (seen) seen.changes = changes;
  } catch (e) {
    if (isStackOverflow(e)) return `could not compare the parsed documents (${TOO_DEEP})`;
    return `could not compare the parsed documents (${(e as Error).message})`;
  }
  if (!stray.length) return undefined;
  return sharedReason(before, stray.map((c) => c.path), declared)
    ?? `the edit would change ${stray.map((c) => formatPath(c.path)).join(', ')}, which the fix did not declare`;
}

/**
 * The stray changes all show through aliases of an anchored node the fix
 * edits: the fix is right for the place it declared, but the anchor makes
 * the same edit everywhere the node is used.
 */
function sharedReason(before: Parsed, stray: readonly (string | number)[][], declared: readonly Declared[]): string | undefined {
  const shared = before.wf.shared;
  if (!shared.length) return undefined;
  const hit = new Set<SharedNode>();
  for (const path of stray) {
    const s = sharedAt(shared, path);
    if (!s) return undefined;
    hit.add(s);
  }
  const edited = [...hit].filter((s) => declared.some((d) => isUnder(d.path, s.path) || isUnder(s.path, d.path)));
  if (!edited.length) return undefined;
  return `${edited.map((s) => describeShared(s)).join('; ')}: the edit would change every use, and the fix declared only ${formatPath(edited[0]!.path)}`;
}

/**
 * Run every transform over one file's text. Never throws: bad input is a
 * skip or an error outcome, and so is an engine failure. A transform that
 * fails costs only its own findings.
 */
export function processText(raw: string, opts: ProcessOptions): FileOutcome {
  try {
    return processTextUnguarded(raw, opts, new Map());
  } catch (e) {
    const reason = isStackOverflow(e) ? TOO_DEEP : `internal error: ${(e as Error)?.message ?? String(e)}`;
    return { status: 'error', reason, findings: [], original: raw, output: raw };
  }
}

/** What strict-shell writes as a script's first command (renderSet). */
const STRICT_LINE = /^set -(?:[eu]+(?:o pipefail)?|o pipefail)$/;

/**
 * The script without its first command when that is a strict-shell `set`
 * line with only comments or blank lines before it. Such a line sits where
 * bash is between commands (a comment never continues onto the next line)
 * and `bash -n` runs no `set`: the script parses exactly as the one returned.
 */
export function withoutLeadingSet(script: string): string | undefined {
  const lines = script.split('\n');
  const first = lines.findIndex((l) => l.trim() !== '' && !l.trimStart().startsWith('#'));
  if (first < 0 || !STRICT_LINE.test(lines[first]!)) return undefined;
  return [...lines.slice(0, first), ...lines.slice(first + 1)].join('\n');
}

/** How many times a file is processed again without a fix whose script failed `bash -n`. */
const MAX_BASH_RETRIES = 8;

/** The fixes one transform applied together in one pass, on the text and model before them. */
interface Batch {
  before: Parsed;
  text: string;
  accepted: Candidate[];
  keys: string[];
}

/** Which fix of a batch wrote `script`: the one declaring it, else the one whose edit alone produces it. */
function scriptAuthor(batch: Batch, script: string): number {
  if (batch.accepted.length === 1) return 0;
  const declared = batch.accepted.findIndex((c) => c.fix.scripts?.includes(script));
  if (declared >= 0) return declared;
  const found = batch.accepted.findIndex((c) => {
    const alone = parseWorkflow(applyEdits(batch.text, c.fix.edits));
    return 'doc' in alone && changedScripts(batch.before.wf, alone.wf).includes(script);
  });
  return Math.max(found, 0);
}

const errorText = (e: unknown) => (e as Error)?.message ?? String(e);

/**
 * A copy of `s` that shares no memory with the texts it was cut from: V8 keeps
 * a whole file text (each pass's text) alive for a sliced or concatenated
 * string that refers to it, so a finding's message naming a step would hold
 * every text of the file for the rest of a bulk run.
 */
function detach<T extends string | undefined>(s: T): T {
  return (s === undefined || s.length === 0 ? s : Buffer.from(s, 'utf8').toString('utf8')) as T;
}

function detachFinding(f: ReportedFinding): ReportedFinding {
  return { ...f, message: detach(f.message), notes: f.notes.map(detach), ...(f.skippedBecause === undefined ? {} : { skippedBecause: detach(f.skippedBecause) }) };
}

// ---- batches ---------------------------------------------------------------

/** What a trial run of a transform did with one finding (see evaluate). */
type Outcome =
  | { kind: 'report' }
  | { kind: 'banned'; why: string }
  | { kind: 'rejected-before' }
  | { kind: 'internal'; why: string }
  | { kind: 'refused'; why: string }
  | { kind: 'no-fix' }
  | { kind: 'own-overlap'; why: string }
  | { kind: 'later' }
  | { kind: 'chosen' };

interface TrialItem {
  finding: Finding;
  key: string;
  /** finding.notes when the engine first reports it (before fix()). */
  notes: string[];
  /** finding.notes after a fix() that returned. */
  merged?: string[];
  outcome: Outcome;
}

/** One transform's find() and fix() calls on a model, with no effect on the run yet. */
interface Trial {
  transform: Transform;
  findError?: string;
  items: TrialItem[];
  chosen: Candidate[];
}

interface TrialEnv {
  keyOf(f: Finding): string;
  banned: ReadonlyMap<string, string>;
  rejected: ReadonlySet<string>;
  generator: boolean;
  /** Line (in the file as read) of an offset in the text the trial runs on. */
  lineOf(offset: number): number;
}

/** The decisions the engine's per-transform loop makes, recorded instead of applied. */
function evaluate(transform: Transform, ctx: TransformContext, env: TrialEnv): Trial {
  const id = transform.meta.id;
  let findings: Finding[];
  try {
    findings = transform.find(ctx);
  } catch (e) {
    if (isStackOverflow(e)) throw e;
    return { transform, findError: errorText(e), items: [], chosen: [] };
  }
  const taken = new TakenEdits();
  const chosen: Candidate[] = [];
  const items: TrialItem[] = [];
  for (const finding of findings) {
    const key = env.keyOf(finding);
    const item: TrialItem = { finding, key, notes: [...(finding.notes ?? [])], outcome: { kind: 'report' } };
    items.push(item);
    if (!finding.fixable || env.generator) continue;
    const ban = env.banned.get(key);
    if (ban !== undefined) {
      item.outcome = { kind: 'banned', why: ban };
      continue;
    }
    if (env.rejected.has(key)) {
      item.outcome = { kind: 'rejected-before' };
      continue;
    }
    let fix: Fix | undefined;
    try {
      fix = transform.fix(ctx, finding);
    } catch (e) {
      if (!(e instanceof EditRefused)) {
        if (isStackOverflow(e)) throw e;
        item.outcome = { kind: 'internal', why: `internal error in ${id}: ${errorText(e)}` };
        continue;
      }
      item.outcome = { kind: 'refused', why: e.message };
      continue;
    }
    item.merged = [...(finding.notes ?? [])];
    if (!fix || fix.edits.length === 0) {
      item.outcome = { kind: 'no-fix' };
      continue;
    }
    const own = composeEdits(fix.edits);
    if ('overlapAt' in own) {
      item.outcome = { kind: 'own-overlap', why: `internal error in ${id}: its fix has overlapping edits at line ${env.lineOf(own.overlapAt)}` };
      continue;
    }
    const fresh = own.edits.filter((e) => !taken.has(e));
    if (taken.overlaps(fresh)) {
      item.outcome = { kind: 'later' };
      continue;
    }
    taken.add(fresh);
    chosen.push({ transform, finding, fix: { ...fix, edits: own.edits } });
    item.outcome = { kind: 'chosen' };
  }
  return { transform, items, chosen };
}

/** Two trials without fixes that the run would record identically (offsets compared in the file as read). */
function sameTrial(a: Trial, b: Trial, originalA: (offset: number) => number, originalB: (offset: number) => number): boolean {
  if (a.findError !== b.findError || a.items.length !== b.items.length || a.chosen.length || b.chosen.length) return false;
  return a.items.every((x, i) => {
    const y = b.items[i]!;
    return x.key === y.key && x.finding.ruleId === y.finding.ruleId && x.finding.message === y.finding.message
      && x.finding.fixable === y.finding.fixable && originalA(x.finding.offset) === originalB(y.finding.offset)
      && isDeepStrictEqual(x.notes, y.notes) && isDeepStrictEqual(x.merged, y.merged) && isDeepStrictEqual(x.outcome, y.outcome);
  });
}

/** A transform's last run that fixed nothing: the text, the keys it left, what it read (see idleOn). */
interface Idle {
  text: string;
  keys: string[];
  reads?: Read[];
  /** No change since touched `reads`. */
  clean: boolean;
}

/** A transform's place in a batch: its trial on the batch's model, or the keys it left when idle on that text. */
interface Member {
  /** Index in the transform list. */
  index: number;
  transform: Transform;
  /** The pass's finding ordinals before its trial. */
  ordinals: Map<string, number>;
  idleKeys?: string[];
  trial?: Trial;
  reads?: Read[];
  /** Edits of its chosen fixes, and the paths they declare (widened). */
  edits: TextEdit[];
  writes: Written[];
}

/**
 * A declared path as what it may change: a whole sequence (steps inserted,
 * removed) or anything outside jobs (workflow env, permissions, defaults,
 * on: every job reads those) is `structural`: it changes whatever lies
 * under it for certain.
 */
interface Written {
  path: Path;
  structural: boolean;
}

function widen(d: Declared): Written {
  const p = d.path;
  if (p[0] !== 'jobs' && p[0] !== 'runs') return { path: [], structural: true };
  // A job as a whole, jobs.<id>.steps and runs.steps (sequences), and anything declared insert-only.
  const depth = p[0] === 'jobs' ? 2 : 1;
  if (d.insertOnly || p.length <= depth || (p.length === depth + 1 && p[depth] === 'steps')) return { path: p, structural: true };
  return { path: p, structural: false };
}

/** What a transform is sure to read differently once the batch's declared writes are applied. */
function hardConflict(reads: readonly Read[], written: readonly Written[]): boolean {
  return written.some((w) => reads.some((r) => !r.when && (w.structural ? overlaps(r.path, w.path) : covers(r.path, w.path))));
}

/** Edits that overlap or touch (an insertion where another edit starts or ends): their order would be a guess. */
function editsMeet(a: readonly TextEdit[], b: readonly TextEdit[]): boolean {
  if (!a.length || !b.length) return false;
  const sorted = [...b].sort((x, y) => x.start - y.start || x.end - y.end);
  for (const e of a) {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (sorted[mid]!.start <= e.end) lo = mid + 1;
      else hi = mid;
    }
    for (let k = lo - 1; k >= 0; k--) {
      if (sorted[k]!.end >= e.start) return true;
      if (sorted[k]!.end < e.start && sorted[k]!.start < e.start) break;
    }
  }
  return false;
}

function isPrefix(p: Path, q: Path): boolean {
  return p.length <= q.length && p.every((x, i) => x === q[i]);
}

function declaresChange(d: Declared, c: Change): boolean {
  if (d.insertOnly) return !!c.insertOnly && d.path.length === c.path.length && isPrefix(d.path, c.path);
  return isPrefix(d.path, c.path);
}

function childOf(v: unknown, k: string | number): unknown {
  if (Array.isArray(v)) return typeof k === 'number' ? v[k] : undefined;
  return v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[String(k)] : undefined;
}

const actionOf = (uses: string) => uses.slice(0, uses.lastIndexOf('@')).toLowerCase();

/**
 * A change as the paths transforms read are compared with: a sequence that
 * grew or shrank is changed as a whole (the indices after the edit moved),
 * and a `uses:` whose action stayed and whose ref moved is `uses.@ref`.
 */
function readPath(c: Change, before: unknown, after: unknown): Path {
  let b = before;
  let a = after;
  for (let i = 0; i < c.path.length; i++) {
    if (Array.isArray(b) && Array.isArray(a) && b.length !== a.length) return c.path.slice(0, i);
    b = childOf(b, c.path[i]!);
    a = childOf(a, c.path[i]!);
  }
  if (c.path[c.path.length - 1] === 'uses' && typeof a === 'string' && typeof b === 'string' && a.includes('@') && b.includes('@') && actionOf(a) === actionOf(b)) {
    return [...c.path, USES_REF];
  }
  return c.path;
}

/**
 * `banned`: findings (by key) whose fix an earlier attempt at this file found
 * writing a script that fails `bash -n`, with that reason; they are not fixed
 * this time, so the others can be.
 */
function processTextUnguarded(raw: string, opts: ProcessOptions, banned: ReadonlyMap<string, string>): FileOutcome {
  const src = decodeSource(raw);
  const base: FileOutcome = { status: 'unchanged', findings: [], original: raw, output: raw };
  const bashCheck = opts.bashCheck ?? true;
  let first: ParseResult;
  try {
    first = parseWorkflow(src.text);
  } catch (e) {
    return { ...base, status: 'error', reason: `could not parse: ${(e as Error).message}` };
  }
  if ('error' in first) return { ...base, status: 'error', reason: first.error === TOO_DEEP ? first.error : `invalid YAML: ${first.error}`, errorLine: first.line };
  if ('skip' in first) return { ...base, status: 'skipped', reason: first.skip };

  const generator = detach(generatorInfo(src.text)?.name);
  const reported = new Map<string, ReportedFinding>();
  // Findings are located in the file as the user has it: offsets in text that
  // earlier fixes of this run produced are mapped back through those edits.
  const at = positionFinder(src.text);
  const history: TextEdit[][] = [];
  const requestedFiles = new Set<string>();
  /** Scripts the applied fixes generated or modified, with the batch that wrote each first. */
  const wroteScript = new Map<string, Batch>();
  // Identical findings in one job (two key-based steps both named 'Deploy') stay
  // separate findings: numbered in document order within each pass.
  const keys = new WeakMap<Finding, string>();
  let ordinals = new Map<string, number>();
  const keyOf = (f: Finding): string => {
    let key = keys.get(f);
    if (key === undefined) {
      const k = findingKey(f);
      const n = ordinals.get(k) ?? 0;
      ordinals.set(k, n + 1);
      key = `${k}\u0000${n}`;
      keys.set(f, key);
    }
    return key;
  };
  /** `notes`: the finding's notes as they were when it was found (a trial calls fix() before the report). */
  const report = (f: Finding, notes?: readonly string[]): ReportedFinding => {
    const key = keyOf(f);
    let r = reported.get(key);
    if (!r) {
      const pos = at(offsetInOriginal(history, f.offset));
      r = { ruleId: f.ruleId, message: f.message, line: pos.line, column: pos.column, notes: [...(notes ?? f.notes ?? [])], fixable: f.fixable, fixed: false };
      reported.set(key, r);
    }
    return r;
  };
  /** Fixes refused for good in this run (gate, transform failure): never asked again. */
  const rejectedKeys = new Set<string>(banned.keys());
  const reject = (f: Finding, why: string) => {
    const r = report(f);
    r.skippedBecause = why;
    r.rejected = true;
    rejectedKeys.add(keyOf(f));
  };

  let text = src.text;
  let current: Parsed = first;
  /** Keys of the findings still present when no further fix could be applied. */
  let remaining = new Set<string>();
  /**
   * Per transform, the text it last ran on when that run changed nothing, and
   * the keys it left remaining: on the same text it would find and refuse the
   * same again (transforms read only the text, its model and the options), so
   * the last pass skips the transforms no later fix has touched the text for.
   * With batches, also where the text changed but no change since touched what
   * it reads (`reads`, `clean`): it would find and refuse the same again there.
   */
  const idleOn = new Map<Transform, Idle>();
  const batching = !opts.accept && !opts.sequential;
  /** What a described transform read on the current model, for an idle entry. */
  const readsNow = (transform: Transform, findings: readonly Finding[] | undefined): Read[] | undefined => {
    if (!batching || !isDescribed(transform)) return undefined;
    return findings ? readsOf(transform, current.wf, opts.config, findings) : EVERYTHING.map((path): Read => ({ path }));
  };
  /** Entries whose reads the changes `checked` made (from `current`) touch are no longer clean. */
  const dirty = (checked: Gated) => {
    let paths: Path[] | undefined;
    const afterAt = (p: readonly (string | number)[]) => p.reduce<unknown>((v, k) => childOf(v, k), checked.plain);
    for (const idle of idleOn.values()) {
      if (!idle.clean || !idle.reads) continue;
      paths ??= checked.changes.map((c) => readPath(c, current.plain, checked.plain));
      if (paths.some((p) => touches(idle.reads!, p, afterAt))) idle.clean = false;
    }
  };
  const isIdle = (idle: Idle | undefined, on: string, pending: boolean): idle is Idle =>
    !!idle && (idle.text === on || (!pending && idle.clean && !!idle.reads));
  const ctxOn = (wf: Workflow, on: string): TransformContext => ({ wf, text: on, config: opts.config, file: opts.file, packageScripts: opts.packageScripts });
  const overlapLine = (batches: readonly (readonly TextEdit[])[]) => (offset: number) => at(offsetInOriginal(batches, offset)).line;

  /** One transform run now on the current text, its fixes verified on their own: the reference behaviour. */
  const runNow = (transform: Transform): void => {
    const id = transform.meta.id;
    const idle = idleOn.get(transform);
    if (isIdle(idle, text, false)) {
      for (const k of idle.keys) remaining.add(k);
      return;
    }
    const remainingBefore = new Set(remaining);
    let findings: Finding[] | undefined;
    const idleHere = () => idleOn.set(transform, { text, keys: [...remaining].filter((k) => !remainingBefore.has(k)), reads: readsNow(transform, findings), clean: true });
    const ctx = ctxOn(current.wf, text);
    const taken = new TakenEdits();
    const chosen: Candidate[] = [];
    try {
      findings = transform.find(ctx);
    } catch (e) {
      if (isStackOverflow(e)) throw e;
      // Its findings are lost, not the file: the other transforms still run.
      findFailed(id, errorText(e));
      idleHere();
      return;
    }
    for (const finding of findings!) {
      const r = report(finding);
      const key = keyOf(finding);
      remaining.add(key);
      if (!finding.fixable || generator) continue;
      const ban = banned.get(key);
      if (ban !== undefined) {
        r.skippedBecause = ban;
        r.rejected = true;
        continue;
      }
      // A fix refused (EditRefused) in an earlier pass is asked again: other fixes may have made it
      // possible (a job that now calls AWS), and a run must reach the same fixed point as two runs.
      if (rejectedKeys.has(key)) continue;
      let fix: Fix | undefined;
      try {
        fix = transform.fix(ctx, finding);
      } catch (e) {
        if (!(e instanceof EditRefused)) {
          if (isStackOverflow(e)) throw e;
          reject(finding, `internal error in ${id}: ${errorText(e)}`);
          continue;
        }
        r.skippedBecause = e.message;
        continue;
      }
      for (const n of finding.notes ?? []) if (!r.notes.includes(n)) r.notes.push(n);
      if (!fix || fix.edits.length === 0) continue;
      if (opts.accept && !opts.accept(r, key)) continue;
      const own = composeEdits(fix.edits);
      if ('overlapAt' in own) {
        reject(finding, `internal error in ${id}: its fix has overlapping edits at line ${overlapLine(history)(own.overlapAt)}`);
        continue;
      }
      // Edits another finding of this transform already takes, byte for byte, are shared: two key
      // steps of one job need the same permissions block and the same credential step once.
      const fresh = own.edits.filter((e) => !taken.has(e));
      if (taken.overlaps(fresh)) continue; // picked up again next pass
      taken.add(fresh);
      chosen.push({ transform, finding, fix: { ...fix, edits: own.edits } });
    }
    if (chosen.length === 0) {
      idleHere();
      return;
    }

    const together = (cs: readonly Candidate[]) => applyEdits(text, uniqueEdits(cs.flatMap((c) => c.fix.edits)));
    let accepted = chosen;
    let next = together(chosen);
    let checked = gate(current, next, chosen);
    if ('why' in checked) {
      // Find the culprits: keep each fix only if it passes on its own. A fix the
      // gate refuses is dropped and reported; it never costs the others.
      accepted = [];
      for (const c of chosen) {
        const alone = gate(current, applyEdits(text, c.fix.edits), [c]);
        if ('why' in alone) reject(c.finding, `validation gate: ${alone.why}`);
        else accepted.push(c);
      }
      if (!accepted.length) {
        idleHere();
        return;
      }
      next = together(accepted);
      checked = gate(current, next, accepted);
      if ('why' in checked) {
        // Each passes alone but not together: apply the first now, the rest next pass.
        accepted = accepted.slice(0, 1);
        next = together(accepted);
        checked = gate(current, next, accepted);
        if ('why' in checked) return; // cannot happen: it passed alone above
      }
    }
    if (bashCheck) {
      // Scripts this batch wrote, for the one bash -n check at the end.
      const batch: Batch = { before: current, text, accepted, keys: accepted.map((c) => keyOf(c.finding)) };
      for (const sc of [...accepted.flatMap((c) => c.fix.scripts ?? []), ...changedScripts(current.wf, checked.wf)]) if (!wroteScript.has(sc)) wroteScript.set(sc, batch);
    }
    idleOn.delete(transform);
    dirty(checked);
    apply(accepted, next, checked);
  };

  const findFailed = (id: string, message: string) => {
    const key = `${id}\u0000(find)`;
    reported.set(key, {
      ruleId: id, message: `transform ${id} failed while looking for problems`, line: 1, column: 1, notes: [],
      fixable: false, fixed: false, rejected: true, skippedBecause: `internal error in ${id}: ${message}`,
    });
    remaining.add(key);
  };
  /** Batches applied in this run. */
  let applied = 0;
  const apply = (accepted: readonly Candidate[], next: string, checked: Parsed) => {
    applied++;
    history.push(uniqueEdits(accepted.flatMap((c) => c.fix.edits)));
    for (const c of accepted) for (const id of c.fix.repositoryFiles ?? []) requestedFiles.add(id);
    text = next;
    current = { doc: checked.doc, wf: checked.wf, plain: checked.plain };
  };

  // ---- batches: several transforms on one model, verified once --------------
  /** What evaluate() needs from the run: keys, earlier refusals, and how to name an offset's line. */
  const trialEnv = (key: (f: Finding) => string, lineOf: (offset: number) => number): TrialEnv => ({
    keyOf: key, banned, rejected: rejectedKeys, generator: !!generator, lineOf,
  });
  /** The effects runNow has as it goes, replayed from a trial in the same order. */
  const commitTrial = (trial: Trial) => {
    const id = trial.transform.meta.id;
    if (trial.findError !== undefined) return findFailed(id, trial.findError);
    for (const item of trial.items) {
      const r = report(item.finding, item.notes);
      remaining.add(item.key);
      const o = item.outcome;
      if (o.kind === 'banned') {
        r.skippedBecause = o.why;
        r.rejected = true;
      } else if (o.kind === 'internal') reject(item.finding, o.why);
      else if (o.kind === 'refused') r.skippedBecause = o.why;
      else if (o.kind !== 'report' && o.kind !== 'rejected-before') {
        for (const n of item.merged ?? []) if (!r.notes.includes(n)) r.notes.push(n);
        if (o.kind === 'own-overlap') reject(item.finding, o.why);
      }
    }
  };
  let batch: Member[] = [];
  const batchEdits = () => batch.flatMap((m) => m.edits);
  /** The text the transform at batch position k would run on in turn: the batch's earlier fixes applied. */
  const textBefore = (k: number) => {
    const edits = batch.slice(0, k).flatMap((m) => m.edits);
    return edits.length ? applyEdits(text, edits) : text;
  };
  /** Record the batch's trials in order; `stands[k]`: trial k holds on `next` too (it is idle there). */
  const commitAll = (next: string, stands: readonly boolean[]) => batch.forEach((m, k) => {
    if (m.idleKeys) {
      for (const key of m.idleKeys) remaining.add(key);
      return;
    }
    const before = new Set(remaining);
    commitTrial(m.trial!);
    if (!m.edits.length) idleOn.set(m.transform, { text: stands[k] ? next : textBefore(k), keys: [...remaining].filter((x) => !before.has(x)), reads: m.reads, clean: stands[k]! });
    else idleOn.delete(m.transform);
  });
  /** Drop the trials from batch position k on (their transforms run again). */
  const discard = (k: number): number => {
    ordinals = batch[k]!.ordinals;
    const index = batch[k]!.index;
    batch = batch.slice(0, k);
    return index;
  };
  /** The transform, run again on the batch's result, does exactly what its trial did. */
  const sameAgain = (m: Member, after: Parsed, afterText: string, edits: readonly TextEdit[]): boolean => {
    const own = new Map<string, number>();
    const cache = new WeakMap<Finding, string>();
    const key = (f: Finding) => {
      let k = cache.get(f);
      if (k === undefined) {
        const base = findingKey(f);
        const n = own.get(base) ?? 0;
        own.set(base, n + 1);
        k = `${base}\u0000${n}`;
        cache.set(f, k);
      }
      return k;
    };
    const batches = [...history, edits];
    let again: Trial;
    try {
      again = evaluate(m.transform, ctxOn(after.wf, afterText), trialEnv(key, overlapLine(batches)));
    } catch {
      return false;
    }
    return sameTrial(m.trial!, again, (o) => offsetInOriginal(history, o), (o) => offsetInOriginal(batches, o));
  };
  /**
   * Apply the batch: its fixes together, gated once. Each transform's trial
   * stands when nothing it reads was changed by a fix earlier in the batch
   * (or, for one that fixed nothing, when it finds the same again on the
   * result and no later fix touched what it reads). Else the batch stops
   * before it. A gate that refuses the whole batch sends the rest of the
   * pass through runNow, whose culprit search names the fix it refuses.
   * Returns where the pass resumes when not every trial stood.
   */
  const flush = (): { resume: number; sequential: boolean } | undefined => {
    if (!batch.length) return undefined;
    const fixing = batch.filter((m) => m.edits.length);
    if (!fixing.length) {
      commitAll(text, batch.map(() => true));
      batch = [];
      return undefined;
    }
    const accepted = fixing.flatMap((m) => m.trial!.chosen);
    const edits = uniqueEdits(accepted.flatMap((c) => c.fix.edits));
    const next = applyEdits(text, edits);
    const checked = gate(current, next, accepted);
    if ('why' in checked) return { resume: discard(0), sequential: true };
    // Who made each change (the fix that declared it), as a path what a transform reads is compared with.
    const owners = checked.changes.map((c) => {
      const by = batch.findIndex((m) => m.trial?.chosen.some((cand) => cand.fix.declares.some((d) => declaresChange(d, c))));
      return { by, path: readPath(c, current.plain, checked.plain) };
    });
    const afterAt = (p: readonly (string | number)[]) => p.reduce<unknown>((v, k) => childOf(v, k), checked.plain);
    const stands: boolean[] = [];
    for (const [k, m] of batch.entries()) {
      if (m.idleKeys) { stands.push(false); continue; }
      const touched = (pick: (by: number) => boolean) => owners.some((o) => (o.by < 0 || pick(o.by)) && touches(m.reads!, o.path, afterAt));
      const untouchedLater = !touched((by) => by > k);
      if (!touched((by) => by < k)) {
        stands.push(untouchedLater);
        continue;
      }
      if (!m.edits.length && untouchedLater && sameAgain(m, checked, next, edits)) {
        stands.push(true);
        continue;
      }
      // Trial k read what an earlier fix of the batch changed: apply the batch before it, then run it again.
      if (k === 0) return { resume: discard(0), sequential: true };
      const rest = batch.slice(k);
      const resume = discard(k);
      // Fixes only before it: the batch before it is the text already gated.
      if (rest.some((r) => r.edits.length)) return flush() ?? { resume, sequential: false };
      settle(next, checked, stands);
      return { resume, sequential: false };
    }
    settle(next, checked, stands);
    return undefined;
  };
  /** Commit the batch's trials and apply its fixes: `next`, gated as `checked`. */
  const settle = (next: string, checked: Gated, stands: readonly boolean[]) => {
    const fixing = batch.filter((m) => m.edits.length);
    const accepted = fixing.flatMap((m) => m.trial!.chosen);
    dirty(checked);
    commitAll(next, stands);
    if (bashCheck) {
      const changedHere = changedScriptSteps(current.wf, checked.wf);
      for (const m of fixing) {
        const chosen = m.trial!.chosen;
        const b: Batch = { before: current, text, accepted: chosen, keys: chosen.map((c) => keyOf(c.finding)) };
        const wrote = changedHere.filter((s) => chosen.some((c) => c.fix.declares.some((d) => isPrefix(d.path, [...s.path, 'run'])))).map((s) => s.script);
        for (const sc of [...chosen.flatMap((c) => c.fix.scripts ?? []), ...wrote]) if (!wroteScript.has(sc)) wroteScript.set(sc, b);
      }
      const first = { before: current, text, accepted: fixing[0]!.trial!.chosen, keys: fixing[0]!.trial!.chosen.map((c) => keyOf(c.finding)) };
      for (const s of changedHere) if (!wroteScript.has(s.script)) wroteScript.set(s.script, first);
    }
    apply(accepted, next, checked);
    batch = [];
  };

  for (let pass = 0; pass < MAX_PASSES; pass++) {
    remaining = new Set<string>();
    ordinals = new Map<string, number>();
    const appliedAtStart = applied;
    // Transforms run in registry order, each deciding on the result of the ones
    // before it: a fix never rests on a model another transform has just changed
    // (oidc-auth removing the keys a KMS step would have relied on). In a batch
    // they run on one model, which is the same where no transform reads what an
    // earlier one changes (reads.ts), and the batch is verified once.
    let sequential = !batching;
    let i = 0;
    const transforms = opts.transforms;
    for (;;) {
      const resumeAfter = (r: { resume: number; sequential: boolean } | undefined): boolean => {
        if (!r) return false;
        i = r.resume;
        sequential ||= r.sequential;
        return true;
      };
      if (i >= transforms.length) {
        if (!batch.length || !resumeAfter(flush())) break;
        continue;
      }
      const transform = transforms[i]!;
      if (sequential || !isDescribed(transform)) {
        if (resumeAfter(flush())) continue;
        runNow(transform);
        i++;
        continue;
      }
      const pending = batchEdits().length > 0;
      const idle = idleOn.get(transform);
      if (isIdle(idle, pending ? textBefore(batch.length) : text, pending)) {
        batch.push({ index: i, transform, ordinals: new Map(ordinals), idleKeys: idle.keys, edits: [], writes: [] });
        i++;
        continue;
      }
      const written = batch.flatMap((m) => m.writes);
      // A step inserted or removed, or a workflow-level change, where it reads: apply the batch first.
      if (pending && hardConflict(readsOf(transform, current.wf, opts.config, []), isSpeculative(transform) ? written.filter((w) => w.structural) : written)) {
        resumeAfter(flush());
        continue;
      }
      const snapshot = new Map(ordinals);
      const trial = evaluate(transform, ctxOn(current.wf, text), trialEnv(keyOf, overlapLine(history)));
      const reads = trial.findError !== undefined ? EVERYTHING.map((path): Read => ({ path })) : readsOf(transform, current.wf, opts.config, trial.items.map((t) => t.finding));
      const edits = uniqueEdits(trial.chosen.flatMap((c) => c.fix.edits));
      const writes = trial.chosen.flatMap((c) => c.fix.declares).map(widen);
      if (pending && ((trial.chosen.length > 0 && hardConflict(reads, written)) || editsMeet(edits, batchEdits()) || writes.some((w) => written.some((x) => overlaps(w.path, x.path))))) {
        ordinals = snapshot;
        resumeAfter(flush());
        continue;
      }
      batch.push({ index: i, transform, ordinals: snapshot, trial, reads, edits, writes });
      i++;
    }
    if (applied === appliedAtStart) break;
    if (pass === MAX_PASSES - 1) {
      return { ...base, status: 'error', reason: `fixes did not converge after ${MAX_PASSES} passes` };
    }
  }

  if (bashCheck && text !== src.text) {
    // Every run: script that differs from the input, plus the ones fixes declared, must pass bash -n.
    const finalScripts = changedScripts(first.wf, current.wf);
    // A script that is one before it with only a leading `set -euo pipefail` added parses as that one does:
    // it is not checked again (and that one, checked first, names the fix that broke it).
    const seen = new Set<string>();
    const toCheck = [...new Set([...wroteScript.keys(), ...finalScripts])].filter((sc) => {
      const before = withoutLeadingSet(sc);
      const again = before !== undefined && seen.has(before);
      seen.add(sc);
      return !again;
    });
    if (opts.uncheckedScripts) opts.uncheckedScripts.push(...toCheck.filter((sc) => !isChecked(sc)));
    else checkScripts(toCheck);
    for (const sc of toCheck) {
      const err = bashSyntaxError(sc);
      if (!err) continue;
      const batch = wroteScript.get(sc);
      const culprit = batch?.keys[scriptAuthor(batch, sc)];
      if (!culprit || banned.size >= MAX_BASH_RETRIES) {
        return { ...base, status: 'error', gateRejected: true, reason: `validation gate: a run: script the fixes produced fails bash -n (${err}); file left unchanged`, findings: [...reported.values()].map((f) => ({ ...f, fixed: false })) };
      }
      // Process the file again without that fix: the others still apply.
      return processTextUnguarded(raw, opts, new Map([...banned, [culprit, `validation gate: a run: script it generates or modifies fails bash -n (${err})`]]));
    }
  }
  for (const [key, r] of reported) {
    r.fixed = r.fixable && !generator && !remaining.has(key);
    if (r.fixed) {
      delete r.skippedBecause;
      delete r.rejected;
    }
  }
  const findings = [...reported.values()].map(detachFinding);
  if (generator) {
    for (const f of findings) {
      if (f.fixable) f.skippedBecause = `generated by ${generator}: fix the generator source, not the YAML`;
    }
  }
  const output = text === src.text ? raw : encodeSource(src, text);
  if (output !== raw) {
    // Final gate on the bytes that would be written: they decode back to the verified text.
    const back = decodeSource(output);
    if (back.text !== text) {
      return { ...base, status: 'error', gateRejected: true, reason: 'validation gate: the encoded output does not round-trip; file left unchanged', findings };
    }
  }
  return { ...base, status: output === raw ? 'unchanged' : 'changed', findings, output, generator, ...(requestedFiles.size ? { repositoryFiles: [...requestedFiles] } : {}) };
}
