/**
 * expression-injection in run: scripts beyond the single-line bash case:
 * PowerShell (pwsh, Windows default) fixed, cmd reported with the reason,
 * multi-line and bracket expressions, env names from the whole expression,
 * default GITHUB_* variables read directly, and an expression that stands as
 * the command (folded `run: >`) reported instead of quoted.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fixed, fixText, lines, tempDir } from './helpers.js';
import { lintBash, runBash, stepScript } from './run-scripts.js';

const ID = ['expression-injection'];

function wf(runsOn: string, ...step: string[]): string {
  return lines('on: pull_request_target', 'jobs:', '  ci:', `    runs-on: ${runsOn}`, '    steps:', ...step);
}

describe('PowerShell and cmd', () => {
  test('pwsh (explicit, and the Windows default): ${env:NAME} in "..." and bare; \'...\' becomes "..."; comments', () => {
    const input = wf('windows-latest',
      '      - run: |',
      '          Write-Host "Title: ${{ github.event.pull_request.title }}"',
      "          $ref = '${{ github.head_ref }}'",
      "          $msg = 'PR `${{ github.event.number }}` costs $5'",
      '          git checkout ${{ github.head_ref }}',
      '          # ${{ github.event.pull_request.title }}',
      '      - shell: powershell',
      '        run: Write-Output ("x" + "${{ inputs.y }}")',
    );
    expect(fixed(input, ID)).toBe(wf('windows-latest',
      '      - run: |',
      '          Write-Host "Title: ${env:GITHUB_EVENT_PULL_REQUEST_TITLE}"',
      '          $ref = "${env:GITHUB_HEAD_REF}"',
      '          $msg = "PR ``${env:GITHUB_EVENT_NUMBER}`` costs `$5"',
      '          git checkout ${env:GITHUB_HEAD_REF}',
      '          # ${env:GITHUB_EVENT_PULL_REQUEST_TITLE}',
      '        env:',
      '          GITHUB_EVENT_PULL_REQUEST_TITLE: ${{ github.event.pull_request.title }}',
      '          GITHUB_EVENT_NUMBER: ${{ github.event.number }}',
      '      - shell: powershell',
      '        env:',
      '          INPUTS_Y: ${{ inputs.y }}',
      '        run: Write-Output ("x" + "${env:INPUTS_Y}")',
    ));
  });

  test('pwsh: part of a longer bare word, a quoted here-string and an escape are refused with the reason', () => {
    const cases: [string, string][] = [
      ['        run: Copy-Item out/${{ inputs.name }}.zip .', 'part of a longer PowerShell word'],
      ["        run: |\n          $x = @'\n          ${{ inputs.name }}\n          '@", 'inside a quoted here-string'],
      ['        run: Write-Host "`${{ inputs.name }}"', 'follows an escape character'],
      ['        run: ${{ inputs.tool }} -Verbose', 'stands as a statement or command of its own'],
      ['        run: cd src; ${{ inputs.tool }}', 'stands as a statement or command of its own'],
    ];
    for (const [run, reason] of cases) {
      const r = fixText(wf('ubuntu-latest', '      - shell: pwsh', run), ID);
      expect(r.status).toBe('unchanged');
      expect(r.findings[0]!.skippedBecause).toContain(reason);
    }
  });

  test('cmd is reported, not fixed: %NAME% is expanded before the line is parsed', () => {
    const r = fixText(wf('windows-latest', '      - shell: cmd', '        run: echo ${{ github.head_ref }}'), ID);
    expect(r.status).toBe('unchanged');
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]).toMatchObject({ fixable: false, fixed: false });
    expect(r.findings[0]!.message).toContain('where the value becomes cmd code');
  });
});

describe('bash: expression shapes', () => {
  test('multi-line ${{ }} in run: | is moved (one line in env:), bracket forms read as their dotted names', () => {
    const input = wf('ubuntu-latest',
      '      - run: |',
      '          echo "${{',
      '            github.event.pull_request.body',
      '          }}"',
      "          echo \"${{ github['event']['pull_request']['title'] }}\" '${{ github.event.pull_request.title }}'",
      "          echo \"${{ format('{0}}} {1}', github.event.label.name, inputs.x) }}\"",
    );
    expect(fixed(input, ID)).toBe(wf('ubuntu-latest',
      '      - run: |',
      '          echo "${GITHUB_EVENT_PULL_REQUEST_BODY}"',
      "          echo \"${GITHUB_EVENT_PULL_REQUEST_TITLE}\" ''\"$GITHUB_EVENT_PULL_REQUEST_TITLE\"''",
      '          echo "${GITHUB_EVENT_LABEL_NAME_INPUTS_X}"',
      '        env:',
      '          GITHUB_EVENT_PULL_REQUEST_BODY: ${{ github.event.pull_request.body }}',
      "          GITHUB_EVENT_PULL_REQUEST_TITLE: ${{ github['event']['pull_request']['title'] }}",
      "          GITHUB_EVENT_LABEL_NAME_INPUTS_X: ${{ format('{0}}} {1}', github.event.label.name, inputs.x) }}",
    ));
  });

  test('names come from the whole expression and stay unique', () => {
    const input = wf('ubuntu-latest',
      '      - run: |',
      '          echo ${{ github.event.pull_request.number }} ${{ github.event.pull_request.number || github.event.issue.number }}',
      '          echo ${{ fromJSON(steps.runs.outputs.data).workflow_runs[0].id }} ${{ steps.runs.outputs.data }}',
      "          echo ${{ inputs.a-b }} ${{ inputs['a_b'] }}",
    );
    expect(fixed(input, ID)).toBe(wf('ubuntu-latest',
      '      - run: |',
      '          echo "$GITHUB_EVENT_PULL_REQUEST_NUMBER" "$GITHUB_EVENT_PULL_REQUEST_NUMBER_ISSUE_NUMBER"',
      '          echo "$STEPS_RUNS_OUTPUTS_DATA_WORKFLOW_RUNS_0_ID" "$STEPS_RUNS_OUTPUTS_DATA"',
      '          echo "$INPUTS_A_B" "$INPUTS_A_B_2"',
      '        env:',
      '          GITHUB_EVENT_PULL_REQUEST_NUMBER: ${{ github.event.pull_request.number }}',
      '          GITHUB_EVENT_PULL_REQUEST_NUMBER_ISSUE_NUMBER: ${{ github.event.pull_request.number || github.event.issue.number }}',
      '          STEPS_RUNS_OUTPUTS_DATA_WORKFLOW_RUNS_0_ID: ${{ fromJSON(steps.runs.outputs.data).workflow_runs[0].id }}',
      '          STEPS_RUNS_OUTPUTS_DATA: ${{ steps.runs.outputs.data }}',
      '          INPUTS_A_B: ${{ inputs.a-b }}',
      "          INPUTS_A_B_2: ${{ inputs['a_b'] }}",
    ));
  });

  test('default GITHUB_* variables are read directly; not when the script assigns them, nor github.workspace', () => {
    const input = wf('ubuntu-latest',
      '      - run: |',
      '          echo "${{ github.actor }} ${{ github.ref }} ${{ github.sha }} ${{ github.event_name }} ${{ github.run_id }} ${{ github.workspace }}"',
      '      - run: |',
      '          GITHUB_SHA=abc',
      '          echo "${{ github.sha }}" "$GITHUB_SHA"',
    );
    expect(fixed(input, ID)).toBe(wf('ubuntu-latest',
      '      - run: |',
      '          echo "${GITHUB_ACTOR} ${GITHUB_REF} ${GITHUB_SHA} ${GITHUB_EVENT_NAME} ${GITHUB_RUN_ID} ${GITHUB_WORKSPACE_2}"',
      '        env:',
      '          GITHUB_WORKSPACE_2: ${{ github.workspace }}',
      '      - run: |',
      '          GITHUB_SHA=abc',
      '          echo "${GITHUB_SHA_2}" "$GITHUB_SHA"',
      '        env:',
      '          GITHUB_SHA_2: ${{ github.sha }}',
    ));
  });

  test('an expression that is the command itself (folded run: >, or a bare command word) is reported, not quoted', () => {
    for (const step of [['      - run: >', '          ${{ inputs.command }}'], ['      - run: ${{ inputs.install }} --frozen-lockfile']]) {
      const r = fixText(wf('ubuntu-latest', ...step), ID);
      expect(r.status).toBe('unchanged');
      expect(r.findings[0]!.skippedBecause).toContain('stands as the command itself');
    }
    // As an argument of a folded one-line script it is fixed (the block becomes literal).
    expect(fixed(wf('ubuntu-latest', '      - run: >', '          npm run ${{ inputs.task }}'), ID)).toBe(wf('ubuntu-latest',
      '      - run: |', '          npm run "$INPUTS_TASK"', '        env:', '          INPUTS_TASK: ${{ inputs.task }}'));
  });

  test('the fixed multi-line and runner-variable script runs with the values as data', () => {
    const dir = tempDir('wf-fix-ml-');
    const m = join(dir, 'pwn');
    const value = `x"; touch ${m}; echo "`;
    const out = fixed(wf('ubuntu-latest',
      '      - name: s',
      '        run: |',
      '          echo "${{',
      '            github.event.pull_request.body }}" "${{ github.head_ref }}"'), ID);
    const step = stepScript(out, 'ci', 's');
    expect(step.env).toEqual({ GITHUB_EVENT_PULL_REQUEST_BODY: '${{ github.event.pull_request.body }}' });
    const r = runBash(dir, step.run, { GITHUB_EVENT_PULL_REQUEST_BODY: value, GITHUB_HEAD_REF: value });
    expect(existsSync(m)).toBe(false);
    expect(r.stdout).toBe(`${value} ${value}\n`);
    expect(lintBash(step.run)).toBe('');
  });
});
