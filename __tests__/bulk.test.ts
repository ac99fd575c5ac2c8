/** Bulk runs over many repositories: grouping, --jobs, --repos-from, --patch-dir, --git-branch. */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { workerCount, MIN_FILES_PER_WORKER } from '../src/bulk/pool.js';
import { progressEnabled } from '../src/bulk/progress.js';
import { readReposFile } from '../src/bulk/repos.js';
import { runCli, tempDir } from './helpers.js';
import { CLEAN_WORKFLOW, git, GIT_ENV, keysWorkflow, makeRepo } from './repos.js';

const WF = '.github/workflows/deploy.yml';
const ONLY = ['--only', 'oidc-auth'];

// The CLI inherits this environment: a git identity for the commits, no user config.
Object.assign(process.env, GIT_ENV);
const cli = runCli;

/** The JSON report of a run with --jobs 1 and with --jobs 2: same exit code `status` and the same bytes. */
function jsonBothWays(args: string[], cwd: string, status: number): { files: { path: string; findings: { rejected?: boolean; skippedBecause?: string }[] }[]; summary: { changed: number } } {
  const j1 = cli(['--format', 'json', ...args, '--jobs', '1', '.'], cwd);
  const j2 = cli(['--format', 'json', ...args, '--jobs', '2', '.'], cwd);
  expect(j1.status).toBe(status);
  expect(j2.status).toBe(status);
  expect(j2.stdout).toBe(j1.stdout);
  return JSON.parse(j2.stdout);
}

/** Three repositories: two git (one changed, one clean), one plain directory found by its .github. */
function threeRepos(): string {
  const base = tempDir('wf-fix-bulk-');
  makeRepo(base, 'alpha', { [WF]: keysWorkflow('alpha'), '.github/workflows/ci.yml': CLEAN_WORKFLOW, 'README.md': 'alpha\n' });
  makeRepo(base, 'beta', { [WF]: CLEAN_WORKFLOW });
  makeRepo(base, 'gamma', { [WF]: keysWorkflow('gamma') }, { git: false });
  return base;
}

describe('grouping per repository', () => {
  test('json has one repositories entry per repository, found by .git or by .github', () => {
    const base = threeRepos();
    const r = cli(['--format', 'json', ...ONLY, 'alpha', 'beta', 'gamma'], base);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.repositories.map((x: { path: string; name: string; files: number; changed: number; findings: number }) => [x.path, x.name, x.files, x.changed, x.findings]))
      .toEqual([['alpha', 'alpha', 2, 1, 1], ['beta', 'beta', 1, 0, 0], ['gamma', 'gamma', 1, 1, 1]]);
    expect(doc.files.map((f: { path: string; repository: string }) => [f.path, f.repository])).toEqual([
      ['alpha/.github/workflows/ci.yml', 'alpha'],
      [`alpha/${WF}`, 'alpha'],
      [`beta/${WF}`, 'beta'],
      [`gamma/${WF}`, 'gamma'],
    ]);
  });

  test('the text summary ends with a table per repository: files, findings, changed', () => {
    const base = threeRepos();
    const r = cli(['--check', ...ONLY, '.'], base);
    expect(r.status).toBe(1);
    const table = r.stderr.trimEnd().split('\n').slice(-4);
    expect(table).toEqual([
      'repository  files  findings  changed',
      'alpha           2         1        1',
      'beta            1         0        0',
      'gamma           1         1        1',
    ]);
  });

  test('--repos-from reads one path per line, skipping blank lines and # comments', () => {
    const base = threeRepos();
    writeFileSync(join(base, 'repos.txt'), '# the ones to migrate\nalpha\n\n  gamma  \n# beta\n');
    expect(readReposFile(join(base, 'repos.txt'))).toEqual(['alpha', 'gamma']);
    const r = cli(['--format', 'json', ...ONLY, '--repos-from', 'repos.txt'], base);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).repositories.map((x: { path: string }) => x.path)).toEqual(['alpha', 'gamma']);
    const missing = cli(['--repos-from', 'nope.txt'], base);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('--repos-from nope.txt: ENOENT');
  });
});

