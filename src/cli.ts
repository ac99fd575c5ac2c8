#!/usr/bin/env node
/** Arguments -> options -> run() -> output -> exit code. Nothing else. */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { TRANSFORMS } from '../transforms/index.js';
import { packageVersion } from './actions/repository-files.js';
import { defaultJobs, MIN_FILES_PER_WORKER } from './bulk/pool.js';
import { progressBar } from './bulk/progress.js';
import { readReposFile } from './bulk/repos.js';
import { parseShard, shardLabel, type Shard } from './bulk/shard.js';
import { runBulk } from './bulk/run-bulk.js';
import { repositoryTable } from './bulk/table.js';
import { interactiveConflict, interactiveMain } from './interactive.js';
import { htmlReport } from './report/html.js';
import { jsonReport } from './report/json.js';
import { mergeReportsMain } from './report/merge-cli.js';
import { sarifReport } from './report/sarif.js';
import { COLOR, colorDiff, findingLines, PLAIN, summaryLines } from './report/text.js';
import { EXIT, exitCode, validateIds } from './run.js';
import { checkTrustOptions, emitTrust, TRUST_OPTIONS, trustPolicyMain } from './trust/cli.js';
import { trustReport } from './trust/collect.js';

/**
 * A run's live data is small (tens of MB at 10,000 files) but each file's
 * parses outlive a scavenge and die in the old generation; with V8's default
 * growth the heap reaches several times the live data before a full GC.
 * Growing it by 20% a GC keeps the peak RSS near the live data at no cost in
 * time (npm run bench). V8 flags are process-wide: the worker threads get it too.
 */
setFlagsFromString('--heap-growing-percent=20');

const version = packageVersion();

const list = (v: unknown): string[] | undefined =>
  v === undefined ? undefined : String(v).split(',').map((s) => s.trim()).filter(Boolean);

