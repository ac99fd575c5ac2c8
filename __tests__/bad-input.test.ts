/**
 * Issue 5, "Never worse": every kind of bad input gets a clean skip (exit 0,
 * reason in --verbose and json) or a one-line error naming file, line and
 * cause (exit 2, the other files still processed). Never a stack trace,
 * never a write. Through the built CLI.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml } from '../src/yaml.js';
import { CLI, lines, runCli, tempDir, type CliResult } from './helpers.js';

const KEYS_STEP = [
  '      - uses: aws-actions/configure-aws-credentials@v1',
  '        with:',
  '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}',
  '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
  '          aws-region: us-east-1',
];

/** A workflow wf-fix would change: proves bad neighbours do not stop the run. */
const GOOD = lines('on: push', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    steps:', ...KEYS_STEP);

const COMPOSITE = lines('name: deploy', 'runs:', '  using: composite', '  steps:', ...KEYS_STEP.map((l) => l.slice(2)));

interface Case {
  dir: string;
  file: string;
  bytes: Buffer;
}

function setup(name: string, content: string | Buffer): Case {
  const dir = tempDir('wf-fix-bad-');
  const wfDir = join(dir, '.github', 'workflows');
  mkdirSync(wfDir, { recursive: true });
  const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
  writeFileSync(join(wfDir, name), bytes);
  writeFileSync(join(wfDir, 'good.yml'), GOOD);
  return { dir, file: `.github/workflows/${name}`, bytes };
}

function noStackTrace(r: CliResult): void {
  expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  expect(r.stderr).not.toContain('internal error');
}

/**
 * Run --write --verbose over the repository: the bad file is never written,
 * the good one is. Returns the CLI result and the json report's entry.
 */
function runBoth(c: Case): { r: CliResult; json: { status: string; reason: string | null } } {
  const r = runCli(['--write', '--verbose'], c.dir);
  noStackTrace(r);
  expect(readFileSync(join(c.dir, c.file))).toEqual(c.bytes);
  expect(readFileSync(join(c.dir, '.github/workflows/good.yml'), 'utf8')).toContain('role-to-assume');
  // json on a fresh copy of the original bytes (the good file is fixed by now; the bad one untouched).
  const j = runCli(['--format', 'json', c.file], c.dir);
  const doc = JSON.parse(j.stdout) as { files: { path: string; status: string; reason: string | null }[] };
  expect(readFileSync(join(c.dir, c.file))).toEqual(c.bytes);
  return { r, json: doc.files.find((f) => f.path === c.file)! };
}

function expectSkip(c: Case, reason: string): void {
  const { r, json } = runBoth(c);
  expect(r.status).toBe(0);
  expect(r.stderr).toContain(`skipped ${c.file}: ${reason}`);
  expect(r.stderr).toContain('1 skipped, 0 failed');
  expect(json.status).toBe('skipped');
  expect(json.reason).toContain(reason);
}

function expectError(c: Case, line: number | undefined, cause: string): void {
  const { r, json } = runBoth(c);
  expect(r.status).toBe(2);
  const errLines = r.stderr.split('\n').filter((l) => l.startsWith('error '));
  expect(errLines).toEqual([`error ${c.file}${line ? `:${line}` : ''}: ${cause}`]);
  expect(r.stderr).toContain('1 failed');
  expect(json.status).toBe('error');
  expect(json.reason).toBe(cause);
}

describe('bad input: clean skips (exit 0)', () => {
  test('empty file', () => expectSkip(setup('empty.yml', ''), 'empty file (no YAML content)'));

  test('comment-only file', () => {
    expectSkip(setup('comments.yml', lines('# nothing here yet', '', '# jobs: later')), 'only comments or blank lines (no YAML content)');
  });

  test('binary / non-UTF-8 bytes', () => {
    expectSkip(setup('latin1.yml', Buffer.from([0x6f, 0x6e, 0x3a, 0x20, 0xe9, 0xff, 0xfe, 0x0a])), 'not UTF-8 text (binary or another encoding)');
  });

  test('binary with NUL bytes (valid UTF-8)', () => {
    expectSkip(setup('nul.yml', Buffer.from('on: push\n\u0000\u0001\u0002', 'utf8')), 'binary file (NUL bytes)');
  });

  test('multi-document file', () => {
    expectSkip(setup('multi.yml', lines('on: push', 'jobs: {}', '---', 'on: push', 'jobs: {}')), 'multi-document YAML (2 documents): not a GitHub workflow');
  });

  test('alias bomb: skipped in bounded time and memory', () => {
    const ls = ['on: push', 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
    for (let i = 1; i <= 9; i++) ls.push(`a${i}: &a${i} [${Array(9).fill(`*a${i - 1}`).join(',')}]`);
    ls.push('jobs:', '  deploy:', '    runs-on: [*a9]', '    steps:', ...KEYS_STEP);
    const c = setup('bomb.yml', lines(...ls));
    const t0 = Date.now();
    expectSkip(c, 'YAML aliases expand beyond the safety limit (an alias bomb?): not processed');
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  test.each([
    ['jobs is a sequence', lines('on: push', 'jobs: [build, deploy]'), '`jobs` is not a mapping'],
    ['a job is a scalar', lines('on: push', 'jobs:', '  deploy: yes'), 'jobs.deploy is a scalar ("yes"), not a mapping: not a valid workflow, nothing to fix'],
    ['steps is a scalar', lines('on: push', 'jobs:', '  deploy:', '    runs-on: x', '    steps: npm ci'),
      'jobs.deploy.steps is a scalar ("npm ci"), not a sequence: not a valid workflow, nothing to fix'],
    ['a step is a sequence', lines('on: push', 'jobs:', '  deploy:', '    runs-on: x', '    steps:', '      - [a, b]'),
      'jobs.deploy.steps[0] is a sequence, not a mapping: not a valid workflow, nothing to fix'],
    ['with is a scalar', lines('on: push', 'jobs:', '  deploy:', '    runs-on: x', '    steps:', '      - uses: aws-actions/configure-aws-credentials@v1', '        with: keys'),
      'jobs.deploy.steps[0].with is a scalar ("keys"), not a mapping: not a valid workflow, nothing to fix'],
  ])('wrong type: %s', (_name, text, reason) => expectSkip(setup('shape.yml', text), reason));

  test('unknown tags (!Ref, !Sub): CloudFormation', () => {
    const c = setup('template.yml', lines(
      'AWSTemplateFormatVersion: "2010-09-09"',
      'Resources:',
      '  Bucket:',
      '    Type: AWS::S3::Bucket',
      '    Properties:',
      '      BucketName: !Sub "${AWS::StackName}-assets"',
      '      Tags: [{Key: owner, Value: !Ref Owner}]',
    ));
    expectSkip(c, 'custom YAML tag (Unresolved tag: !Sub on line 6): CloudFormation or another non-workflow format');
  });

  test('unknown tag inside a workflow', () => {
    const c = setup('tagged.yml', lines('on: push', 'jobs:', '  deploy:', '    runs-on: !Ref Runner', '    steps:', ...KEYS_STEP));
    expectSkip(c, 'custom YAML tag (Unresolved tag: !Ref on line 4)');
  });

  test('symlink leaving the repository root: reported, not followed', () => {
    const outside = tempDir('wf-fix-outside-');
    writeFileSync(join(outside, 'x.yml'), GOOD);
    const c = setup('placeholder.yml', '# placeholder\n');
    symlinkSync(join(outside, 'x.yml'), join(c.dir, '.github/workflows/link.yml'));
    const r = runCli(['--write', '--verbose'], c.dir);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`skipped .github/workflows/link.yml: symlink to ${join(outside, 'x.yml')}, outside ${c.dir}: not followed`);
    expect(readFileSync(join(outside, 'x.yml'), 'utf8')).toBe(GOOD);
  });
});

describe('bad input: one-line errors (exit 2), the run goes on', () => {
  test('bad indentation', () => {
    const c = setup('indent.yml', lines('on: push', 'jobs:', '  deploy:', '    runs-on: x', '   steps: []'));
    expectError(c, 5, 'invalid YAML: All mapping items must start at the same column');
  });

  test('unclosed flow collection', () => {
    const c = setup('flow.yml', lines('on: push', 'jobs: {deploy: {runs-on: x, steps: [', 'permissions: {}'));
    const { r } = runBoth(c);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error \.github\/workflows\/flow\.yml:\d+: invalid YAML: .*(flow|end with)/m);
  });

  test('tabs as indentation', () => {
    const c = setup('tabs.yml', 'on: push\njobs:\n\tdeploy:\n\t\truns-on: x\n');
    expectError(c, 3, 'invalid YAML: Tabs are not allowed as indentation');
  });

  test('duplicate keys', () => {
    const c = setup('dup.yml', lines('on: push', 'jobs:', '  deploy:', '    runs-on: x', '    env:', '      A: 1', '      B: 2', '      A: 3', '    steps:', ...KEYS_STEP));
    expectError(c, 8, 'invalid YAML: Map keys must be unique ("A" repeated)');
  });

  test('5,000-deep flow nesting: no stack overflow crash', () => {
    const deep = '['.repeat(5000) + ']'.repeat(5000);
    const c = setup('deep.yml', lines('on: push', 'jobs:', '  deploy:', '    runs-on: x', `    env: {DEEP: ${deep}}`, '    steps:', ...KEYS_STEP));
    const { r, json } = runBoth(c);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error \.github\/workflows\/deep\.yml(:\d+)?: nesting too deep to process safely \(call stack exhausted\)$/m);
    expect(json.reason).toBe('nesting too deep to process safely (call stack exhausted)');
  });

  test('5,000-deep block nesting: no stack overflow crash', () => {
    const c = setup('deep-block.yml', lines('on: push', 'x:', '  ' + '- '.repeat(5000) + 'x', 'jobs:', '  deploy:', '    runs-on: x', '    steps:', ...KEYS_STEP));
    const { r } = runBoth(c);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^error \.github\/workflows\/deep-block\.yml(:\d+)?: nesting too deep to process safely \(call stack exhausted\)$/m);
  });

  test('read-only file and unwritable directory: exit 2 with the path, others still written', () => {
    // Root ignores file modes: run the CLI as nobody then (setpriv), else skip.
    const asRoot = process.getuid?.() === 0;
    if (asRoot && spawnSync('setpriv', ['--version']).error) return;
    const c = setup('a-readonly.yml', GOOD);
    const actionDir = join(c.dir, 'ro-action');
    mkdirSync(actionDir);
    writeFileSync(join(actionDir, 'action.yml'), COMPOSITE);
    const wf = join(c.dir, c.file);
    chmodSync(wf, 0o444);
    chmodSync(c.dir, 0o755);
    if (asRoot) {
      spawnSync('chown', ['-R', '65534:65534', c.dir]);
      spawnSync('chown', ['0:0', actionDir, join(actionDir, 'action.yml')]);
    } else {
      chmodSync(actionDir, 0o555);
    }
    try {
      const cmd = asRoot ? 'setpriv' : process.execPath;
      const args = asRoot ? ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, '--write', '.'] : [CLI, '--write', '.'];
      const r = spawnSync(cmd, args, { cwd: c.dir, encoding: 'utf8' });
      expect(r.stderr).not.toMatch(/^\s+at /m);
      expect(r.status).toBe(2);
      expect(r.stderr).toContain(`error .github/workflows/a-readonly.yml: cannot write ${wf}: permission denied (read-only path)`);
      expect(r.stderr).toContain(`error ro-action/action.yml: cannot write ${join(actionDir, 'action.yml')}: permission denied (read-only path)`);
      expect(r.stderr).toContain('3 file(s) scanned, 1 changed, 0 skipped, 2 failed');
      expect(readFileSync(wf)).toEqual(c.bytes);
      expect(readFileSync(join(actionDir, 'action.yml'), 'utf8')).toBe(COMPOSITE);
      expect(readFileSync(join(c.dir, '.github/workflows/good.yml'), 'utf8')).toContain('role-to-assume');
      expect(readdirSync(actionDir)).toEqual(['action.yml']);
    } finally {
      chmodSync(actionDir, 0o755);
    }
  });
});

