/**
 * `--format sarif`: SARIF 2.1.0 for github/codeql-action/upload-sarif. One
 * rule per transform (help from its metadata, which follows its FIXES.md
 * section), one result per finding with its physical location, and, for
 * fixed findings, `fixes` whose replacements are the file's diff hunks: each
 * changed block goes to the nearest fixed finding, so applying every result's
 * fix reproduces `--write` exactly.
 */
import { pathToFileURL } from 'node:url';
import { relative } from 'node:path';
import { groupByRepository, type Repository } from '../bulk/repos.js';
import type { FileResult, RunResult } from '../run.js';
import type { Severity, Transform } from '../transform.js';
import type { ReportedFinding } from '../workflow/engine.js';
import { slash } from '../paths.js';

export const SARIF_SCHEMA = 'https://json.schemastore.org/sarif-2.1.0.json';
const BASE_ID = 'SRCROOT';

/** One run of changed lines in a diff, located in the original file. */
export interface ChangeBlock {
  /** 1-based line of the original file where the block starts. */
  startLine: number;
  deleted: string[];
  inserted: string[];
  /** The last deleted / inserted line has no final newline. */
  deletedNoEol: boolean;
  insertedNoEol: boolean;
}

/** Parse a unified diff (one file) into change blocks. */
export function changeBlocks(diff: string): ChangeBlock[] {
  const blocks: ChangeBlock[] = [];
  let block: ChangeBlock | undefined;
  let oldLine = 0;
  let last: ' ' | '-' | '+' | undefined;
  const flush = () => {
    if (block) blocks.push(block);
    block = undefined;
  };
  const lines = diff.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let inHunk = false;
  for (const l of lines) {
    const h = /^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@/.exec(l);
    if (h) {
      flush();
      inHunk = true;
      const count = h[2] === undefined ? 1 : Number(h[2]);
      oldLine = count === 0 ? Number(h[1]) + 1 : Number(h[1]);
      continue;
    }
    if (!inHunk) continue;
    const tag = l[0];
    if (tag === '\\') {
      if (last === '-' && block) block.deletedNoEol = true;
      else if (last === '+' && block) block.insertedNoEol = true;
      continue;
    }
    if (tag === ' ') {
      flush();
      oldLine++;
    } else if (tag === '-' || tag === '+') {
      block ??= { startLine: oldLine, deleted: [], inserted: [], deletedNoEol: false, insertedNoEol: false };
      if (tag === '-') {
        block.deleted.push(l.slice(1));
        oldLine++;
      } else {
        block.inserted.push(l.slice(1));
      }
    } else {
      continue;
    }
    last = tag;
  }
  flush();
  return blocks;
}

export interface SarifReplacement {
  deletedRegion: { startLine: number; startColumn: number; endLine: number; endColumn: number };
  insertedContent?: { text: string };
}

export function replacementOf(b: ChangeBlock): SarifReplacement {
  const n = b.deleted.length;
  const deletedRegion = n === 0
    ? { startLine: b.startLine, startColumn: 1, endLine: b.startLine, endColumn: 1 }
    : b.deletedNoEol
      ? { startLine: b.startLine, startColumn: 1, endLine: b.startLine + n - 1, endColumn: b.deleted[n - 1]!.length + 1 }
      : { startLine: b.startLine, startColumn: 1, endLine: b.startLine + n, endColumn: 1 };
  const text = b.inserted.map((l, i) => (i === b.inserted.length - 1 && b.insertedNoEol ? l : l + '\n')).join('');
  return text ? { deletedRegion, insertedContent: { text } } : { deletedRegion };
}

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = { error: 'error', warning: 'warning', note: 'note' };

const pascal = (id: string) => id.split(/[^A-Za-z0-9]+/).filter(Boolean).map((w) => w[0]!.toUpperCase() + w.slice(1)).join('');

function rule(t: Transform) {
  const { id, title, severity, fixesSection, description } = t.meta;
  const fix = 'Run `wf-fix --write` to apply the fix, or `wf-fix` to review it as a patch first.';
  return {
    id,
    name: pascal(id),
    shortDescription: { text: title },
    fullDescription: { text: description },
    help: {
      text: `${description}\n\nFIXES.md section ${fixesSection}.\n${fix}`,
      markdown: `**${title}**\n\n${description}\n\nImplements FIXES.md section *${fixesSection}*.\n\n${fix}`,
    },
    defaultConfiguration: { level: LEVEL[severity] },
    properties: { tags: ['security', 'github-actions', 'aws', 'ci'], precision: 'high' },
  };
}

