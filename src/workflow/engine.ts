/**
 * The engine: parse, model, ask every transform for findings and fixes, apply
 * non-overlapping fixes as text edits, verify, and repeat until nothing is
 * left to fix (ESLint's fixed point). Transforms never see each other.
 */
import { spawnSync } from 'node:child_process';
import type { Config } from '../config.js';
import type { Declared, Finding, Fix, Transform, TransformContext } from '../transform.js';
import { parseYaml, toPlain, type Document } from '../yaml.js';
import { applyEdits, overlapsAny, type TextEdit } from './edits.js';
import { detectGenerator } from './generated.js';
import { positionAt } from './lines.js';
import { isSkip, modelWorkflow, type Workflow } from './model.js';
import { EditRefused } from './primitives.js';
import { decodeSource, encodeSource } from './source.js';
import { formatPath, structuralChanges, undeclaredChanges } from './verify.js';

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
}

export type FileStatus = 'unchanged' | 'changed' | 'skipped' | 'error';

export interface FileOutcome {
  status: FileStatus;
  /** Why the file was skipped, or what failed. */
  reason?: string;
  /** 1-based position of an error, when known. */
  errorLine?: number;
  findings: ReportedFinding[];
  /** The file's bytes as read, and as wf-fix would write them. */
  original: string;
  output: string;
  /** Generator named in the file header, if any (the YAML is then not edited). */
  generator?: string;
}

export interface ProcessOptions {
  config: Config;
  transforms: readonly Transform[];
  file: string;
  /** Check generated scripts with `bash -n` (default true). */
  bashCheck?: boolean;
}

interface Parsed {
  doc: Document.Parsed;
  wf: Workflow;
}

type ParseResult = Parsed | { skip: string } | { error: string; line?: number };

function parseWorkflow(text: string): ParseResult {
  const parsed = parseYaml(text);
  if (parsed.errors.length) {
    const e = parsed.errors[0]!;
    return { error: e.message, line: e.line };
  }
  if (parsed.docs.length === 0 || parsed.docs.every((d) => d.contents === null)) return { skip: 'empty file (no YAML content)' };
  if (parsed.docs.length > 1) return { skip: `multi-document YAML (${parsed.docs.length} documents): not a GitHub workflow` };
  const tagWarning = parsed.warnings.find((w) => /tag/i.test(w.message));
  if (tagWarning) return { skip: `custom YAML tags (${tagWarning.message}): CloudFormation or another non-workflow format` };
  const doc = parsed.docs[0]!;
  const wf = modelWorkflow(doc, text);
  if (isSkip(wf)) return wf;
  return { doc, wf };
}

