/** `wf-fix merge-reports a.json b.json ... [--format json|sarif|html]`: one report from shard reports. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import yargs from 'yargs';
import type { Transform } from '../transform.js';
import { htmlReport } from './html.js';
import { jsonReport } from './json.js';
import { mergeReports, parseJsonReport, ReportError } from './merge.js';
import { sarifReport } from './sarif.js';

/** Returns the exit code: 0 merged, 2 a report could not be read or the reports do not belong together. */
export async function mergeReportsMain(argv: string[], cwd: string, transforms: readonly Transform[]): Promise<number> {
  let args;
  try {
    args = await yargs(argv)
      .scriptName('wf-fix merge-reports')
      .usage('$0 <reports..>\n\nMerge the --format json reports of shard runs (wf-fix --shard K/N) into one report: totals, repositories and files as one run.')
      .positional('reports', { type: 'string', describe: 'JSON reports written by wf-fix --format json' })
      .option('format', { choices: ['json', 'sarif', 'html'] as const, default: 'json' as const, describe: 'format of the merged report (stdout)' })
      .example('$0 shard-*.json --format sarif > wf-fix.sarif', 'one SARIF log for the whole fleet')
      .epilogue('Exit codes: 0 merged, 2 a report could not be read or the reports are not shards of one kind of run.')
      .strictOptions()
      .help()
      .fail((msg, err) => {
        throw err ?? new Error(msg);
      })
      .parseAsync();
  } catch (e) {
    process.stderr.write(`wf-fix merge-reports: ${(e as Error).message}\n`);
    return 2;
  }
  const files = args._.map(String);
  if (!files.length) {
    process.stderr.write('wf-fix merge-reports: name at least one report (wf-fix --format json output)\n');
    return 2;
  }
  let merged;
  try {
    const docs = files.map((file) => {
      let text: string;
      try {
        text = readFileSync(resolve(cwd, file), 'utf8');
      } catch (e) {
        throw new ReportError(`${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      return { file, doc: parseJsonReport(text, file) };
    });
    merged = mergeReports(docs, cwd);
  } catch (e) {
    if (!(e instanceof ReportError)) throw e;
    process.stderr.write(`wf-fix merge-reports: ${e.message}\n`);
    return 2;
  }
  const { toolVersion, mode, repositories } = merged;
  if (args.format === 'json') process.stdout.write(jsonReport({ ...merged, cwd }, toolVersion));
  else if (args.format === 'sarif') process.stdout.write(sarifReport(merged, { toolVersion, transforms, cwd, repositories }));
  else process.stdout.write(htmlReport(merged, { toolVersion, cwd, mode, repositories }));
  return 0;
}
