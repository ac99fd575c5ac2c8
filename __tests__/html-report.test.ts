/** --format html / --html FILE: exact totals and tables, escaping, self-containment, determinism. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './helpers.js';
import { HOSTILE_NAME, htmlFixture } from './html-fixture.js';

const section = (html: string, id: string) => new RegExp(`<section id="${id}">[^]*?</section>`).exec(html)?.[0];

describe('HTML report', () => {
  const base = htmlFixture();
  const run = runCli(['--format', 'html', 'app', 'tools'], base);

  test('exit code and streams: the page on stdout, nothing on stderr, exit 2 for the broken file (its error is in the page)', () => {
    expect(run.status).toBe(2);
    expect(run.stdout.startsWith('<!DOCTYPE html>\n<html lang="en">\n')).toBe(true);
    expect(run.stderr).toBe('');
  });

  test('totals, findings per transform and per repository', () => {
    expect(section(run.stdout, 'totals')).toBe([
      '<section id="totals"><h2>Totals</h2><dl class="totals">',
      '<div class="total" data-total="scanned"><dt>files scanned</dt><dd>8</dd></div>',
      '<div class="total" data-total="changed"><dt>files to change</dt><dd>6</dd></div>',
      '<div class="total" data-total="skipped"><dt>files skipped</dt><dd>0</dd></div>',
      '<div class="total" data-total="failed"><dt>files failed</dt><dd>1</dd></div>',
      '<div class="total" data-total="findings"><dt>findings</dt><dd>21</dd></div>',
      '<div class="total" data-total="fixed"><dt>fixed by the diff</dt><dd>21</dd></div>',
      '<div class="total" data-total="repositories"><dt>repositories</dt><dd>2</dd></div>',
      '</dl></section>',
    ].join('\n'));
    expect(section(run.stdout, 'by-transform')).toBe([
      '<section id="by-transform"><h2>Findings per transform</h2>',
      '<table><thead><tr><th>transform</th><th>findings</th><th>fixed</th></tr></thead><tbody>',
      '<tr data-rule="deploy-retry"><td>deploy-retry</td><td>3</td><td>3</td></tr>',
      '<tr data-rule="expression-injection"><td>expression-injection</td><td>1</td><td>1</td></tr>',
      '<tr data-rule="kms-decrypt-artifacts"><td>kms-decrypt-artifacts</td><td>2</td><td>2</td></tr>',
      '<tr data-rule="kms-encrypt-artifacts"><td>kms-encrypt-artifacts</td><td>2</td><td>2</td></tr>',
      '<tr data-rule="oidc-auth"><td>oidc-auth</td><td>3</td><td>3</td></tr>',
      '<tr data-rule="prod-rollback"><td>prod-rollback</td><td>2</td><td>2</td></tr>',
      '<tr data-rule="role-chaining"><td>role-chaining</td><td>1</td><td>1</td></tr>',
      '<tr data-rule="stack-discovery"><td>stack-discovery</td><td>2</td><td>2</td></tr>',
      '<tr data-rule="strict-shell"><td>strict-shell</td><td>5</td><td>5</td></tr>',
      '</tbody></table>',
      '</section>',
    ].join('\n'));
    expect(section(run.stdout, 'by-repository')).toBe([
      '<section id="by-repository"><h2>Findings per repository</h2>',
      '<table><thead><tr><th>repository</th><th>files</th><th>changed</th><th>findings</th><th>fixed</th><th>failed</th><th>findings per transform</th></tr></thead><tbody>',
      '<tr data-repository="app"><td>app</td><td>5</td><td>5</td><td>20</td><td>20</td><td>0</td>'
        + '<td>deploy-retry 3, expression-injection 1, kms-decrypt-artifacts 2, kms-encrypt-artifacts 2, oidc-auth 2, prod-rollback 2, role-chaining 1, stack-discovery 2, strict-shell 5</td></tr>',
      '<tr data-repository="tools"><td>tools</td><td>3</td><td>1</td><td>1</td><td>1</td><td>1</td><td>oidc-auth 1</td></tr>',
      '</tbody></table>',
      '</section>',
    ].join('\n'));
  });

  test('every changed file is rendered side by side by diff2html; the failed file shows its reason; the clean one is left out', () => {
    const files = [...run.stdout.matchAll(/<article class="file" data-path="([^"]+)" data-status="([^"]+)">/g)].map((m) => `${m[1]} ${m[2]}`);
    expect(files).toEqual(['app/.github/workflows/deploy.yml changed', 'app/.github/actions/wf-fix-artifact-crypto/action.yml changed', 'app/.github/actions/wf-fix-cdk-stacks/action.yml changed', 'app/.github/actions/wf-fix-rollback/action.yml changed', 'app/.github/actions/wf-fix-retry/retry.sh changed', 'tools/.github/workflows/broken.yml error', 'tools/.github/workflows/ci.yml changed']);
    expect(run.stdout.match(/class="d2h-file-wrapper"/g)).toHaveLength(6);
    expect(run.stdout.match(/class="d2h-file-side-diff"/g)).toHaveLength(12);
    expect(run.stdout).toContain('<p class="reason">invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]</p>');
    expect(run.stdout.match(/<li class="finding" /g)).toHaveLength(21);
  });

  test('self-contained and escaped: inline styles only, a CSP that forbids fetching, no markup from the workflows', () => {
    expect(run.stdout).toContain(`<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`);
    expect(run.stdout).not.toMatch(/<(script|link|img|iframe)\b/i);
    expect(run.stdout).not.toMatch(/<[^>]*\s(src|href)=/i);
    expect(run.stdout).not.toContain(HOSTILE_NAME);
    expect(run.stdout).toContain('step &#39;&lt;img src=&quot;https://example.com/x.png&quot;&gt; &amp; &quot;deploy&quot;&#39; authenticates');
  });

  test('--html FILE writes the same page next to the normal output; output is byte-identical across runs', () => {
    const r = runCli(['--html', 'out/report.html', 'app', 'tools'], base);
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/^diff --git a\/app\/.github\/workflows\/deploy.yml /);
    expect(r.stderr).toContain('wf-fix: 8 file(s) scanned, 6 would change, 0 skipped, 1 failed\n');
    // out/ does not exist: the write fails and says so (the run still reports everything else).
    expect(r.stderr).toContain('wf-fix: --html out/report.html: ENOENT\n');
    const ok = runCli(['--html', 'report.html', 'app', 'tools'], base);
    expect(readFileSync(join(base, 'report.html'), 'utf8')).toBe(run.stdout);
    expect(ok.status).toBe(2);
    expect(runCli(['--format', 'html', 'app', 'tools'], base).stdout).toBe(run.stdout);
  });
});
