/**
 * expression-injection in `with:` inputs that actions run as code
 * (transforms/shared/code-inputs.ts): goldens per action and language, and the
 * generated JavaScript, Python and bash run with a hostile value.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml, toPlain } from '../src/yaml.js';
import { CODE_INPUTS } from '../transforms/shared/code-inputs.js';
import { fixed, fixText, lines, tempDir } from './helpers.js';
import { lintBash, runBash } from './run-scripts.js';

const ID = ['expression-injection'];

function wf(...step: string[]): string {
  return lines('on: issues', 'jobs:', '  triage:', '    runs-on: ubuntu-latest', '    steps:', ...step);
}

interface PlainStep { env?: Record<string, string>; with?: Record<string, string> }

function step(text: string, index = 0): PlainStep {
  const doc = toPlain(parseYaml(text).docs[0]!) as { jobs: { triage: { steps: PlainStep[] } } };
  return doc.jobs.triage.steps[index]!;
}

/** GitHub's rendering of ${{ }}: each expression body in `values` becomes its value, in env: and in the input. */
function render(s: PlainStep, input: string, values: Record<string, string>): { code: string; env: Record<string, string> } {
  const sub = (t: string) => t.replace(/\$\{\{\s*([\s\S]*?)\s*\}\}/g, (m, body: string) => values[body] ?? m);
  return { code: sub(s.with![input]!), env: Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, sub(v)])) };
}