function bashSyntaxError(script: string): string | undefined {
  const r = spawnSync('bash', ['-n'], { input: script, encoding: 'utf8' });
  if (r.error) return undefined; // no bash on this machine: nothing to check with
  return r.status === 0 ? undefined : (r.stderr.trim().split('\n')[0] ?? 'bash -n failed');
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

/** Check one combined application; returns the reason it is rejected, if it is. */
function rejectReason(before: Parsed, text: string, candidates: readonly Candidate[], bashCheck: boolean): string | undefined {
  const after = parseWorkflow(text);
  if ('error' in after) return `the edited file would not parse (${after.error})`;
  if ('skip' in after) return `the edited file would no longer be a workflow (${after.skip})`;
  const declared: Declared[] = candidates.flatMap((c) => c.fix.declares);
  let changes;
  try {
    changes = structuralChanges(toPlain(before.doc), toPlain(after.doc));
  } catch (e) {
    return `could not compare the parsed documents (${(e as Error).message})`;
  }
  const stray = undeclaredChanges(changes, declared);
  if (stray.length) return `the edit would change ${stray.map((c) => formatPath(c.path)).join(', ')}, which the fix did not declare`;
  if (bashCheck) {
    for (const c of candidates) {
      for (const s of c.fix.scripts ?? []) {
        const err = bashSyntaxError(s);
        if (err) return `a generated script fails bash -n (${err})`;
      }
    }
  }
  return undefined;
}

/** Run every transform over one file's text. Never throws for bad input. */
export function processText(raw: string, opts: ProcessOptions): FileOutcome {
  const src = decodeSource(raw);
  const base: FileOutcome = { status: 'unchanged', findings: [], original: raw, output: raw };
  const bashCheck = opts.bashCheck ?? true;
  let first: ParseResult;
  try {
    first = parseWorkflow(src.text);
  } catch (e) {
    return { ...base, status: 'error', reason: `could not parse: ${(e as Error).message}` };
  }
  if ('error' in first) return { ...base, status: 'error', reason: `invalid YAML: ${first.error}`, errorLine: first.line };
  if ('skip' in first) return { ...base, status: 'skipped', reason: first.skip };

  const generator = detectGenerator(src.text);
  const reported = new Map<string, ReportedFinding>();
  const report = (f: Finding, text: string): ReportedFinding => {
    const key = findingKey(f);
    let r = reported.get(key);
    if (!r) {
      const pos = positionAt(text, f.offset);
      r = { ruleId: f.ruleId, message: f.message, line: pos.line, column: pos.column, notes: [...(f.notes ?? [])], fixable: f.fixable, fixed: false };
      reported.set(key, r);
    }
    return r;
  };

  let text = src.text;
  let current: Parsed = first;
  /** Keys of the findings still present when no further fix could be applied. */
  let remaining = new Set<string>();
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    remaining = new Set<string>();
    const ctx: TransformContext = { wf: current.wf, text, config: opts.config, file: opts.file };
    const taken: TextEdit[] = [];
    const chosen: Candidate[] = [];
    for (const transform of opts.transforms) {
      let findings: Finding[];
      try {
        findings = transform.find(ctx);
      } catch (e) {
        return { ...base, status: 'error', reason: `transform ${transform.meta.id} failed: ${(e as Error).message}` };
      }
      for (const finding of findings) {
        const r = report(finding, text);
        remaining.add(findingKey(finding));
        if (!finding.fixable || generator || r.skippedBecause) continue;
        let fix: Fix | undefined;
        try {
          fix = transform.fix(ctx, finding);
        } catch (e) {
          if (!(e instanceof EditRefused)) throw e;
          r.skippedBecause = e.message;
          continue;
        }
        for (const n of finding.notes ?? []) if (!r.notes.includes(n)) r.notes.push(n);
        if (!fix || fix.edits.length === 0) continue;
        if (overlapsAny(fix.edits, taken)) continue; // picked up again next pass
        taken.push(...fix.edits);
        chosen.push({ transform, finding, fix });
      }
    }
    if (chosen.length === 0) break;

    let accepted = chosen;
    let next = applyEdits(text, taken);
    if (rejectReason(current, next, chosen, bashCheck) !== undefined) {
      // Find the culprits: keep each fix only if it passes on its own.
      accepted = [];
      for (const c of chosen) {
        const alone = applyEdits(text, c.fix.edits);
        const why = rejectReason(current, alone, [c], bashCheck);
        if (why) report(c.finding, text).skippedBecause = why;
        else accepted.push(c);
      }
      if (accepted.length === 0) break;
      next = applyEdits(text, accepted.flatMap((c) => c.fix.edits));
      if (rejectReason(current, next, accepted, bashCheck)) {
        accepted = accepted.slice(0, 1);
        next = applyEdits(text, accepted[0]!.fix.edits);
      }
    }
    const parsed = parseWorkflow(next);
    if (!('doc' in parsed)) break; // cannot happen: verified above
    text = next;
    current = parsed;
    if (pass === MAX_PASSES - 1) {
      return { ...base, status: 'error', reason: `fixes did not converge after ${MAX_PASSES} passes` };
    }
  }

  for (const [key, r] of reported) {
    r.fixed = r.fixable && !generator && !remaining.has(key);
    if (r.fixed) delete r.skippedBecause;
  }
  const findings = [...reported.values()];
  if (generator) {
    for (const f of findings) {
      if (f.fixable) f.skippedBecause = `generated by ${generator}: fix the generator source, not the YAML`;
    }
  }
  const output = text === src.text ? raw : encodeSource(src, text);
  return { ...base, status: output === raw ? 'unchanged' : 'changed', findings, output, generator };
}
