/**
 * Writes (issue 5): atomic temp+rename in the same directory, mode and bytes
 * (CRLF, BOM, no final newline) kept, symlinks written through, a file edited
 * while wf-fix ran left as the user left it, stale temp files of a killed run
 * cleaned, and `--write` on a git checkout touching only the files it reports.
 */
import { execFileSync } from 'node:child_process';
import { lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, chmodSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigCache, processFile } from '../src/run.js';
import { removeStaleTemps, writeHooks, writeIfUnchanged } from '../src/write.js';
import { fixed, lines, runCli, tempDir } from './helpers.js';

const WORKFLOW = lines(
  'on: push',
  'jobs:',
  '  deploy:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - uses: aws-actions/configure-aws-credentials@v1',
  '        with:',
  '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}',
  '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
  '          aws-region: us-east-1',
);
const FIXED = fixed(WORKFLOW);

function repo(files: Record<string, string | Buffer>): string {
  const dir = tempDir('wf-fix-write-');
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
  return dir;
}

const WF = '.github/workflows/deploy.yml';

describe('atomic writes', () => {
  test('the fixed file replaces the old one; mode kept; no temp file left', () => {
    const dir = repo({ [WF]: WORKFLOW });
    chmodSync(join(dir, WF), 0o640);
    const r = runCli(['--write'], dir);
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, WF), 'utf8')).toBe(FIXED);
    expect(statSync(join(dir, WF)).mode & 0o7777).toBe(0o640);
    expect(readdirSync(join(dir, '.github/workflows'))).toEqual(['deploy.yml']);
  });

  test('CRLF, BOM and a missing final newline are kept', () => {
    const crlf = '\uFEFF' + WORKFLOW.replace(/\n$/, '').replace(/\n/g, '\r\n');
    const dir = repo({ [WF]: crlf });
    expect(runCli(['--write'], dir).status).toBe(0);
    const out = readFileSync(join(dir, WF), 'utf8');
    expect(out).toBe('\uFEFF' + FIXED.replace(/\n$/, '').replace(/\n/g, '\r\n'));
  });

  test('a symlink inside the repository is written through and stays a link', () => {
    const dir = repo({ 'shared/deploy.yml': WORKFLOW, '.github/workflows/keep.txt': '' });
    symlinkSync('../../shared/deploy.yml', join(dir, WF));
    expect(runCli(['--write'], dir).status).toBe(0);
    expect(lstatSync(join(dir, WF)).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(dir, WF))).toBe('../../shared/deploy.yml');
    expect(readFileSync(join(dir, 'shared/deploy.yml'), 'utf8')).toBe(FIXED);
  });
});

describe('symlinks out of the repository are not followed', () => {
  test('a file argument that links outside its repository: reported, target untouched', () => {
    const outside = repo({ 'elsewhere.yml': WORKFLOW });
    const dir = repo({ '.github/workflows/keep.txt': '' });
    symlinkSync(join(outside, 'elsewhere.yml'), join(dir, WF));
    const r = runCli(['--write', '--verbose', WF], dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`skipped ${WF}: symlink to ${join(outside, 'elsewhere.yml')}, outside ${dir}: not followed`);
    expect(readFileSync(join(outside, 'elsewhere.yml'), 'utf8')).toBe(WORKFLOW);
    expect(lstatSync(join(dir, WF)).isSymbolicLink()).toBe(true);
  });

  test('a link from one repository into another under the same argument: reported', () => {
    const dir = repo({ 'a/.git/HEAD': 'ref: refs/heads/main\n', 'b/.git/HEAD': 'ref: refs/heads/main\n', 'b/shared.yml': WORKFLOW });
    mkdirSync(join(dir, 'a/.github/workflows'), { recursive: true });
    symlinkSync('../../../b/shared.yml', join(dir, 'a', WF));
    const r = runCli(['--write', '--verbose', '.'], dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`skipped a/${WF}: symlink to ${join(dir, 'b/shared.yml')}, outside ${join(dir, 'a')}: not followed`);
    expect(readFileSync(join(dir, 'b/shared.yml'), 'utf8')).toBe(WORKFLOW);
  });
});

