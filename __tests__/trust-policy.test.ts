/**
 * Trust policies: the roles the *fixed* workflows assume, with sub claims
 * derived from triggers and environments, chained-role trust and the KMS
 * permissions of the artifact steps. Exact JSON throughout.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, lines, runCli, tempDir } from './helpers.js';
import { slugFromRemote } from '../src/trust/repo-slug.js';
import { iamPattern, jobSubjects, triggersOf } from '../src/trust/subjects.js';
import { trustReport } from '../src/trust/collect.js';
import { roleName } from '../src/trust/policies.js';
import type { Job } from '../src/workflow/model.js';

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

function repoWith(files: Record<string, string>, remote?: string, head?: string): string {
  const dir = tempDir('wf-fix-trust-');
  git(dir, 'init', '-q');
  if (remote) git(dir, 'remote', 'add', 'origin', remote);
  if (head) git(dir, 'symbolic-ref', 'refs/remotes/origin/HEAD', `refs/remotes/origin/${head}`);
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

const job = (id: string, environment?: string) => ({ id, environment }) as Job;
const subs = (on: unknown, environment?: string, branch = 'main', known = true) => jobSubjects(job('j', environment), triggersOf(on), branch, known);

describe('repository slug from the origin remote', () => {
  test.each([
    ['https://github.com/acme/app.git', 'acme/app'],
    ['https://github.com/acme/app', 'acme/app'],
    ['https://x-access-token:t@github.com/acme/app.git/', 'acme/app'],
    ['git@github.com:acme/app.git', 'acme/app'],
    ['ssh://git@github.com/acme/app.git', 'acme/app'],
    ['ssh://git@ghe.example.com:7999/acme/app', 'acme/app'],
    ['/srv/git/app.git', undefined],
  ])('%s -> %s', (url, slug) => {
    expect(slugFromRemote(url)).toBe(slug);
  });
});

describe('sub claims per job', () => {
  test('a job with an environment gets only the environment form, whatever the triggers', () => {
    expect(subs({ push: { branches: ['main'] }, pull_request: null }, 'production')).toEqual({
      subjects: [{ value: 'environment:production', like: false }],
      notes: [],
    });
  });

  test('push branch and tag filters, pull_request, default-branch events', () => {
    expect(subs({ push: { branches: ['main', 'release/**'], tags: ['v*'] }, pull_request: { branches: ['main'] }, schedule: [{ cron: '0 3 * * *' }] }, undefined, 'trunk')).toEqual({
      subjects: [
        { value: 'pull_request', like: false },
        { value: 'ref:refs/heads/main', like: false },
        { value: 'ref:refs/heads/release/*', like: true },
        { value: 'ref:refs/tags/v*', like: true },
        { value: 'ref:refs/heads/trunk', like: false },
      ],
      notes: [],
    });
  });

  test('push without ref filters trusts every branch and tag; only tags -> only tags', () => {
    expect(subs('push').subjects).toEqual([{ value: 'ref:refs/heads/*', like: true }, { value: 'ref:refs/tags/*', like: true }]);
    expect(subs({ push: { paths: ['src/**'] } }).subjects).toEqual([{ value: 'ref:refs/heads/*', like: true }, { value: 'ref:refs/tags/*', like: true }]);
    expect(subs({ push: { tags: ['v[0-9]+.*'] } })).toEqual({
      subjects: [{ value: 'ref:refs/tags/v*.*', like: true }],
      notes: ["push: filter 'v[0-9]+.*' widened to 'v*.*' (IAM StringLike knows only * and ?)"],
    });
  });

  test('negative filters, branches-ignore, release, merge_group, workflow_call, an unknown default branch', () => {
    expect(subs(['release', 'merge_group', 'workflow_call'])).toEqual({
      subjects: [{ value: 'ref:refs/heads/gh-readonly-queue/*', like: true }, { value: 'ref:refs/tags/*', like: true }],
      notes: ["job 'j': in a reusable workflow the subject is the caller's; derive it from the calling workflows"],
    });
    expect(subs({ push: { branches: ['main', '!main-old'] }, workflow_dispatch: null }, undefined, 'main', false)).toEqual({
      subjects: [{ value: 'ref:refs/heads/main', like: false }],
      notes: [
        "push: the negative filter '!main-old' has no IAM form; the positive patterns are trusted",
        'workflow_dispatch: trusted on the default branch only (a run started from another branch will be refused)',
        "the default branch is assumed to be 'main' (no origin/HEAD; pass --default-branch)",
      ],
    });
    expect(subs({ push: { 'branches-ignore': ['wip/**'] } })).toEqual({
      subjects: [{ value: 'ref:refs/heads/*', like: true }],
      notes: ['push: branches-ignore has no IAM form; every branch is trusted'],
    });
  });

  test('filter globs as IAM patterns', () => {
    expect(iamPattern('feature/**')).toEqual({ pattern: 'feature/*', widened: false });
    expect(iamPattern('rel-?x')).toEqual({ pattern: 'rel*x', widened: true });
  });

  test('role names for file names', () => {
    expect(roleName('arn:aws:iam::123456789012:role/path/to/deploy')).toBe('deploy');
    expect(roleName('${{ vars.AWS_ROLE_ARN }}')).toBe('AWS_ROLE_ARN');
    expect(roleName("${{ secrets['PROD_ROLE'] }}")).toBe('PROD_ROLE');
    expect(roleName('arn:aws:iam::${{ env.ACCOUNT }}:role/CdkDeployRole')).toBe('CdkDeployRole');
  });
});

const MIXED = lines(
  'name: deploy',
  'on:',
  '  push:',
  "    branches: [main, 'release/**']",
  "    tags: ['v*']",
  '  pull_request:',
  'jobs:',
  '  test:',
  '    runs-on: ubuntu-latest',
  '    permissions:',
  '      id-token: write',
  '      contents: read',
  '    steps:',
  '      - uses: aws-actions/configure-aws-credentials@v4',
  '        with:',
  '          role-to-assume: arn:aws:iam::111111111111:role/ci-read',
  '          role-session-name: GitHubActions-test',
  '          aws-region: eu-west-1',
  '  prod:',
  '    runs-on: ubuntu-latest',
  '    environment: production',
  '    permissions:',
  '      id-token: write',
  '      contents: read',
  '    steps:',
  '      - uses: aws-actions/configure-aws-credentials@v4',
  '        with:',
  '          role-to-assume: arn:aws:iam::111111111111:role/ci-read',
  '          role-session-name: GitHubActions-prod',
  '          aws-region: eu-west-1',
  '          audience: sts.amazonaws.com',
  '      - uses: aws-actions/configure-aws-credentials@v4',
  '        with:',
  '          role-to-assume: arn:aws:iam::222222222222:role/deployer',
  '          role-chaining: true',
  '          role-skip-session-tagging: true',
  '          aws-region: eu-west-1',
);

const NIGHTLY = lines(
  'on:',
  '  schedule:',
  "    - cron: '0 3 * * *'",
  '  workflow_dispatch:',
  'jobs:',
  '  nightly:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - uses: aws-actions/configure-aws-credentials@v2',
  '        with:',
  '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}',
  '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
  '          aws-region: us-gov-west-1',
  '      - run: aws s3 ls',
);

describe('trust report over workflows', () => {
  test('literal roles: one OIDC statement for all jobs (StringLike once a sub has a wildcard), chained role trusts the base role', () => {
    const dir = repoWith({ '.github/workflows/deploy.yml': MIXED }, 'https://github.com/acme/app.git', 'main');
    const report = trustReport({ paths: ['.'], cwd: dir });
    expect(report.errors).toEqual([]);
    expect(report.repositories).toEqual([{ path: '.', repository: 'acme/app', subject: 'repo:acme/app', defaultBranch: 'main' }]);
    expect(report.notes).toEqual([]);
    expect(report.roles).toEqual([
      {
        name: 'ci-read',
        role: 'arn:aws:iam::111111111111:role/ci-read',
        account: '111111111111',
        repositories: ['.'],
        usedBy: ['.github/workflows/deploy.yml job prod (oidc)', '.github/workflows/deploy.yml job test (oidc)'],
        trustPolicy: {
          Version: '2012-10-17',
          Statement: [{
            Sid: 'GitHubActionsOidc',
            Effect: 'Allow',
            Principal: { Federated: 'arn:aws:iam::111111111111:oidc-provider/token.actions.githubusercontent.com' },
            Action: 'sts:AssumeRoleWithWebIdentity',
            Condition: {
              StringEquals: { 'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com' },
              StringLike: {
                'token.actions.githubusercontent.com:sub': [
                  'repo:acme/app:environment:production',
                  'repo:acme/app:pull_request',
                  'repo:acme/app:ref:refs/heads/main',
                  'repo:acme/app:ref:refs/heads/release/*',
                  'repo:acme/app:ref:refs/tags/v*',
                ],
              },
            },
          }],
        },
        kmsPolicy: null,
        notes: [],
      },
      {
        name: 'deployer',
        role: 'arn:aws:iam::222222222222:role/deployer',
        account: '222222222222',
        repositories: ['.'],
        usedBy: ['.github/workflows/deploy.yml job prod (chained)'],
        trustPolicy: {
          Version: '2012-10-17',
          Statement: [{ Sid: 'ChainFromBaseRole', Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::111111111111:role/ci-read' }, Action: 'sts:AssumeRole' }],
        },
        kmsPolicy: null,
        notes: [],
      },
    ]);
  });

  test('keys fixed to OIDC first (--role-arn), default branch from origin/HEAD, immutable-ID subjects, partition from the ARN', () => {
    const dir = repoWith({ '.github/workflows/nightly.yml': NIGHTLY }, 'git@github.com:acme/app.git', 'trunk');
    const report = trustReport({ paths: ['.'], cwd: dir, roleArn: 'arn:aws-us-gov:iam::333333333333:role/nightly', immutableIds: '123/456' });
    expect(report.repositories).toEqual([{ path: '.', repository: 'acme/app', subject: 'repo:acme@123/app@456', defaultBranch: 'trunk' }]);
    expect(report.notes).toEqual(['.github/workflows/nightly.yml: workflow_dispatch: trusted on the default branch only (a run started from another branch will be refused)']);
    expect(report.roles.map((r) => r.trustPolicy)).toEqual([{
      Version: '2012-10-17',
      Statement: [{
        Sid: 'GitHubActionsOidc',
        Effect: 'Allow',
        Principal: { Federated: 'arn:aws-us-gov:iam::333333333333:oidc-provider/token.actions.githubusercontent.com' },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            'token.actions.githubusercontent.com:aud': 'sts.amazonaws.com',
            'token.actions.githubusercontent.com:sub': 'repo:acme@123/app@456:ref:refs/heads/trunk',
          },
        },
      }],
    }]);
    // The workflow itself is untouched: trust-policy only reads.
    expect(readFileSync(join(dir, '.github/workflows/nightly.yml'), 'utf8')).toBe(NIGHTLY);
  });

  test('no remote and no --repo: the OWNER/REPO placeholder, with a note', () => {
    const dir = repoWith({ '.github/workflows/deploy.yml': MIXED });
    const report = trustReport({ paths: ['.'], cwd: dir });
    expect(report.repositories[0]!.subject).toBe('repo:OWNER/REPO');
    expect(report.notes).toEqual([".: no GitHub remote 'origin' (and no --repo): subjects use the placeholder OWNER/REPO"]);
  });
});

describe('CLI', () => {
  const EXAMPLE = join(ROOT, 'examples/cdk-pipeline');
  const EXPECTED = join(EXAMPLE, 'expected/trust-policy.json');
  const example = () => {
    const dir = repoWith({}, 'https://github.com/my-org/cdk-pipeline.git');
    cpSync(join(EXAMPLE, '.github'), join(dir, '.github'), { recursive: true });
    return dir;
  };

  test('wf-fix trust-policy over examples/cdk-pipeline prints the expected document', () => {
    const dir = example();
    const r = runCli(['trust-policy'], dir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    if (process.env.UPDATE_EXAMPLES) writeFileSync(EXPECTED, r.stdout);
    expect(r.stdout).toBe(readFileSync(EXPECTED, 'utf8'));
    // Read-only: the workflow is not fixed on disk.
    expect(readFileSync(join(dir, '.github/workflows/deploy.yml'), 'utf8')).toBe(readFileSync(join(EXAMPLE, '.github/workflows/deploy.yml'), 'utf8'));
  });

  test('--trust-policy-dir writes one plain IAM document per role and policy, notes on stderr', () => {
    const dir = example();
    const r = runCli(['trust-policy', '--trust-policy-dir', 'iam'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    const expected = JSON.parse(readFileSync(EXPECTED, 'utf8')) as { roles: { name: string; trustPolicy: unknown; kmsPolicy: unknown; notes: string[] }[]; notes: string[] };
    expect(readdirSync(join(dir, 'iam')).sort()).toEqual(['AWS_ROLE_ARN.kms.json', 'AWS_ROLE_ARN.trust.json', 'CdkDeployRole.trust.json']);
    for (const role of expected.roles) {
      expect(JSON.parse(readFileSync(join(dir, 'iam', `${role.name}.trust.json`), 'utf8'))).toEqual(role.trustPolicy);
      if (role.kmsPolicy) expect(readFileSync(join(dir, 'iam', `${role.name}.kms.json`), 'utf8')).toBe(JSON.stringify(role.kmsPolicy, null, 2) + '\n');
    }
    expect(r.stderr).toBe([
      ...expected.roles.flatMap((role) => role.notes.map((n) => `note: ${role.name}: ${n}`)),
      ...expected.notes.map((n) => `note: ${n}`),
    ].join('\n') + '\n');
  });

  test('the main command takes --trust-policy-dir next to a normal run (here --write), and --repo overrides the remote', () => {
    const dir = example();
    const r = runCli(['--write', '--trust-policy-dir', 'iam', '--repo', 'other/name'], dir);
    expect(r.status).toBe(0);
    const trust = JSON.parse(readFileSync(join(dir, 'iam/AWS_ROLE_ARN.trust.json'), 'utf8'));
    expect(trust.Statement[0].Condition.StringEquals['token.actions.githubusercontent.com:sub']).toEqual([
      'repo:other/name:environment:production',
      'repo:other/name:environment:staging',
      'repo:other/name:ref:refs/heads/main',
    ]);
    // The run itself wrote the fixes; the policies derived from the fixed file are the same as before writing.
    expect(runCli(['--check'], dir).status).toBe(0);
    expect(runCli(['trust-policy'], dir).stdout).toBe(readFileSync(EXPECTED, 'utf8').replace(/my-org\/cdk-pipeline/g, 'my-org/cdk-pipeline'));
  });

  test('invalid --repo / --immutable-ids are usage errors (exit 2)', () => {
    const dir = example();
    expect(runCli(['trust-policy', '--repo', 'nope'], dir)).toMatchObject({ status: 2, stdout: '', stderr: 'wf-fix trust-policy: --repo must be OWNER/REPO (got nope)\n' });
    expect(runCli(['trust-policy', '--immutable-ids', 'a/b'], dir)).toMatchObject({ status: 2, stderr: 'wf-fix trust-policy: --immutable-ids must be OWNER_ID/REPO_ID, two numbers (got a/b)\n' });
    expect(runCli(['--repo', 'nope'], dir).status).toBe(2);
    expect(runCli(['trust-policy', 'missing'], dir)).toMatchObject({ status: 2, stderr: 'wf-fix trust-policy: missing: no such file or directory\n' });
  });
});
