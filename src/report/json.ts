/** `--format json`: a stable, versioned document (schema in README). */
import type { RunResult } from '../run.js';
import { summarize } from './text.js';

export const JSON_REPORT_VERSION = 1;

export function jsonReport(result: RunResult, toolVersion: string): string {
  const doc = {
    version: JSON_REPORT_VERSION,
    tool: { name: 'wf-fix', version: toolVersion },
    summary: summarize(result),
    errors: result.errors,
    files: result.files.map((f) => ({
      path: f.path,
      status: f.status,
      reason: f.reason ?? null,
      generator: f.generator ?? null,
      written: f.written,
      findings: f.findings.map((x) => ({
        ruleId: x.ruleId,
        line: x.line,
        column: x.column,
        message: x.message,
        fixable: x.fixable,
        fixed: x.fixed,
        skippedBecause: x.skippedBecause ?? null,
        notes: x.notes,
      })),
      diff: f.diff,
    })),
  };
  return JSON.stringify(doc, null, 2) + '\n';
}