describe('big and generated files', () => {
  test('a 3 MB workflow is processed in well under 10 s', () => {
    const ls = ['name: big', 'on: push', 'jobs:'];
    let size = 0;
    for (let i = 0; size < 3 * 1024 * 1024; i++) {
      const job = [
        `  job${i}:`,
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: actions/checkout@v4',
        ...(i % 10 === 0 ? KEYS_STEP : []),
        '      - name: build',
        '        run: |',
        // Already strict: the file is big, not a rewrite of every script (see the report for that worst case).
        '          set -euo pipefail',
        ...Array.from({ length: 20 }, (_, k) => `          echo "step ${i} line ${k}: ${'x'.repeat(40)}"`),
      ];
      size += job.join('\n').length + 1;
      ls.push(...job);
    }
    const c = setup('big.yml', lines(...ls));
    expect(c.bytes.length).toBeGreaterThan(3 * 1024 * 1024);
    const t0 = Date.now();
    const r = runCli(['--write', c.file], c.dir);
    const ms = Date.now() - t0;
    expect(r.status).toBe(0);
    expect(ms).toBeLessThan(10_000);
    const out = readFileSync(join(c.dir, c.file), 'utf8');
    expect(parseYaml(out).errors).toEqual([]);
    expect(out).not.toContain('aws-access-key-id');
    process.stdout.write(`3 MB workflow: ${ms} ms (CLI wall time, --write)\n`);
  }, 60_000);

  test('generator-owned file: reported, not edited', () => {
    const c = setup('build.yml', lines(
      '# ~~ Generated by projen. To modify, edit .projenrc.ts and run "npx projen".',
      'on: push', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    steps:', ...KEYS_STEP,
    ));
    const { r, json } = runBoth(c);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(`generated ${c.file}: generated by projen (.projenrc.ts); the YAML is reported, not edited`);
    expect(r.stderr).toMatch(/not fixed \[oidc-auth\]/);
    expect(json.status).toBe('unchanged');
  });
});

