#!/usr/bin/env node
/** Arguments -> options -> run() -> output -> exit code. Nothing else. */
import { readFileSync } from 'node:fs';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { TRANSFORMS } from '../transforms/index.js';
import { jsonReport } from './report/json.js';
import { COLOR, colorDiff, findingLines, PLAIN, summaryLines } from './report/text.js';
import { EXIT, exitCode, run, validateIds } from './run.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const list = (v: unknown): string[] | undefined =>
  v === undefined ? undefined : String(v).split(',').map((s) => s.trim()).filter(Boolean);

async function main(argv: string[]): Promise<number> {
  const parser = yargs(argv)
    .scriptName('wf-fix')
    .usage('$0 [paths..]\n\nRepairs GitHub Actions workflows that deploy AWS (CDK) apps. Default: dry run, a unified diff on stdout.')
    .option('write', { type: 'boolean', describe: 'apply the fixes to the files' })
    .option('check', { type: 'boolean', describe: 'apply nothing; exit 1 if any fix is pending' })
    .option('only', { type: 'string', describe: 'comma-separated transform ids to run' })
    .option('skip', { type: 'string', describe: 'comma-separated transform ids not to run' })
    .option('format', { choices: ['text', 'json'] as const, default: 'text' as const, describe: 'output format' })
    .option('config', { type: 'string', describe: 'config file (default: wf-fix.config.{json,yaml,yml} from each repository root upward)' })
    .option('role-arn', { type: 'string', describe: 'role to assume through OIDC (overrides roles.default)' })
    .option('color', { type: 'boolean', describe: 'colour output (default: only on a TTY)' })
    .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'explain per file what was found, fixed and skipped' })
    .option('list-transforms', { type: 'boolean', default: false, describe: 'list transform ids and exit' })
    .conflicts('write', 'check')
    .example('$0', 'print the fixes for every workflow under . as a patch')
    .example('$0 > fix.patch && git apply fix.patch', 'same as --write, via git')
    .example('$0 --write --role-arn arn:aws:iam::123456789012:role/deploy', 'apply, with an explicit OIDC role')
    .example('$0 --check --only oidc-auth .github/workflows', 'CI gate: exit 1 if long-lived keys remain')
    .example('$0 --format json repos/*', 'machine-readable findings and diffs for many repositories')
    .epilogue(
      'Exit codes: 0 ok (whether or not anything changed), 1 --check found pending fixes, 2 some file could not be processed '
      + '(the other files are still processed) or the arguments/config are invalid.\n\nTransforms: '
      + TRANSFORMS.map((t) => t.meta.id).join(', '),
    )
    .version(pkg.version)
    .help()
    .alias('h', 'help')
    .strictOptions()
    .wrap(Math.min(110, process.stdout.columns || 100))
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });

  let args;
  try {
    args = await parser.parseAsync();
  } catch (e) {
    process.stderr.write(`wf-fix: ${(e as Error).message}\nRun wf-fix --help for usage.\n`);
    return EXIT.FAILED;
  }
  if (args['list-transforms']) {
    for (const t of TRANSFORMS) process.stdout.write(`${t.meta.id}\t${t.meta.severity}\t${t.meta.title}\n`);
    return EXIT.OK;
  }
  const only = list(args.only);
  const skip = list(args.skip);
  for (const [ids, flag] of [[only, '--only'], [skip, '--skip']] as const) {
    const bad = validateIds(ids, flag);
    if (bad) {
      process.stderr.write(`wf-fix: ${bad}\n`);
      return EXIT.FAILED;
    }
  }
  const paths = (args._.length ? args._ : ['.']).map(String);
  const result = run({
    paths,
    cwd: process.cwd(),
    write: args.write === true,
    only,
    skip,
    configFile: args.config,
    roleArn: args['role-arn'],
  });
  const mode = args.write ? 'write' : args.check ? 'check' : 'dry-run';
  const errColor = (args.color ?? process.stderr.isTTY) ? COLOR : PLAIN;
  const outColor = (args.color ?? process.stdout.isTTY) ? COLOR : PLAIN;
  if (args.format === 'json') {
    process.stdout.write(jsonReport(result, pkg.version));
  } else if (mode === 'dry-run') {
    for (const f of result.files) if (f.diff) process.stdout.write(colorDiff(f.diff, outColor));
  }
  if (args.format === 'text') {
    for (const f of result.files) for (const l of findingLines(f, errColor, args.verbose)) process.stderr.write(l + '\n');
    for (const l of summaryLines(result, mode, errColor)) process.stderr.write(l + '\n');
  } else {
    for (const e of result.errors) process.stderr.write(`wf-fix: ${e}\n`);
  }
  return exitCode(result, args.check === true);
}

class UsageError extends Error {}

main(hideBin(process.argv)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`wf-fix: internal error: ${(e as Error).stack ?? String(e)}\n`);
    process.exitCode = EXIT.FAILED;
  },
);