/** Assign each change block to the fixed finding nearest to it (ties: the earlier one). */
function assignBlocks(findings: readonly ReportedFinding[], blocks: readonly ChangeBlock[]): Map<ReportedFinding, ChangeBlock[]> {
  const out = new Map<ReportedFinding, ChangeBlock[]>();
  const fixed = findings.filter((x) => x.fixed);
  if (!fixed.length) return out;
  for (const b of blocks) {
    let best = fixed[0]!;
    for (const x of fixed) if (Math.abs(x.line - b.startLine) < Math.abs(best.line - b.startLine)) best = x;
    out.set(best, [...(out.get(best) ?? []), b]);
  }
  return out;
}

export interface SarifOptions {
  toolVersion: string;
  transforms: readonly Transform[];
  cwd: string;
  /** The run's repositories when already grouped (a bulk run); else grouped here. */
  repositories?: Repository[];
}

/** SARIF log for a run; uris are relative to the repository root when there is one repository, else to cwd. */
export function sarifLog(result: RunResult, opts: SarifOptions) {
  const repos = opts.repositories ?? groupByRepository(result.files, opts.cwd);
  const base = repos.length === 1 ? repos[0]!.root : opts.cwd;
  const baseUri = pathToFileURL(base).href.replace(/\/?$/, '/');
  const location = (f: FileResult) => {
    const rel = slash(relative(base, f.absPath));
    if (rel.startsWith('../') || rel === '..' || /^[a-zA-Z]:/.test(rel) || rel.startsWith('/')) return { uri: pathToFileURL(f.absPath).href };
    return { uri: rel.split('/').map(encodeURIComponent).join('/'), uriBaseId: BASE_ID };
  };
  const ruleIndex = new Map(opts.transforms.map((t, i) => [t.meta.id, i]));
  const results = [];
  const notifications = [];
  for (const f of result.files) {
    const artifactLocation = location(f);
    if (f.status === 'error') {
      notifications.push({
        level: 'error' as const,
        message: { text: `${f.path}: ${f.reason ?? 'could not be processed'}` },
        locations: [{ physicalLocation: { artifactLocation, ...(f.errorLine ? { region: { startLine: f.errorLine } } : {}) } }],
      });
    }
    const assigned = f.diff ? assignBlocks(f.findings, changeBlocks(f.diff)) : new Map<ReportedFinding, ChangeBlock[]>();
    for (const x of f.findings) {
      const t = opts.transforms.find((tr) => tr.meta.id === x.ruleId);
      const blocks = assigned.get(x);
      const why = x.rejected ? 'Fix rejected' : 'Not fixed';
      const text = [x.message, ...(x.skippedBecause ? [`${why}: ${x.skippedBecause}`] : []), ...x.notes.map((n) => `Note: ${n}`)].join('\n');
      results.push({
        ruleId: x.ruleId,
        ...(ruleIndex.has(x.ruleId) ? { ruleIndex: ruleIndex.get(x.ruleId)! } : {}),
        level: t ? LEVEL[t.meta.severity] : 'warning',
        message: { text },
        locations: [{ physicalLocation: { artifactLocation, region: { startLine: x.line, startColumn: x.column } } }],
        ...(blocks?.length
          ? { fixes: [{ description: { text: `wf-fix ${x.ruleId}` }, artifactChanges: [{ artifactLocation, replacements: blocks.map(replacementOf) }] }] }
          : {}),
        properties: { fixable: x.fixable, fixed: x.fixed, rejected: x.rejected === true, written: f.written },
      });
    }
  }
  for (const e of result.errors) notifications.push({ level: 'error' as const, message: { text: e } });
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0' as const,
    runs: [
      {
        tool: { driver: { name: 'wf-fix', version: opts.toolVersion, semanticVersion: opts.toolVersion, rules: opts.transforms.map(rule) } },
        originalUriBaseIds: { [BASE_ID]: { uri: baseUri } },
        columnKind: 'utf16CodeUnits' as const,
        invocations: [{ executionSuccessful: notifications.length === 0, toolExecutionNotifications: notifications }],
        results,
      },
    ],
  };
}

export function sarifReport(result: RunResult, opts: SarifOptions): string {
  return JSON.stringify(sarifLog(result, opts), null, 2) + '\n';
}
