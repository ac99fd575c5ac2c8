import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, fixed, fixText, lines, tempDir } from './helpers.js';
import { lintBash, runBash, stepScript } from './run-scripts.js';

const ID = ['strict-shell'];

/** A one-job workflow whose only step runs `script` (lines), with optional extra job/step keys. */
function wf(script: string[], opts: { stepKeys?: string[]; jobKeys?: string[]; top?: string[] } = {}): string {
  return lines(
    'on: push',
    ...(opts.top ?? []),
    'jobs:',
    '  build:',
    '    runs-on: ubuntu-latest',
    ...(opts.jobKeys ?? []),
    '    steps:',
    '      - name: Step',
    ...(opts.stepKeys ?? []),
    '        run: |',
    ...script.map((l) => (l ? '          ' + l : '')),
  );
}

describe('strict-shell: -u allowed', () => {
  test('every read is provably set: set -euo pipefail goes first', () => {
    const script = [
      'NAME="x"',
      'echo "$NAME $GITHUB_SHA $HOME ${OPTIONAL:-none} $REGION $JOBVAR"',
      'for f in a b; do echo "$f"; done',
      'if [ -n "$NAME" ]; then MSG=yes; else MSG=no; fi',
      'echo "$MSG" "$#" "$?" "$@"',
    ];
    const input = wf(script, { stepKeys: ['        env:', '          REGION: us-east-1'], jobKeys: ['    env:', '      JOBVAR: "1"'] });
    expect(fixed(input, ID)).toBe(wf(['set -euo pipefail', ...script], {
      stepKeys: ['        env:', '          REGION: us-east-1'], jobKeys: ['    env:', '      JOBVAR: "1"'],
    }));
  });

  test('[[ ]]; then, case, arrays, arithmetic and command substitution are read', () => {
    const script = [
      'if [[ $GITHUB_REF == refs/heads/main ]]; then ENV=prod; else ENV=dev; fi',
      'case "$ENV" in prod) N=2 ;; *) N=1 ;; esac',
      'ARR=(a "b c")',
      'COUNT=$(( ${#ARR[@]} + 1 ))',
      'OUT="$(echo "$ENV" | tr a-z A-Z)"',
      'echo "$OUT $COUNT ${ARR[0]}"',
    ];
    expect(fixed(wf(script), ID)).toBe(wf(['set -euo pipefail', ...script]));
    const caseOnly = ['X=a', 'case "$X" in a) N=2 ;; esac', 'echo "$N"'];
    expect(fixText(wf(caseOnly), ID).findings[0]!.message).toContain('not -u: it reads $N,');
  });

  test('function arguments every call passes, while-read loops, workflow env', () => {
    const script = ['greet() {', '  echo "hello $1"', '}', 'greet world', 'printf "a\\n" | while read -r line; do echo "$line $WFVAR"; done'];
    const out = fixed(wf(script, { top: ['env:', '  WFVAR: x'] }), ID);
    expect(stepScript(out, 'build', 'Step').run.split('\n')[0]).toBe('set -euo pipefail');
  });

  test('the generated script runs under -u with the env it was proved against', () => {
    const script = ['NAME="x"', 'if [ -n "$NAME" ]; then MSG=yes; else MSG=no; fi', 'echo "$MSG $REGION ${MISSING:-default}"'];
    const out = fixed(wf(script, { stepKeys: ['        env:', '          REGION: us-east-1'] }), ID);
    const s = stepScript(out, 'build', 'Step');
    const r = runBash(tempDir(), s.run, s.env);
    expect(r).toEqual({ status: 0, stdout: 'yes us-east-1 default\n', stderr: '' });
    expect(lintBash(s.run)).toBe('');
  });
});

describe('strict-shell: -u refused, with the reason', () => {
  const cases: [string, string[], string][] = [
    ['an undeclared variable', ['echo "start"', 'echo "$UNDECLARED"'], 'it reads $UNDECLARED, which is neither in env: nor assigned before it is read'],
    ['assigned only in one branch', ['if true; then X=1; fi', 'echo "$X"'], 'it reads $X'],
    ['assigned after the read', ['echo "$Y"', 'Y=1'], 'it reads $Y'],
    ['assigned after &&', ['true && Z=1', 'echo "$Z"'], 'it reads $Z'],
    ['a positional parameter at top level', ['echo start', 'echo "$1"'], 'it reads the positional parameter $1'],
    ['source', ['source ./venv/bin/activate', 'echo "$PATH"'], 'it sources ./venv/bin/activate'],
    ['GITHUB_TOKEN is not a default variable', ['echo start', 'gh api -H "Authorization: token $GITHUB_TOKEN" /user'], 'it reads $GITHUB_TOKEN'],
    ['valid bash the grammar cannot parse (a heredoc then `; cmd`)', ['echo start', 'cat <<EOF > out; echo done', 'hello', 'EOF'], 'bash grammar could not parse line 2'],
    ['the grammar splitting `$PATH:$HOME` (tree-sitter-bash #315)', ['echo start', 'export PATH=$PATH:$HOME/.local/bin'], 'bash grammar could not parse line 2'],
  ];
  test.each(cases)('%s', (_name, script, reason) => {
    const out = fixText(wf(script), ID);
    expect(out.output).toBe(wf(['set -eo pipefail', ...script]));
    expect(out.findings).toHaveLength(1);
    expect(out.findings[0]!.message).toContain(`set -eo pipefail`);
    expect(out.findings[0]!.message).toContain(`(not -u: ${reason}`);
    expect(out.findings[0]!.line).toBe(8);
  });

  test('the refusal holds: the -u version would fail, the emitted one runs', () => {
    const script = ['echo "start"', 'echo "value=${UNDECLARED}"'];
    const s = stepScript(fixed(wf(script), ID), 'build', 'Step').run;
    expect(runBash(tempDir(), s)).toEqual({ status: 0, stdout: 'start\nvalue=\n', stderr: '' });
    expect(runBash(tempDir(), s.replace('set -eo', 'set -euo')).status).not.toBe(0);
  });
});