describe('--jobs', () => {
  test('small runs stay in-process; workers only when each gets enough files', () => {
    expect(workerCount(10, 8)).toBe(0);
    expect(workerCount(2 * MIN_FILES_PER_WORKER - 1, 2)).toBe(0);
    expect(workerCount(2 * MIN_FILES_PER_WORKER, 2)).toBe(2);
    expect(workerCount(10_000, 2)).toBe(2);
    expect(workerCount(10_000, 1)).toBe(0);
  });

  test('output is identical (sorted by path) with --jobs 1 and --jobs 2 over a run that uses workers', () => {
    const base = tempDir('wf-fix-jobs-');
    for (const name of ['r1', 'r2', 'r3']) {
      const files: Record<string, string> = {};
      for (let i = 0; i < 20; i++) files[`.github/workflows/w${String(i).padStart(2, '0')}.yml`] = i % 3 ? keysWorkflow(`${name}-${i}`) : CLEAN_WORKFLOW;
      makeRepo(base, name, files);
    }
    expect(workerCount(60, 2)).toBe(2);
    const doc = jsonBothWays(ONLY, base, 0);
    const paths = doc.files.map((f) => f.path);
    expect(paths).toHaveLength(60);
    expect(paths).toEqual([...paths].sort());
    expect(doc.summary.changed).toBe(39);
    // The diff on stdout is the same too, and so is the exit code of --check.
    expect(cli([...ONLY, '--jobs', '2', '.'], base).stdout).toBe(cli([...ONLY, '--jobs', '1', '.'], base).stdout);
    expect(cli(['--check', ...ONLY, '--jobs', '2', '.'], base).status).toBe(1);
  });

  test('in workers, a script failing bash -n (checked by the main thread for all of them) is rejected exactly as with --jobs 1', () => {
    const base = tempDir('wf-fix-jobs-bash-');
    const token = `t${process.pid}x${Date.now()}`;
    const files: Record<string, string> = {};
    // Every third script is broken (an `if` without `fi`), so strict-shell's fix of it fails bash -n; several repeat.
    for (let i = 0; i < 60; i++) {
      const script = i % 3 ? [`echo ${token} ${i % 7}`, 'echo done'] : [`echo ${token} ${i % 4}`, 'if true; then', '  echo broken'];
      files[`.github/workflows/w${String(i).padStart(2, '0')}.yml`] = ['on: push', 'jobs:', '  build:', '    runs-on: ubuntu-latest', '    steps:', '      - run: |', ...script.map((l) => `          ${l}`), ''].join('\n');
    }
    makeRepo(base, 'r', files);
    const doc = jsonBothWays(['--only', 'strict-shell'], base, 3);
    const rejected = doc.files.filter((f) => f.findings.some((x) => x.rejected));
    expect(rejected).toHaveLength(20);
    expect(rejected[0]!.findings[0]!.skippedBecause).toMatch(/fails bash -n \(bash: line \d+: syntax error: unexpected end of file\)/);
    expect(doc.summary.changed).toBe(40);
  });

  test('progress goes to stderr only when it is a terminal and not in CI', () => {
    const tty = { isTTY: true } as NodeJS.WriteStream;
    const pipe = { isTTY: false } as NodeJS.WriteStream;
    expect(progressEnabled(tty, {})).toBe(true);
    expect(progressEnabled(tty, { CI: 'true' })).toBe(false);
    expect(progressEnabled(pipe, {})).toBe(false);
  });

  test('--jobs must be a whole number >= 1', () => {
    const base = threeRepos();
    const r = cli(['--jobs', '0', '.'], base);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--jobs must be a whole number >= 1');
  });
});

describe('--patch-dir', () => {
  test('one patch per changed repository, relative to its root, that git -C repo apply accepts and that reproduces --write', () => {
    const base = threeRepos();
    const copy = tempDir('wf-fix-patch-copy-');
    cpSync(base, copy, { recursive: true });
    const r = cli([...ONLY, '--patch-dir', 'patches', 'alpha', 'beta', 'gamma'], base);
    expect(r.status).toBe(0);
    expect(readdirSync(join(base, 'patches')).sort()).toEqual(['alpha.patch', 'gamma.patch']);
    const patch = readFileSync(join(base, 'patches/alpha.patch'), 'utf8');
    expect(patch.split('\n').slice(0, 3)).toEqual([`diff --git a/${WF} b/${WF}`, `--- a/${WF}`, `+++ b/${WF}`]);
    expect(r.stderr).toContain('alpha           2         1        1  patches/alpha.patch');
    expect(cli(['--write', ...ONLY, '.'], copy).status).toBe(0);
    for (const name of ['alpha', 'gamma']) {
      execFileSync('git', ['-C', join(base, name), 'apply', join(base, 'patches', `${name}.patch`)]);
      expect(readFileSync(join(base, name, WF), 'utf8')).toBe(readFileSync(join(copy, name, WF), 'utf8'));
    }
    expect(cli(['--check', ...ONLY, 'alpha', 'gamma'], base).status).toBe(0);
  });

  test('repositories with the same directory name get distinct patch names', () => {
    const base = tempDir('wf-fix-patch-names-');
    makeRepo(join(base, 'org1'), 'svc', { [WF]: keysWorkflow('a') });
    makeRepo(join(base, 'org2'), 'svc', { [WF]: keysWorkflow('b') });
    expect(cli([...ONLY, '--patch-dir', 'out', '.'], base).status).toBe(0);
    expect(readdirSync(join(base, 'out')).sort()).toEqual(['svc-2.patch', 'svc.patch']);
    // Named in path order: org1/svc -> svc.patch, org2/svc -> svc-2.patch.
    expect(JSON.parse(cli(['--format', 'json', ...ONLY, '.'], base).stdout).repositories.map((x: { path: string; name: string }) => [x.path, x.name]))
      .toEqual([['org1/svc', 'svc'], ['org2/svc', 'svc-2']]);
    execFileSync('git', ['-C', join(base, 'org2/svc'), 'apply', '--check', join(base, 'out/svc-2.patch')]);
  });
});