describe('code inputs: goldens', () => {
  test('actions/github-script: strings, templates, numbers, toJSON, comments; default GITHUB_* read directly', () => {
    const input = wf(
      '      - uses: actions/github-script@v7',
      '        with:',
      '          script: |',
      "            const title = '${{ github.event.issue.title }}';",
      '            const n = ${{ github.event.issue.number }};',
      '            const labels = ${{ toJSON(github.event.issue.labels) }};',
      '            const line = "by ${{ github.actor }} on ${{ github.ref }}".trim();',
      '            // ${{ github.event.issue.title }}',
      '            core.info(`${title} ${{ github.event.issue.body }}`);',
    );
    expect(fixed(input, ID)).toBe(wf(
      '      - uses: actions/github-script@v7',
      '        env:',
      '          GITHUB_EVENT_ISSUE_TITLE: ${{ github.event.issue.title }}',
      '          GITHUB_EVENT_ISSUE_NUMBER: ${{ github.event.issue.number }}',
      '          GITHUB_EVENT_ISSUE_LABELS: ${{ toJSON(github.event.issue.labels) }}',
      '          GITHUB_EVENT_ISSUE_BODY: ${{ github.event.issue.body }}',
      '        with:',
      '          script: |',
      '            const title = process.env.GITHUB_EVENT_ISSUE_TITLE;',
      '            const n = Number(process.env.GITHUB_EVENT_ISSUE_NUMBER);',
      '            const labels = JSON.parse(process.env.GITHUB_EVENT_ISSUE_LABELS);',
      '            const line = ("by " + process.env.GITHUB_ACTOR + " on " + process.env.GITHUB_REF).trim();',
      '            // process.env.GITHUB_EVENT_ISSUE_TITLE',
      '            core.info(`${title} ${process.env.GITHUB_EVENT_ISSUE_BODY}`);',
    ));
  });

  test('github-script: a regex literal holding the expression is refused with the reason', () => {
    const r = fixText(wf('      - uses: actions/github-script@v7', '        with:', '          script: |', '            if (/${{ inputs.re }}/.test(x)) core.info("y")'), ID);
    expect(r.status).toBe('unchanged');
    expect(r.findings[0]!.skippedBecause).toContain('inside a regular expression literal');
  });

  test('an expression that is the whole statement (its value is code) is reported, not turned into data', () => {
    const cases: [string[], string][] = [
      [['      - uses: actions/github-script@v7', '        with:', '          script: ${{ inputs.code }}'], 'stands as a statement or command of its own'],
      [['      - uses: jannekem/run-python-script-action@v1', '        with:', '          script: |', '            ${{ inputs.code }}', '            print(1)'], 'stands as a statement or command of its own'],
      [['      - uses: mikefarah/yq@v4', '        with:', '          cmd: yq ".a = \\"${{ inputs.v }}\\"" f.yml'], 'double-quoted argument of the yq command line'],
    ];
    for (const [steps, reason] of cases) {
      const r = fixText(wf(...steps), ID);
      expect(r.status).toBe('unchanged');
      expect(r.findings[0]!.skippedBecause).toContain(reason);
    }
  });

  test('azure/cli inlineScript is bash: quoted reads, env: before with:', () => {
    const input = wf(
      '      - name: Deploy',
      '        uses: azure/cli@v2',
      '        with:',
      '          azcliversion: latest',
      '          inlineScript: |',
      "            az group create -n '${{ inputs.group }}' -l ${{ inputs.location }}",
    );
    expect(fixed(input, ID)).toBe(wf(
      '      - name: Deploy',
      '        uses: azure/cli@v2',
      '        env:',
      '          INPUTS_GROUP: ${{ inputs.group }}',
      '          INPUTS_LOCATION: ${{ inputs.location }}',
      '        with:',
      '          azcliversion: latest',
      '          inlineScript: |',
      "            az group create -n ''\"$INPUTS_GROUP\"'' -l \"$INPUTS_LOCATION\"",
    ));
  });

  test('azure/powershell and Amadevus/pwsh-script: ${env:NAME}; a single-quoted string becomes double-quoted', () => {
    const input = wf(
      '      - uses: azure/powershell@v2',
      '        with:',
      '          azPSVersion: latest',
      "          inlineScript: Get-AzVM -Name '${{ inputs.vm }}' -ResourceGroupName \"rg-${{ inputs.env }}\"",
      '      - uses: Amadevus/pwsh-script@v2',
      '        with:',
      '          script: |',
      "            $msg = 'it''s $HOME: ${{ github.event.issue.title }}'",
      '            Write-Output $msg',
    );
    expect(fixed(input, ID)).toBe(wf(
      '      - uses: azure/powershell@v2',
      '        env:',
      '          INPUTS_VM: ${{ inputs.vm }}',
      '          INPUTS_ENV: ${{ inputs.env }}',
      '        with:',
      '          azPSVersion: latest',
      '          inlineScript: Get-AzVM -Name "${env:INPUTS_VM}" -ResourceGroupName "rg-${env:INPUTS_ENV}"',
      '      - uses: Amadevus/pwsh-script@v2',
      '        env:',
      '          GITHUB_EVENT_ISSUE_TITLE: ${{ github.event.issue.title }}',
      '        with:',
      '          script: |',
      '            $msg = "it\'s `$HOME: ${env:GITHUB_EVENT_ISSUE_TITLE}"',
      '            Write-Output $msg',
    ));
  });

  test('jannekem/run-python-script-action: os.environ, import os added once, literals split in parentheses', () => {
    const input = wf(
      '      - uses: jannekem/run-python-script-action@v1',
      '        with:',
      '          script: |',
      '            title = "${{ github.event.issue.title }}"',
      "            print('[%s] ${{ github.event.issue.title }}!' % title)",
      '            n = ${{ github.event.issue.number }}',
    );
    expect(fixed(input, ID)).toBe(wf(
      '      - uses: jannekem/run-python-script-action@v1',
      '        env:',
      '          GITHUB_EVENT_ISSUE_TITLE: ${{ github.event.issue.title }}',
      '          GITHUB_EVENT_ISSUE_NUMBER: ${{ github.event.issue.number }}',
      '        with:',
      '          script: |',
      '            import os',
      '            title = os.environ["GITHUB_EVENT_ISSUE_TITLE"]',
      "            print(('[%s] ' + os.environ[\"GITHUB_EVENT_ISSUE_TITLE\"] + '!') % title)",
      '            n = int(os.environ["GITHUB_EVENT_ISSUE_NUMBER"])',
    ));
  });

  test('mikefarah/yq cmd: sh quoting outside, strenv()/env()/.[strenv()] inside the yq expression', () => {
    const input = wf(
      '      - uses: mikefarah/yq@v4',
      '        with:',
      "          cmd: yq -i '.image = \"${{ inputs.image }}\" | .replicas = ${{ inputs.n }} | .\"${{ inputs.env }}\".on = true' ${{ inputs.file }}",
    );
    expect(fixed(input, ID)).toBe(wf(
      '      - uses: mikefarah/yq@v4',
      '        env:',
      '          INPUTS_IMAGE: ${{ inputs.image }}',
      '          INPUTS_N: ${{ inputs.n }}',
      '          INPUTS_ENV: ${{ inputs.env }}',
      '          INPUTS_FILE: ${{ inputs.file }}',
      '        with:',
      "          cmd: yq -i '.image = strenv(INPUTS_IMAGE) | .replicas = env(INPUTS_N) | .[strenv(INPUTS_ENV)].on = true' \"$INPUTS_FILE\"",
    ));
    const partial = fixText(wf('      - uses: mikefarah/yq@v4', '        with:', "          cmd: yq '.a = \"v-${{ inputs.v }}\"' f.yml"), ID);
    expect(partial.findings[0]!.skippedBecause).toContain('inside a longer yq string');
  });

  test('unknown actions, other inputs and trusted expressions are left alone; a second run changes nothing', () => {
    const input = wf(
      '      - uses: someone/run-js@v1',
      '        with:',
      "          script: console.log('${{ github.event.issue.title }}')",
      '      - uses: actions/github-script@v7',
      '        with:',
      '          github-token: ${{ secrets.TOKEN }}',
      "          script: console.log('${{ vars.X }} ${{ matrix.os }}')",
    );
    expect(fixText(input, ID)).toMatchObject({ status: 'unchanged', findings: [] });
    const once = fixed(wf('      - uses: actions/github-script@v7', '        with:', "          script: console.log('${{ inputs.x }}')"), ID);
    expect(fixed(once, ID)).toBe(once);
  });

  test('the table lists every supported action with an input and a language', () => {
    expect(CODE_INPUTS.map((c) => `${c.action} ${c.input} ${c.language}`)).toEqual([
      'actions/github-script script js',
      'azure/cli inlineScript bash',
      'azure/powershell inlineScript pwsh',
      'amadevus/pwsh-script script pwsh',
      'jannekem/run-python-script-action script python',
      'mikefarah/yq cmd yq',
    ]);
  });
});

