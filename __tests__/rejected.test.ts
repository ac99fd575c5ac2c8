/**
 * Issue 12.2: one rejected fix never costs the others. Through the CLI: the
 * fix the validation gate refuses is dropped and reported, the rest of the
 * file is written, and exit code 3, JSON and SARIF say a fix was rejected.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { STEPS_ANCHOR } from './anchor-fixtures.js';
import { lines, runCli, tempDir } from './helpers.js';

const INPUT = STEPS_ANCHOR;

const OUTPUT = lines(
  'on: issues',
  'jobs:',
  '  a:',
  '    runs-on: ubuntu-latest',
  '    steps: &steps',
  '      - run: echo "${{ github.event.issue.title }}"',
  '  b:',
  '    runs-on: ubuntu-latest',
  '    steps: *steps',
  '  c:',
  '    runs-on: ubuntu-latest',
  '    permissions:',
  '      id-token: write',
  '      contents: read',
  '    steps:',
  '      - uses: aws-actions/configure-aws-credentials@v4',
  '        with:',
  '          aws-region: us-east-1',
  '          role-to-assume: ${{ vars.AWS_ROLE_ARN }}',
  '          role-session-name: GitHubActions-c',
);

const REASON = 'validation gate: step list shared through &steps by jobs a, b: the edit would change every use, and the fix declared only jobs.a.steps';

function repo(): string {
  const dir = tempDir('wf-fix-rejected-');
  mkdirSync(join(dir, '.git'));
  mkdirSync(join(dir, '.github/workflows'), { recursive: true });
  writeFileSync(join(dir, '.github/workflows/ci.yml'), INPUT);
  return dir;
}

const ONLY = ['--only', 'oidc-auth,expression-injection'];

describe('a gate-rejected fix beside good fixes in the same file', () => {
  test('--write writes the good fixes, reports the rejected one, exits 3', () => {
    const dir = repo();
    const r = runCli(['--write', ...ONLY, '.'], dir);
    expect(r.status).toBe(3);
    expect(readFileSync(join(dir, '.github/workflows/ci.yml'), 'utf8')).toBe(OUTPUT);
    expect(r.stderr).toContain(`.github/workflows/ci.yml:6:20 rejected [expression-injection] `);
    expect(r.stderr).toContain(`    why rejected: ${REASON}\n`);
    expect(r.stderr).toContain('.github/workflows/ci.yml:13:9 fixed [oidc-auth] ');
    expect(r.stderr).toContain('1 fix(es) rejected');
    // The second run fixes nothing more and still says so.
    const again = runCli(['--write', ...ONLY, '.'], dir);
    expect(again.status).toBe(3);
    expect(readFileSync(join(dir, '.github/workflows/ci.yml'), 'utf8')).toBe(OUTPUT);
  });

  test('--check exits 3 (a rejected fix outranks pending ones)', () => {
    expect(runCli(['--check', ...ONLY, '.'], repo()).status).toBe(3);
  });

  test('JSON: rejected per finding, summary.rejected, status changed', () => {
    const r = runCli(['--format', 'json', ...ONLY, '.'], repo());
    expect(r.status).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc.summary).toMatchObject({ scanned: 1, changed: 1, failed: 0, rejected: 1 });
    const f = doc.files[0];
    expect(f).toMatchObject({ path: '.github/workflows/ci.yml', status: 'changed', reason: null });
    expect(f.findings.map((x: { ruleId: string; fixed: boolean; rejected: boolean; skippedBecause: string | null }) => [x.ruleId, x.fixed, x.rejected, x.skippedBecause])).toEqual([
      ['oidc-auth', true, false, null],
      ['expression-injection', false, true, REASON],
    ]);
  });

  test('SARIF: properties.rejected on the result, the reason in its message, the good fix as a fix', () => {
    const r = runCli(['--format', 'sarif', ...ONLY, '.'], repo());
    expect(r.status).toBe(3);
    const results = JSON.parse(r.stdout).runs[0].results;
    const inj = results.find((x: { ruleId: string }) => x.ruleId === 'expression-injection');
    const oidc = results.find((x: { ruleId: string }) => x.ruleId === 'oidc-auth');
    expect(inj.properties).toEqual({ fixable: true, fixed: false, rejected: true, written: false });
    expect(inj.message.text).toContain(`\nFix rejected: ${REASON}`);
    expect(inj.fixes).toBeUndefined();
    expect(oidc.properties).toEqual({ fixable: true, fixed: true, rejected: false, written: false });
    expect(oidc.fixes).toHaveLength(1);
  });
});