describe('--git-branch', () => {
  test('--git-commit: a branch with one commit containing exactly the changed files; other local changes untouched', () => {
    const base = threeRepos();
    const alpha = join(base, 'alpha');
    writeFileSync(join(alpha, 'README.md'), 'local edit, not wf-fix\n');
    const before = git(alpha, 'rev-parse', 'HEAD').trim();
    const r = cli([...ONLY, '--git-branch', 'wf-fix/oidc', '--git-commit', 'alpha', 'beta'], base);
    expect(r.status).toBe(0);
    expect(git(alpha, 'branch', '--show-current').trim()).toBe('wf-fix/oidc');
    expect(git(alpha, 'rev-parse', 'HEAD~1').trim()).toBe(before);
    expect(git(alpha, 'show', '--name-only', '--format=', 'HEAD').trim().split('\n')).toEqual([WF]);
    const message = git(alpha, 'log', '-1', '--format=%B');
    expect(message).toContain('wf-fix: oidc-auth\n');
    expect(message).toContain('- oidc-auth: Long-lived AWS keys -> OIDC role-to-assume (1 fix)');
    expect(message).toContain(`Files:\n- ${WF}\n`);
    expect(git(alpha, 'status', '--porcelain').trim()).toBe('M README.md');
    expect(readFileSync(join(alpha, WF), 'utf8')).not.toContain('aws-access-key-id');
    // beta had nothing to fix: no branch there.
    expect(git(join(base, 'beta'), 'branch', '--list').trim()).toBe('* main');
    expect(r.stderr).toMatch(/alpha +2 +1 +1 +wf-fix\/oidc @ [0-9a-f]{12}/);
    // Never pushes: no remote was even needed, and none was added.
    expect(git(alpha, 'remote').trim()).toBe('');
  });

  test('without --git-commit the changed files are written and staged on the new branch', () => {
    const base = threeRepos();
    const alpha = join(base, 'alpha');
    const r = cli([...ONLY, '--git-branch', 'wf-fix/oidc', 'alpha'], base);
    expect(r.status).toBe(0);
    expect(git(alpha, 'branch', '--show-current').trim()).toBe('wf-fix/oidc');
    expect(git(alpha, 'diff', '--cached', '--name-only').trim()).toBe(WF);
    expect(git(alpha, 'log', '--format=%s').trim()).toBe('initial');
  });

  test('a repository with uncommitted changes to a file wf-fix would change is refused (exit 2); the others still go ahead', () => {
    const base = tempDir('wf-fix-dirty-');
    const dirty = makeRepo(base, 'dirty', { [WF]: keysWorkflow('dirty') });
    const clean = makeRepo(base, 'clean', { [WF]: keysWorkflow('clean') });
    const edited = keysWorkflow('dirty, edited locally');
    writeFileSync(join(dirty, WF), edited);
    const r = cli([...ONLY, '--git-branch', 'wf-fix/oidc', '--git-commit', '.'], base);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`dirty: uncommitted changes to files wf-fix would change (${WF})`);
    expect(readFileSync(join(dirty, WF), 'utf8')).toBe(edited);
    expect(git(dirty, 'branch', '--list').trim()).toBe('* main');
    expect(git(clean, 'branch', '--show-current').trim()).toBe('wf-fix/oidc');
    expect(git(clean, 'status', '--porcelain').trim()).toBe('');
  });

  test('an untracked workflow counts as uncommitted; a directory without git is refused; an existing branch is refused', () => {
    const base = threeRepos();
    writeFileSync(join(base, 'alpha/.github/workflows/new.yml'), keysWorkflow('new'));
    const r = cli([...ONLY, '--git-branch', 'wf-fix/oidc', '--git-commit', 'alpha', 'gamma'], base);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('alpha: uncommitted changes to files wf-fix would change (.github/workflows/new.yml)');
    expect(r.stderr).toContain('gamma: not the top of a git repository');
    expect(readFileSync(join(base, 'gamma', WF), 'utf8')).toBe(keysWorkflow('gamma'));
    const beta = makeRepo(base, 'delta', { [WF]: keysWorkflow('delta') });
    git(beta, 'branch', 'wf-fix/oidc');
    const again = cli([...ONLY, '--git-branch', 'wf-fix/oidc', 'delta'], base);
    expect(again.status).toBe(2);
    expect(again.stderr).toContain('delta: branch wf-fix/oidc already exists');
  });

  test('--git-commit needs --git-branch; --git-branch and --check conflict', () => {
    const base = threeRepos();
    expect(cli(['--git-commit', '.'], base).stderr).toContain('--git-commit needs --git-branch NAME');
    expect(cli(['--git-branch', 'x', '--check', '.'], base).status).toBe(2);
    expect(existsSync(join(base, 'alpha', '.git'))).toBe(true);
  });
});