describe('code inputs: the value reaches the code as data', () => {
  const marker = (dir: string, name: string) => join(dir, name);

  /** actions/github-script runs the input as the body of an async function with github, context, core, ... as parameters. */
  function runGithubScript(dir: string, body: string, env: Record<string, string>): { status: number; stdout: string } {
    const file = join(dir, `gs-${Math.random().toString(36).slice(2)}.cjs`);
    writeFileSync(file, [
      'const core = { info: (s) => process.stdout.write(String(s) + "\\n") };',
      'const context = { repo: { owner: "o", repo: "r" } };',
      'const github = { rest: {} };',
      `const fn = async function (require, github, context, core) {\n${body}\n};`,
      'fn(require, github, context, core).catch((e) => { console.error(e); process.exit(1); });',
    ].join('\n'));
    const r = spawnSync(process.execPath, [file], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, ...env } });
    return { status: r.status ?? -1, stdout: r.stdout };
  }

  const gsInput = wf(
    '      - uses: actions/github-script@v7',
    '        with:',
    '          script: |',
    "            const title = '${{ github.event.issue.title }}';",
    '            core.info(title);',
    '            core.info(`#${{ github.event.issue.number }}: ${{ github.event.issue.title }}`);',
    '            core.info(${{ github.event.issue.number }} + 1);',
  );

  test('github-script: the original runs the attacker\'s code (control); the fixed body never does and sees the value intact', () => {
    const dir = tempDir('wf-fix-gs-');
    const control = (m: string) => `x'; require('fs').writeFileSync(${JSON.stringify(m)}, 'pwn'); //`;
    const evil = (m: string) => `${control(m)} \` \${require('fs').writeFileSync(${JSON.stringify(m)}, 'pwn')} "`;
    const m1 = marker(dir, 'pwn-original');
    const orig = render(step(gsInput), 'script', { 'github.event.issue.title': control(m1), 'github.event.issue.number': '7' });
    runGithubScript(dir, orig.code, orig.env);
    expect(existsSync(m1)).toBe(true);

    const m2 = marker(dir, 'pwn-fixed');
    const out = fixed(gsInput, ID);
    const fixedStep = render(step(out), 'script', { 'github.event.issue.title': evil(m2), 'github.event.issue.number': '7' });
    expect(fixedStep.code).not.toContain(m2);
    const r = runGithubScript(dir, fixedStep.code, fixedStep.env);
    expect(existsSync(m2)).toBe(false);
    expect(r).toEqual({ status: 0, stdout: `${evil(m2)}\n#7: ${evil(m2)}\n8\n` });
  });

  test('python: the fixed script prints the value and runs nothing', () => {
    const dir = tempDir('wf-fix-py-');
    const m = marker(dir, 'pwn-py');
    const value = `a"; open('${m}', "w"); x = "`;
    const input = wf(
      '      - uses: jannekem/run-python-script-action@v1',
      '        with:',
      '          script: |',
      '            t = "${{ github.event.issue.title }}"',
      "            print('[${{ github.event.issue.title }}]'.upper().lower())",
      '            print(t)',
    );
    const control = wf('      - uses: jannekem/run-python-script-action@v1', '        with:', '          script: t = "${{ github.event.issue.title }}"');
    const orig = render(step(control), 'script', { 'github.event.issue.title': value });
    spawnSync('python3', ['-c', orig.code], { cwd: dir, env: { PATH: process.env.PATH } });
    expect(existsSync(m)).toBe(true);
    rmSync(m);
    const s = render(step(fixed(input, ID)), 'script', { 'github.event.issue.title': value });
    const r = spawnSync('python3', ['-c', s.code], { cwd: dir, encoding: 'utf8', env: { PATH: process.env.PATH, ...s.env } });
    expect(existsSync(m)).toBe(false);
    expect(r.stdout).toBe(`[${value.toLowerCase()}]\n${value}\n`);
    expect(r.status).toBe(0);
  });

  test('azure/cli: the bash inlineScript passes the value as one argument', () => {
    const dir = tempDir('wf-fix-az-');
    const m = marker(dir, 'pwn-az');
    const value = `g1; touch ${m}; $(touch ${m})`;
    const input = wf('      - uses: azure/cli@v2', '        with:', '          inlineScript: printf "%s|" ${{ inputs.group }} "${{ inputs.group }}"');
    const s = render(step(fixed(input, ID)), 'inlineScript', { 'inputs.group': value });
    const r = runBash(dir, s.code, s.env);
    expect(existsSync(m)).toBe(false);
    expect(r.stdout).toBe(`${value}|${value}|`);
    expect(lintBash(s.code)).toBe('');
  });
});