describe('a file edited while wf-fix runs', () => {
  afterEach(() => {
    delete writeHooks.beforeWrite;
  });

  test('edited between the read and the write: reported, left as the user left it', () => {
    const dir = repo({ [WF]: WORKFLOW });
    const abs = join(dir, WF);
    const userEdit = WORKFLOW.replace('us-east-1', 'eu-west-1');
    writeHooks.beforeWrite = (p) => writeFileSync(p, userEdit);
    const result = processFile(abs, dir, new ConfigCache({}), { paths: ['.'], cwd: dir, write: true });
    expect(result.status).toBe('error');
    expect(result.reason).toBe('file changed on disk while wf-fix was processing it; left as it is now');
    expect(result.written).toBe(false);
    expect(readFileSync(abs, 'utf8')).toBe(userEdit);
    expect(readdirSync(join(dir, '.github/workflows'))).toEqual(['deploy.yml']);
  });

  test('edited before the re-read: refused without creating a temp file', () => {
    const dir = repo({ [WF]: WORKFLOW });
    const abs = join(dir, WF);
    writeFileSync(abs, 'on: push\n');
    expect(writeIfUnchanged(abs, Buffer.from(WORKFLOW), FIXED)).toBe('file changed on disk while wf-fix was processing it; left as it is now');
    expect(readFileSync(abs, 'utf8')).toBe('on: push\n');
    expect(readdirSync(join(dir, '.github/workflows'))).toEqual(['deploy.yml']);
  });
});

describe('stale temp files', () => {
  test('only wf-fix temp files of dead processes are removed', () => {
    const dir = repo({ [WF]: WORKFLOW });
    const wfDir = join(dir, '.github/workflows');
    const dead = '.deploy.yml.wf-fix-999999999-3.tmp';
    const live = `.deploy.yml.wf-fix-${process.pid}-1.tmp`;
    const user = ['.deploy.yml.bak', '.deploy.yml.wf-fix-notes.tmp', 'wf-fix-999999999-1.tmp'];
    for (const f of [dead, live, ...user]) writeFileSync(join(wfDir, f), 'x');
    expect(removeStaleTemps(wfDir)).toEqual([join(wfDir, dead)]);
    expect(readdirSync(wfDir).sort()).toEqual([live, ...user, 'deploy.yml'].sort());
  });

  test('--write cleans them; a dry run does not touch them', () => {
    const dir = repo({ [WF]: WORKFLOW, '.github/workflows/.deploy.yml.wf-fix-999999999-3.tmp': 'partial' });
    runCli([], dir);
    expect(readdirSync(join(dir, '.github/workflows')).sort()).toEqual(['.deploy.yml.wf-fix-999999999-3.tmp', 'deploy.yml']);
    runCli(['--write'], dir);
    expect(readdirSync(join(dir, '.github/workflows'))).toEqual(['deploy.yml']);
  });
});

describe('--write on a git checkout', () => {
  const git = (dir: string, ...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });

  test('touches only the workflow files it reports', () => {
    const dir = repo({
      [WF]: WORKFLOW,
      '.github/workflows/clean.yml': lines('on: push', 'jobs:', '  test:', '    runs-on: ubuntu-latest', '    steps:', '      - uses: actions/checkout@v4'),
      '.github/workflows/broken.yml': 'on: push\njobs: {\n',
      '.github/dependabot.yml': 'version: 2\n',
      'actions/deploy/action.yml': lines('name: d', 'runs:', '  using: composite', '  steps:', '    - run: echo hi', '      shell: bash'),
      'README.md': '# app\n',
      'package.json': '{"name":"app"}\n',
      'node_modules/x/.github/workflows/dep.yml': WORKFLOW,
      'wf-fix.config.json': '{}\n',
    });
    git(dir, 'init', '-q');
    git(dir, 'add', '-A', '-f');
    git(dir, '-c', 'user.email=t@t', '-c', 'user.name=t', 'commit', '-q', '-m', 'init');
    const dry = runCli(['--format', 'json'], dir);
    expect(git(dir, 'status', '--porcelain')).toBe('');
    const reported = (JSON.parse(dry.stdout) as { files: { path: string; status: string }[] }).files
      .filter((f) => f.status === 'changed').map((f) => f.path).sort();
    const r = runCli(['--write'], dir);
    expect(r.status).toBe(2); // broken.yml
    const changed = git(dir, 'status', '--porcelain', '--untracked-files=all').split('\n').filter(Boolean).map((l) => l.slice(3)).sort();
    expect(changed).toEqual(reported);
    expect(changed).toContain(WF);
    expect(changed).not.toContain('node_modules/x/.github/workflows/dep.yml');
    expect(git(dir, 'diff', '--name-only').split('\n').filter(Boolean).sort()).toEqual(reported);
  });
});