describe('diagnostics', () => {
  test('--verbose explains each file; the summary counts scanned / changed / skipped / failed and findings per transform', () => {
    const dir = tempDir('wf-fix-diag-');
    const wf = join(dir, '.github', 'workflows');
    mkdirSync(wf, { recursive: true });
    writeFileSync(join(wf, 'a-deploy.yml'), GOOD);
    writeFileSync(join(wf, 'b-clean.yml'), lines('on: push', 'jobs:', '  test:', '    runs-on: ubuntu-latest', '    steps:', '      - uses: actions/checkout@v4'));
    writeFileSync(join(wf, 'c-list.yml'), lines('on: push', 'jobs: [a]'));
    writeFileSync(join(wf, 'd-tabs.yml'), 'on: push\njobs:\n\tx: 1\n');
    const r = runCli(['--verbose', '--write'], dir);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n').filter((l) => !l.startsWith('    note: '))).toEqual([
      'changed .github/workflows/a-deploy.yml: 1 finding(s): 1 fixed',
      ".github/workflows/a-deploy.yml:6:9 fixed [oidc-auth] step 'aws-actions/configure-aws-credentials@v1' authenticates with long-lived access keys; assume a role through OIDC instead",
      'clean .github/workflows/b-clean.yml',
      'skipped .github/workflows/c-list.yml: `jobs` is not a mapping',
      'error .github/workflows/d-tabs.yml:3: invalid YAML: Tabs are not allowed as indentation',
      'wf-fix: 4 file(s) scanned, 1 changed, 1 skipped, 1 failed',
      'findings: oidc-auth 1 (1 fixed)',
      '',
    ]);
    // Without --verbose: skips and clean files are not listed, errors and findings are.
    const quiet = runCli([], dir);
    expect(quiet.stderr).not.toContain('skipped .github');
    expect(quiet.stderr).not.toContain('clean .github');
    expect(quiet.stderr).toContain('error .github/workflows/d-tabs.yml:3: invalid YAML: Tabs are not allowed as indentation');
  });
});