async function main(argv: string[]): Promise<number> {
  if (argv[0] === 'trust-policy') return trustPolicyMain(argv.slice(1), process.cwd());
  if (argv[0] === 'merge-reports') return mergeReportsMain(argv.slice(1), process.cwd(), TRANSFORMS);
  const parser = yargs(argv)
    .scriptName('wf-fix')
    .usage('$0 [paths..]\n\nRepairs GitHub Actions workflows that deploy AWS (CDK) apps. Default: dry run, a unified diff on stdout.')
    .option('write', { type: 'boolean', describe: 'apply the fixes to the files' })
    .option('check', { type: 'boolean', describe: 'apply nothing; exit 1 if any fix is pending' })
    .option('interactive', { alias: 'i', type: 'boolean', describe: 'review each fix as a hunk and answer y/n/a/q (as git add -p); writes only the accepted fixes (needs a terminal)' })
    .option('only', { type: 'string', describe: 'comma-separated transform ids to run' })
    .option('skip', { type: 'string', describe: 'comma-separated transform ids not to run' })
    .option('format', { choices: ['text', 'json', 'sarif', 'html'] as const, default: 'text' as const, describe: 'output format (json: versioned report; sarif: SARIF 2.1.0 for code scanning; html: self-contained review page)' })
    .option('html', { type: 'string', describe: 'also write the self-contained HTML review report (side-by-side diffs) to FILE' })
    .option('trust-policy-dir', { type: 'string', describe: 'also write <role>.trust.json and <role>.kms.json for the roles the fixed workflows assume (see wf-fix trust-policy --help)' })
    .options(TRUST_OPTIONS)
    .option('repos-from', { type: 'string', describe: 'read more paths (repositories) from FILE, one per line; # comments and blank lines ignored; - = stdin' })
    .option('jobs', { alias: 'j', type: 'number', describe: `worker threads (default: number of CPUs; 1 = in-process; runs under ${2 * MIN_FILES_PER_WORKER} files stay in-process)` })
    .option('shard', { type: 'string', describe: 'process only shard K of N (K/N): the repositories whose stable hash of their path falls in it; merge the shards\' --format json reports with wf-fix merge-reports' })
    .option('patch-dir', { type: 'string', describe: 'write one <repo-name>.patch per changed repository into DIR (paths relative to the repository, for git -C repo apply)' })
    .option('git-branch', { type: 'string', describe: 'in each changed git repository: create branch NAME, write and stage the changed files (never pushes)' })
    .option('git-commit', { type: 'boolean', describe: 'with --git-branch: also commit exactly the changed files, with a message listing the fixes' })
    .option('config', { type: 'string', describe: 'config file (default: wf-fix.config.{json,yaml,yml} from each repository root upward)' })
    .option('role-arn', { type: 'string', describe: 'role to assume through OIDC (overrides roles.default)' })
    .option('color', { type: 'boolean', describe: 'colour output (default: only on a TTY)' })
    .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'explain per file what was found, fixed and skipped' })
    .option('list-transforms', { type: 'boolean', default: false, describe: 'list transform ids and exit' })
    .conflicts('write', 'check')
    .conflicts('git-branch', 'check')
    .check((a) => {
      if (a['git-commit'] && !a['git-branch']) throw new UsageError('--git-commit needs --git-branch NAME');
      if (a.jobs !== undefined && (!Number.isInteger(a.jobs) || a.jobs < 1)) throw new UsageError('--jobs must be a whole number >= 1');
      if (a['git-branch'] !== undefined && !/^[A-Za-z0-9][A-Za-z0-9._\/-]*$/.test(a['git-branch'])) throw new UsageError(`--git-branch: invalid branch name ${a['git-branch']}`);
      if (a.shard !== undefined && typeof parseShard(a.shard) === 'string') throw new UsageError(parseShard(a.shard) as string);
      const interactive = a.interactive ? interactiveConflict({ check: a.check, format: a.format, jobs: a.jobs, patchDir: a['patch-dir'], gitBranch: a['git-branch'], shard: a.shard, html: a.html, trustPolicyDir: a['trust-policy-dir'] }) : undefined;
      if (interactive) throw new UsageError(interactive);
      const trustProblem = checkTrustOptions({ repo: a.repo, immutableIds: a['immutable-ids'] });
      if (trustProblem) throw new UsageError(trustProblem);
      return true;
    })
    .example('$0', 'print the fixes for every workflow under . as a patch')
    .example('$0 > fix.patch && git apply fix.patch', 'same as --write, via git')
    .example('$0 --write --role-arn arn:aws:iam::123456789012:role/deploy', 'apply, with an explicit OIDC role')
    .example('$0 --interactive', 'review the fixes one at a time and write the accepted ones')
    .example('$0 --check --only oidc-auth .github/workflows', 'CI gate: exit 1 if long-lived keys remain')
    .example('$0 --format json repos/*', 'machine-readable findings and diffs for many repositories')
    .example('$0 --repos-from repos.txt --patch-dir patches', 'one patch per repository, for review')
    .example('$0 --git-branch wf-fix/oidc --git-commit checkouts/*', 'a local branch with one commit per changed repository')
    .example('$0 --check --format sarif > wf-fix.sarif', 'findings for github/codeql-action/upload-sarif')
    .example('$0 --html report.html repos/*', 'a review page with every diff side by side')
    .example('$0 --shard 2/4 --format json --repos-from repos.txt > shard-2.json', 'the second of four machines; then wf-fix merge-reports shard-*.json')
    .example('$0 trust-policy --repo my-org/my-app', 'IAM trust and KMS policies for the roles the fixed workflows assume')
    .epilogue(
      'Exit codes: 0 ok (whether or not anything changed), 1 --check found pending fixes, 2 some file could not be processed '
      + '(the other files are still processed) or the arguments/config are invalid, 3 a fix was rejected by the validation gate '
      + '(reported as "rejected"; the rest of that file was still fixed). 2 wins over 3, 3 over 1.\n\nTransforms: '
      + TRANSFORMS.map((t) => t.meta.id).join(', '),
    )
    .version(version)
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
  let paths = args._.map(String);
  if (args['repos-from'] !== undefined) {
    try {
      paths = [...paths, ...readReposFile(args['repos-from'])];
    } catch (e) {
      process.stderr.write(`wf-fix: --repos-from ${args['repos-from']}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}\n`);
      return EXIT.FAILED;
    }
  } else if (!paths.length) {
    paths = ['.'];
  }
  const cwd = process.cwd();
  if (args.interactive) {
    return interactiveMain({ paths, cwd, write: true, only, skip, configFile: args.config, roleArn: args['role-arn'], toolVersion: version, transforms: TRANSFORMS },
      { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, color: args.color, verbose: args.verbose });
  }
  const shard = args.shard === undefined ? undefined : (parseShard(args.shard) as Shard);
  const bar = progressBar();
  const result = await runBulk({
    paths,
    cwd,
    write: args.write === true || args['git-branch'] !== undefined,
    only,
    skip,
    configFile: args.config,
    roleArn: args['role-arn'],
    jobs: args.jobs ?? defaultJobs(),
    patchDir: args['patch-dir'],
    gitBranch: args['git-branch'],
    gitCommit: args['git-commit'],
    toolVersion: version,
    transforms: TRANSFORMS,
    shard,
    // A plain --check prints findings and the summary only: no diff to compute.
    diffs: !(args.check && args.format === 'text' && args.html === undefined && args['patch-dir'] === undefined),
  }, bar?.update).finally(() => bar?.stop());
  const mode = args.write || args['git-branch'] !== undefined ? 'write' : args.check ? 'check' : 'dry-run';
  const errColor = (args.color ?? process.stderr.isTTY) ? COLOR : PLAIN;
  const outColor = (args.color ?? process.stdout.isTTY) ? COLOR : PLAIN;
  if (args.format === 'json') {
    process.stdout.write(jsonReport({ ...result, cwd, mode, ...(shard ? { shard: shardLabel(shard) } : {}) }, version));
  } else if (args.format === 'sarif') {
    process.stdout.write(sarifReport(result, { toolVersion: version, transforms: TRANSFORMS, cwd, repositories: result.repositories }));
  } else if (args.format === 'html') {
    process.stdout.write(htmlReport(result, { toolVersion: version, cwd, mode, repositories: result.repositories }));
  } else if (mode === 'dry-run') {
    for (const f of result.files) if (f.diff) process.stdout.write(colorDiff(f.diff, outColor));
  }
  if (args.format === 'text') {
    for (const f of result.files) for (const l of findingLines(f, errColor, args.verbose)) process.stderr.write(l + '\n');
    for (const l of summaryLines(result, mode, errColor)) process.stderr.write(l + '\n');
    if (result.repositories.length > 1 || args['patch-dir'] !== undefined || args['git-branch'] !== undefined) {
      for (const l of repositoryTable(result, cwd)) process.stderr.write(l + '\n');
    }
  } else {
    for (const e of result.errors) process.stderr.write(`wf-fix: ${e}\n`);
  }
  if (args.html !== undefined) {
    try {
      writeFileSync(resolve(cwd, args.html), htmlReport(result, { toolVersion: version, cwd, mode, repositories: result.repositories }));
    } catch (e) {
      result.errors.push(`--html ${args.html}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      process.stderr.write(`wf-fix: ${result.errors[result.errors.length - 1]}\n`);
    }
  }
  if (args['trust-policy-dir'] !== undefined) {
    const trust = trustReport({ paths, cwd, repo: args.repo, immutableIds: args['immutable-ids'], defaultBranch: args['default-branch'], configFile: args.config, roleArn: args['role-arn'] });
    if (emitTrust(trust, resolve(cwd, args['trust-policy-dir'])) !== EXIT.OK) result.errors.push('--trust-policy-dir failed');
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
