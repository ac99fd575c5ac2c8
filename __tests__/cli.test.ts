/** The CLI contract: stdout patch, stderr messages, exit codes, flags. */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lines, ROOT, runCli, tempDir } from './helpers.js';

const KEYS_WORKFLOW = lines(
  'name: deploy',
  'on: push',
  'jobs:',
  '  deploy:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - uses: aws-actions/configure-aws-credentials@v4',
  '        with:',
  '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}',
  '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
  '          aws-region: us-east-1',
);

const CLEAN_WORKFLOW = lines('on: push', 'jobs:', '  test:', '    runs-on: ubuntu-latest', '    steps:', '      - run: npm test');

function repo(files: Record<string, string>): string {
  const dir = tempDir();
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(join(dir, rel, '..'), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
  return dir;
}

const WF = '.github/workflows/deploy.yml';

describe('wf-fix CLI', () => {
  test('dry run: patch on stdout, messages on stderr, exit 0, nothing written', () => {
    const dir = repo({ [WF]: KEYS_WORKFLOW });
    const r = runCli([], dir);
    expect(r.status).toBe(0);
    expect(r.stdout.startsWith(`diff --git a/${WF} b/${WF}\n--- a/${WF}\n+++ b/${WF}\n`)).toBe(true);
    expect(r.stdout).toContain('-          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}');
    expect(r.stdout).toContain('+          role-to-assume: ${{ vars.AWS_ROLE_ARN }}');
    expect(r.stderr).toContain('1 file(s) scanned, 1 would change');
    expect(r.stderr).not.toContain('diff --git');
    expect(readFileSync(join(dir, WF), 'utf8')).toBe(KEYS_WORKFLOW);
  });

  test('the dry-run patch applied with git apply equals --write', () => {
    const a = repo({ [WF]: KEYS_WORKFLOW, '.github/workflows/clean.yml': CLEAN_WORKFLOW });
    const b = repo({ [WF]: KEYS_WORKFLOW, '.github/workflows/clean.yml': CLEAN_WORKFLOW });
    const dry = runCli(['.'], a);
    writeFileSync(join(a, 'fix.patch'), dry.stdout);
    const applied = spawnSync('git', ['apply', 'fix.patch'], { cwd: a, encoding: 'utf8' });
    expect(applied.status).toBe(0);
    const written = runCli(['--write', '.'], b);
    expect(written.status).toBe(0);
    expect(readFileSync(join(a, WF), 'utf8')).toBe(readFileSync(join(b, WF), 'utf8'));
    expect(readFileSync(join(b, WF), 'utf8')).not.toBe(KEYS_WORKFLOW);
    expect(readFileSync(join(b, '.github/workflows/clean.yml'), 'utf8')).toBe(CLEAN_WORKFLOW);
  });

  test('--check exits 1 with pending fixes, 0 when clean, and writes nothing', () => {
    const dir = repo({ [WF]: KEYS_WORKFLOW });
    const pending = runCli(['--check'], dir);
    expect(pending.status).toBe(1);
    expect(pending.stdout).toBe('');
    expect(readFileSync(join(dir, WF), 'utf8')).toBe(KEYS_WORKFLOW);
    expect(runCli(['--write'], dir).status).toBe(0);
    expect(runCli(['--check'], dir).status).toBe(0);
  });

  test('--only / --skip select transforms; unknown ids are an error (exit 2)', () => {
    const dir = repo({ [WF]: KEYS_WORKFLOW });
    expect(runCli(['--check', '--only', 'strict-shell'], dir).status).toBe(0);
    expect(runCli(['--check', '--skip', 'oidc-auth'], dir).status).toBe(0);
    expect(runCli(['--check', '--only', 'oidc-auth'], dir).status).toBe(1);
    const bad = runCli(['--only', 'nope'], dir);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain('unknown transform id nope');
  });

  test('--format json: findings with rule id, line, column, message and the diff', () => {
    const dir = repo({ [WF]: KEYS_WORKFLOW });
    const r = runCli(['--format', 'json', '--only', 'oidc-auth'], dir);
    expect(r.status).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.version).toBe(1);
    const file = doc.files.find((f: { path: string }) => f.path === WF);
    expect(file.status).toBe('changed');
    expect(file.findings[0]).toMatchObject({ ruleId: 'oidc-auth', line: 7, column: 9, fixed: true });
    expect(file.findings[0].message).toContain('long-lived access keys');
    expect(file.diff).toContain(`+++ b/${WF}`);
  });

  test('--role-arn sets the role; a config file in the repository is found', () => {
    const dir = repo({ [WF]: KEYS_WORKFLOW, 'wf-fix.config.json': JSON.stringify({ roles: { default: 'arn:aws:iam::111111111111:role/from-config' } }) });
    mkdirSync(join(dir, '.git'));
    expect(runCli([], dir).stdout).toContain('+          role-to-assume: arn:aws:iam::111111111111:role/from-config');
    expect(runCli(['--role-arn', 'arn:aws:iam::222222222222:role/cli'], dir).stdout).toContain('+          role-to-assume: arn:aws:iam::222222222222:role/cli');
  });

  test('a bad config is a clear error naming file and key (exit 2)', () => {
    const dir = repo({ [WF]: KEYS_WORKFLOW, 'wf-fix.config.json': JSON.stringify({ retry: { attempts: 'three' } }) });
    const r = runCli([], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/wf-fix\.config\.json: 'retry\.attempts' must be an integer >= 1/);
    const unknown = repo({ [WF]: KEYS_WORKFLOW, 'wf-fix.config.json': JSON.stringify({ rolez: {} }) });
    expect(runCli([], unknown).stderr).toContain("unknown key 'rolez'");
  });

  test('a missing path and an invalid file give exit 2 while other files are still processed', () => {
    const dir = repo({ [WF]: KEYS_WORKFLOW, '.github/workflows/broken.yml': 'on: push\njobs: [\n' });
    const r = runCli(['--write', '.', 'does-not-exist'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('does-not-exist: no such file or directory');
    expect(r.stderr).toMatch(/broken\.yml:\d+: invalid YAML/);
    expect(readFileSync(join(dir, WF), 'utf8')).not.toBe(KEYS_WORKFLOW);
  });

  test('--version and --help', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    const v = runCli(['--version'], ROOT);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(pkg.version);
    const h = runCli(['--help'], ROOT);
    expect(h.status).toBe(0);
    expect(h.stdout).toContain('Exit codes: 0 ok');
    expect(h.stdout).toContain('--check');
  });

  test('the bin is the bundle (dist/bin/wf-fix.js, worker beside it); it prints what the unbundled modules print', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
    expect(pkg.bin).toEqual({ 'wf-fix': 'dist/bin/wf-fix.js' });
    for (const entry of ['dist/bin/wf-fix.js', 'dist/src/cli.js']) expect(statSync(join(ROOT, entry)).mode & 0o111).toBe(0o111);
    expect(existsSync(join(ROOT, 'dist/bin/worker.js'))).toBe(true);
    // 60 files: --jobs 2 starts workers from 2 x MIN_FILES_PER_WORKER files on.
    const dir = repo(Object.fromEntries(Array.from({ length: 60 }, (_, i) => [`.github/workflows/w${i}.yml`, KEYS_WORKFLOW.replace('name: deploy', `name: w${i}`)])));
    const run = (cli: string, jobs: string) => spawnSync(process.execPath, [cli, '--jobs', jobs, '--format', 'json', '.'], { cwd: dir, encoding: 'utf8', env: { ...process.env, CI: '1' } });
    const modules = run(join(ROOT, 'dist/src/cli.js'), '1');
    expect(modules.status).toBe(0);
    expect(JSON.parse(modules.stdout).summary).toMatchObject({ scanned: 60, changed: 60 });
    for (const jobs of ['1', '2']) {
      const bundle = run(join(ROOT, 'dist/bin/wf-fix.js'), jobs);
      expect({ jobs, status: bundle.status, stdout: bundle.stdout }).toEqual({ jobs, status: 0, stdout: modules.stdout });
    }
  });

  test("the bundle's yaml reads no debug switch from process.env per token or document (scripts/bundle.mjs)", () => {
    // The modules' yaml does: the patch is the bundle's alone, and the test above holds both to one output.
    const stock = readFileSync(join(ROOT, 'node_modules/yaml/dist/parse/parser.js'), 'utf8');
    expect(stock).toContain('node_process.env.LOG_TOKENS');
    for (const file of ['dist/bin/wf-fix.js', 'dist/bin/worker.js']) {
      const text = readFileSync(join(ROOT, file), 'utf8');
      expect({ file, reads: text.match(/\benv\.LOG_(?:TOKENS|STREAM)\b/g) ?? [] }).toEqual({ file, reads: [] });
      // The parser and composer are in the bundle (the patch replaced their reads, not the modules).
      expect(text).toContain('Advance the parser by the `source` of one lexical token.');
    }
  });

  test('composite actions are found and processed', () => {
    const action = lines(
      'name: deploy',
      'runs:',
      '  using: composite',
      '  steps:',
      '    - uses: aws-actions/configure-aws-credentials@v4',
      '      with:',
      '        aws-access-key-id: ${{ inputs.key }}',
      '        aws-secret-access-key: ${{ inputs.secret }}',
      '        aws-region: us-east-1',
    );
    const dir = repo({ '.github/actions/deploy/action.yml': action });
    const r = runCli(['--only', 'oidc-auth'], dir);
    expect(r.stdout).toContain('diff --git a/.github/actions/deploy/action.yml');
    expect(r.stderr).toContain('the calling workflow job must grant permissions id-token: write');
  });
});

