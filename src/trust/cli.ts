/**
 * `wf-fix trust-policy [paths..]` and `--trust-policy-dir DIR`: print the
 * trust report as one JSON document, or write `<role>.trust.json` and
 * `<role>.kms.json` per role (plain IAM documents; notes go to stderr).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import yargs from 'yargs';
import { isSlug } from './repo-slug.js';
import { trustReport, type TrustOptions, type TrustReport } from './collect.js';

export const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

/** Files for --trust-policy-dir, name -> content, in a stable order. */
export function trustFiles(report: TrustReport): [string, string][] {
  const out: [string, string][] = [];
  for (const r of report.roles) {
    out.push([`${r.name}.trust.json`, json(r.trustPolicy)]);
    if (r.kmsPolicy) out.push([`${r.name}.kms.json`, json(r.kmsPolicy)]);
  }
  return out;
}

export function writeTrustDir(report: TrustReport, dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files = trustFiles(report);
  for (const [name, content] of files) writeFileSync(join(dir, name), content);
  return files.map(([n]) => n);
}

/** Notes for stderr: per role, then per workflow. */
export function trustNoteLines(report: TrustReport): string[] {
  const lines: string[] = [];
  for (const r of report.roles) for (const n of r.notes) lines.push(`note: ${r.name}: ${n}`);
  for (const n of report.notes) lines.push(`note: ${n}`);
  return lines;
}

/** Validate --repo / --immutable-ids; a message when invalid. */
export function checkTrustOptions(o: { repo?: string; immutableIds?: string }): string | undefined {
  if (o.repo !== undefined && !isSlug(o.repo)) return `--repo must be OWNER/REPO (got ${o.repo})`;
  if (o.immutableIds !== undefined && !/^\d+\/\d+$/.test(o.immutableIds)) return `--immutable-ids must be OWNER_ID/REPO_ID, two numbers (got ${o.immutableIds})`;
  return undefined;
}

export const TRUST_OPTIONS = {
  repo: { type: 'string', describe: 'OWNER/REPO for the sub claims (default: from `git remote get-url origin`)' },
  'immutable-ids': { type: 'string', describe: 'OWNER_ID/REPO_ID: sub claims in the immutable-ID form repo:OWNER@ID/REPO@ID:... (repositories created after 2026-07-15)' },
  'default-branch': { type: 'string', describe: 'default branch for workflow_dispatch/schedule subjects (default: origin/HEAD, else main)' },
} as const;

/** `wf-fix trust-policy ...`: returns the exit code. */
export async function trustPolicyMain(argv: string[], cwd: string): Promise<number> {
  let args;
  try {
    args = await yargs(argv)
      .scriptName('wf-fix trust-policy')
      .usage('$0 [paths..]\n\nIAM trust policies (and KMS permissions) for the roles the fixed workflows assume. Nothing is written to the workflows.')
      .options(TRUST_OPTIONS)
      .option('trust-policy-dir', { type: 'string', describe: 'write <role>.trust.json and <role>.kms.json into DIR instead of one JSON document on stdout' })
      .option('config', { type: 'string', describe: 'config file (default: wf-fix.config.{json,yaml,yml} from each repository root upward)' })
      .option('role-arn', { type: 'string', describe: 'role to assume through OIDC (overrides roles.default)' })
      .example('$0 --repo my-org/my-app', 'one JSON document: trust and KMS policies per role')
      .example('$0 --trust-policy-dir iam/', 'iam/<role>.trust.json, iam/<role>.kms.json')
      .strictOptions()
      .help()
      .version(false)
      .fail((msg, err) => { throw err ?? new Error(msg); })
      .parseAsync();
  } catch (e) {
    process.stderr.write(`wf-fix trust-policy: ${(e as Error).message}\n`);
    return 2;
  }
  const bad = checkTrustOptions({ repo: args.repo, immutableIds: args['immutable-ids'] });
  if (bad) {
    process.stderr.write(`wf-fix trust-policy: ${bad}\n`);
    return 2;
  }
  const paths = args._.map(String);
  const opts: TrustOptions = {
    paths: paths.length ? paths : ['.'],
    cwd,
    repo: args.repo,
    immutableIds: args['immutable-ids'],
    defaultBranch: args['default-branch'],
    configFile: args.config,
    roleArn: args['role-arn'],
  };
  return emitTrust(trustReport(opts), args['trust-policy-dir'] === undefined ? undefined : resolve(cwd, args['trust-policy-dir']));
}

/** Print or write a report; notes and errors on stderr. Exit 2 when something failed. */
export function emitTrust(report: TrustReport, dir: string | undefined): number {
  if (dir === undefined) {
    process.stdout.write(json(report));
  } else {
    try {
      writeTrustDir(report, dir);
    } catch (e) {
      report.errors.push(`--trust-policy-dir: ${(e as Error).message}`);
    }
    for (const l of trustNoteLines(report)) process.stderr.write(l + '\n');
    if (!report.roles.length) process.stderr.write('wf-fix trust-policy: no role is assumed through OIDC in these workflows\n');
  }
  for (const e of report.errors) process.stderr.write(`wf-fix trust-policy: ${e}\n`);
  return report.errors.length ? 2 : 0;
}