describe('strict-shell: existing set lines', () => {
  const cases: [string, string, string | undefined][] = [
    ['set -e', 'set -e', 'set -euo pipefail'],
    ['set -ex', 'set -ex', 'set -euxo pipefail'],
    ['set -o errexit', 'set -o errexit', 'set -o errexit -u -o pipefail'],
    ['set -eo pipefail (u provable)', 'set -eo pipefail', 'set -eo pipefail -u'],
    ['set -euo pipefail', 'set -euo pipefail', undefined],
    ['set -Eeuo pipefail', 'set -Eeuo pipefail', undefined],
    ['set -eu + set -o pipefail', 'set -eu\nset -o pipefail', undefined],
  ];
  test.each(cases)('%s', (_name, head, want) => {
    const script = [...head.split('\n'), 'echo "$HOME"'];
    const out = fixed(wf(script), ID);
    if (want === undefined) expect(out).toBe(wf(script));
    else expect(out).toBe(wf([want, ...script.slice(head.split('\n').length)]));
  });

  test('set +e on purpose is respected; the rest is added on a line of its own', () => {
    const script = ['set +e', 'false', 'echo "$HOME"'];
    expect(fixed(wf(script), ID)).toBe(wf(['set -uo pipefail', ...script]));
  });

  test('a shebang stays first', () => {
    const script = ['#!/usr/bin/env bash', 'echo a', 'echo b'];
    expect(fixed(wf(script), ID)).toBe(wf(['#!/usr/bin/env bash', 'set -euo pipefail', 'echo a', 'echo b']));
  });
});

describe('strict-shell: skipped', () => {
  const two = ['echo a', 'echo b'];
  const cases: [string, string][] = [
    ['windows runner', wf(two).replace('ubuntu-latest', 'windows-latest')],
    ['runs-on from a matrix', wf(two).replace('ubuntu-latest', '${{ matrix.os }}')],
    ['shell: pwsh', wf(two, { stepKeys: ['        shell: pwsh'] })],
    ['shell: python', wf(two, { stepKeys: ['        shell: python'] })],
    ['shell: sh', wf(two, { stepKeys: ['        shell: sh'] })],
    ['shell: cmd', wf(two, { stepKeys: ['        shell: cmd'] })],
    ['job defaults.run.shell: pwsh', wf(two, { jobKeys: ['    defaults:', '      run:', '        shell: pwsh'] })],
    ['workflow defaults.run.shell: powershell', wf(two, { top: ['defaults:', '  run:', '    shell: powershell'] })],
    ['single-line script', wf(['npm ci'])],
  ];
  test.each(cases)('%s', (_name, input) => {
    expect(fixText(input, ID).findings).toEqual([]);
  });

  test('composite steps need an explicit bash', () => {
    const action = (shell: string) => lines('name: a', 'runs:', '  using: composite', '  steps:', '    - run: |', '        echo a', '        echo b', `      shell: ${shell}`);
    expect(fixText(action('pwsh'), ID).findings).toEqual([]);
    expect(fixed(action('bash'), ID)).toBe(lines('name: a', 'runs:', '  using: composite', '  steps:', '    - run: |', '        set -euo pipefail', '        echo a', '        echo b', '      shell: bash'));
  });

  test('defaults.run.shell: bash at job level is bash', () => {
    const input = wf(['echo a', 'echo b'], { jobKeys: ['    defaults:', '      run:', '        shell: bash'] });
    expect(fixed(input, ID)).toContain('          set -euo pipefail\n          echo a');
  });
});

describe('strict-shell: seeds', () => {
  test.each(['seed/model-cicd-yml-Pr5600-1.yml', 'seed/ideal-cicd-yml-Pr7694.yml'])('%s: idempotent, lint-clean', (file) => {
    const text = readFileSync(join(CORPUS, file), 'utf8');
    const once = fixText(text, ID);
    expect(once.findings.length).toBeGreaterThan(0);
    expect(once.findings.every((f) => f.fixed)).toBe(true);
    expect(fixed(once.output, ID)).toBe(once.output);
    const slack = stepScript(once.output, 'deploy-prod', 'Send Slack notification').run;
    expect(slack.split('\n')[0]).toBe('set -euo pipefail');
  });

  test('the IDEAL prod Slack step reads env only and MSG is set on both branches: -u', () => {
    const text = readFileSync(join(CORPUS, 'seed/ideal-cicd-yml-Pr7694.yml'), 'utf8');
    const s = stepScript(fixed(text, ID), 'deploy-prod', 'Send Slack notification');
    expect(s.run.startsWith('set -euo pipefail\nif [ "$STATUS" = "failure" ]; then')).toBe(true);
    expect(lintBash(s.run)).toBe('');
  });
});