describe('jscodeshift compatibility', () => {
  test('npx jscodeshift -t dist/transforms/oidc-auth.js rewrites YAML like wf-fix does', () => {
    const a = repo({ [WF]: KEYS_WORKFLOW });
    const b = repo({ [WF]: KEYS_WORKFLOW });
    const bin = join(ROOT, 'node_modules/.bin/jscodeshift');
    const r = spawnSync(bin, ['-t', join(ROOT, 'dist/transforms/oidc-auth.js'), '--extensions=yml,yaml', '--no-babel', join(a, WF)], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/1 ok/);
    runCli(['--write', '--only', 'oidc-auth'], b);
    expect(readFileSync(join(a, WF), 'utf8')).toBe(readFileSync(join(b, WF), 'utf8'));
  });
});

describe('reusable workflows', () => {
  test('a job calling a local reusable workflow that assumes a role gets id-token: write in the caller', () => {
    const called = lines(
      'on: workflow_call',
      'permissions:',
      '  id-token: write',
      '  contents: read',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::111111111111:role/deploy',
      '          aws-region: us-east-1',
    );
    const caller = lines('on: push', 'jobs:', '  call:', '    uses: ./.github/workflows/called.yml', '    secrets: inherit');
    const dir = repo({ '.github/workflows/called.yml': called, '.github/workflows/caller.yml': caller });
    const r = runCli(['--write', '--only', 'oidc-auth'], dir);
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, '.github/workflows/caller.yml'), 'utf8')).toBe(lines(
      'on: push', 'jobs:', '  call:', '    uses: ./.github/workflows/called.yml',
      '    permissions:', '      id-token: write', '      contents: read', '    secrets: inherit',
    ));
    expect(readFileSync(join(dir, '.github/workflows/called.yml'), 'utf8')).toBe(called);
  });
});
