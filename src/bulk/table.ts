/** The per-repository summary table printed at the end of a multi-repository run. */
import { relative } from 'node:path';
import type { BulkResult } from './run-bulk.js';
import { slash } from '../paths.js';

function pad(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => (rows[0]![i] === 'repository' || rows[0]![i] === 'output' ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ').trimEnd());
}

export function repositoryTable(result: BulkResult, cwd: string): string[] {
  const withOutput = result.patches.length > 0 || result.git.length > 0;
  const rows: string[][] = [['repository', 'files', 'findings', 'changed', ...(withOutput ? ['output'] : [])]];
  for (const repo of result.repositories) {
    const s = repo.summary;
    const patch = result.patches.find((p) => p.repo === repo);
    const git = result.git.find((g) => g.repo.root === repo.root);
    let output = '';
    if (patch) output = slash(relative(cwd, patch.file));
    if (git) output = git.error ? 'refused' : git.commit ? `${git.branch} @ ${git.commit.slice(0, 12)}` : `${git.branch} (staged)`;
    rows.push([repo.path, String(s.files), String(s.findings), String(s.changed), ...(withOutput ? [output] : [])]);
  }
  return pad(rows);
}
