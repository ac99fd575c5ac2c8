import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, fixed, fixText, lines, tempDir } from './helpers.js';
import { lintBash, runBash, stepScript } from './run-scripts.js';

const ID = ['expression-injection'];

function wf(step: string[], opts: { jobKeys?: string[]; top?: string[] } = {}): string {
  return lines('on: push', ...(opts.top ?? []), 'jobs:', '  notify:', '    runs-on: ubuntu-latest', ...(opts.jobKeys ?? []), '    steps:', ...step);
}

describe('expression-injection: golden', () => {
  test('the seed Slack step: env: created before run:, unquoted and single-quoted uses rewritten', () => {
    const input = wf([
      '      - name: Send Slack notification',
      '        if: always()',
      '        run: |',
      '          curl -X POST ${{ secrets.SLACK_WEBHOOK_URL }} \\',
      "            -H 'Content-Type: application/json' \\",
      `            -d '{"text":"Dev deployment completed for \${{ github.ref }}"}'`,
    ]);
    expect(fixed(input, ID)).toBe(wf([
      '      - name: Send Slack notification',
      '        if: always()',
      '        env:',
      '          SECRETS_SLACK_WEBHOOK_URL: ${{ secrets.SLACK_WEBHOOK_URL }}',
      '        run: |',
      '          curl -X POST "$SECRETS_SLACK_WEBHOOK_URL" \\',
      "            -H 'Content-Type: application/json' \\",
      `            -d '{"text":"Dev deployment completed for '"$GITHUB_REF"'"}'`,
    ]));
  });

  test('double quotes and heredocs get ${NAME}; the same expression twice is one variable; trusted contexts stay', () => {
    const input = wf([
      '      - id: build',
      '        env:',
      '          KEEP: "1"',
      '        run: |',
      '          echo "title: ${{ github.event.pull_request.title }}!"',
      '          echo ${{ github.event.pull_request.title }}',
      '          echo "${{ matrix.os }} ${{ vars.X }} ${{ runner.temp }} ${{ hashFiles(\'a\') }} ${{ steps.a.outcome }}"',
      '          cat <<EOF',
      '          url=${{ steps.deploy.outputs.url }} from ${{ needs.build.outputs.sha }} by ${{ inputs.who }}',
      '          EOF',
    ]);
    expect(fixed(input, ID)).toBe(wf([
      '      - id: build',
      '        env:',
      '          KEEP: "1"',
      '          GITHUB_EVENT_PULL_REQUEST_TITLE: ${{ github.event.pull_request.title }}',
      '          STEPS_DEPLOY_OUTPUTS_URL: ${{ steps.deploy.outputs.url }}',
      '          NEEDS_BUILD_OUTPUTS_SHA: ${{ needs.build.outputs.sha }}',
      '          INPUTS_WHO: ${{ inputs.who }}',
      '        run: |',
      '          echo "title: ${GITHUB_EVENT_PULL_REQUEST_TITLE}!"',
      '          echo "$GITHUB_EVENT_PULL_REQUEST_TITLE"',
      '          echo "${{ matrix.os }} ${{ vars.X }} ${{ runner.temp }} ${{ hashFiles(\'a\') }} ${{ steps.a.outcome }}"',
      '          cat <<EOF',
      '          url=${STEPS_DEPLOY_OUTPUTS_URL} from ${NEEDS_BUILD_OUTPUTS_SHA} by ${INPUTS_WHO}',
      '          EOF',
    ]));
  });

  test('env.FOO becomes $FOO; undeclared env.BAR reads ${BAR-} (empty, like the expression)', () => {
    const input = wf([
      '      - run: |',
      '          echo ${{ env.FOO }} "${{ env.BAR }}"',
      '          echo done',
    ], { top: ['env:', '  FOO: x'] });
    expect(fixed(input, ID)).toBe(wf([
      '      - run: |',
      '          echo "$FOO" "${BAR-}"',
      '          echo done',
    ], { top: ['env:', '  FOO: x'] }));
  });

  test('names never collide: existing env names, the script\'s own variables; same expression is reused', () => {
    const input = wf([
      '      - name: s',
      '        env:',
      '          GITHUB_HEAD_REF_X: other',
      '          INPUTS_NAME: something else',
      '        run: |',
      '          INPUTS_TAG=local',
      '          echo "${{ inputs.name }} ${{ inputs.tag }} ${{ github.head_ref }} ${{ github.sha }}" "$INPUTS_TAG"',
    ], { jobKeys: ['    env:', '      SHA: ${{ github.sha }}'] });
    expect(fixed(input, ID)).toBe(wf([
      '      - name: s',
      '        env:',
      '          GITHUB_HEAD_REF_X: other',
      '          INPUTS_NAME: something else',
      '          INPUTS_NAME_2: ${{ inputs.name }}',
      '          INPUTS_TAG_2: ${{ inputs.tag }}',
      '        run: |',
      '          INPUTS_TAG=local',
      '          echo "${INPUTS_NAME_2} ${INPUTS_TAG_2} ${GITHUB_HEAD_REF} ${SHA}" "$INPUTS_TAG"',
    ], { jobKeys: ['    env:', '      SHA: ${{ github.sha }}'] }));
  });

  test('a flow env: mapping and a run: that is the first key', () => {
    const input = wf([
      '      - run: echo ${{ github.event.sender.login }}',
      '        env: { A: b }',
      '      - run: echo ${{ inputs.x }}',
      '        name: second',
    ]);
    expect(fixed(input, ID)).toBe(wf([
      '      - run: echo "$GITHUB_EVENT_SENDER_LOGIN"',
      '        env: { A: b, GITHUB_EVENT_SENDER_LOGIN: "${{ github.event.sender.login }}" }',
      '      - run: echo "$INPUTS_X"',
      '        env:',
      '          INPUTS_X: ${{ inputs.x }}',
      '        name: second',
    ]));
  });

  test('CRLF files keep CRLF; bytes outside the step stay identical', () => {
    const input = wf(['      - run: |', '          echo "${{ inputs.ref }}"', '          echo done']).replace(/\n/g, '\r\n');
    expect(fixed(input, ID)).toBe(wf([
      '      - run: |', '          echo "${INPUTS_REF}"', '          echo done', '        env:', '          INPUTS_REF: ${{ inputs.ref }}',
    ]).replace(/\n/g, '\r\n'));
  });

  test('unsafe places are refused with the reason; pwsh is fixed (injection-shells.test.ts), cmd reported only', () => {
    const quoted = fixText(wf(['      - run: |', "          cat <<'EOF'", '          ${{ github.head_ref }}', '          EOF']), ID);
    expect(quoted.status).toBe('unchanged');
    expect(quoted.findings[0]!.skippedBecause).toContain('inside a quoted heredoc');
    const arith = fixText(wf(['      - run: |', '          echo $(( ${{ inputs.n }} + 1 ))', '          echo x']), ID);
    expect(arith.findings[0]!.skippedBecause).toContain('inside arithmetic');
    const unparsed = fixText(wf(['      - run: |', '          echo "${{ github.head_ref }}"', '          cat <<EOF > out; echo done', '          x', '          EOF']), ID);
    expect(unparsed.status).toBe('unchanged');
    expect(unparsed.findings[0]!.skippedBecause).toBe('bash grammar could not parse line 2');
    const cmd = fixText(wf(['      - shell: cmd', '        run: echo "${{ github.head_ref }}"']), ID);
    expect(cmd.findings[0]!.fixable).toBe(false);
    expect(cmd.findings[0]!.notes.join()).toContain('cmd expands %NAME% before it parses the line');
  });

  test('seeds: every untrusted ${{ }} leaves run:, idempotently; IDEAL env entries are reused', () => {
    for (const file of ['seed/model-cicd-yml-Pr5600-1.yml', 'seed/ideal-cicd-yml-Pr7694.yml']) {
      const text = readFileSync(join(CORPUS, file), 'utf8');
      const once = fixText(text, ID);
      expect(once.findings.every((f) => f.fixed)).toBe(true);
      expect(fixed(once.output, ID)).toBe(once.output);
      expect(fixText(once.output, ID).findings).toEqual([]);
    }
    const ideal = fixed(readFileSync(join(CORPUS, 'seed/ideal-cicd-yml-Pr7694.yml'), 'utf8'), ID);
    expect(stepScript(ideal, 'deploy-prod', 'Rollback on failure').run).toContain('STACKS="${STEPS_GET_VERSIONS_OUTPUTS_STACKS}"');
  });
});

describe('expression-injection: the value reaches bash as data', () => {
  const EVIL = (marker: string) => `a";touch ${marker};"'$(touch ${marker})'\`touch ${marker}\` $HOME`;
  const input = wf([
    '      - name: Notify',
    '        run: |',
    '          echo "branch: ${{ github.head_ref }}"',
    '          echo ${{ github.head_ref }}',
    `          printf '%s\\n' '{"ref":"\${{ github.head_ref }}"}'`,
    '          cat <<EOF',
    '          heredoc ${{ github.head_ref }}',
    '          EOF',
  ]);

  /** GitHub's rendering: substitute ${{ }} in env values (env then holds the raw value) and in the script text; the runner sets GITHUB_HEAD_REF. */
  function render(text: string, value: string): { script: string; env: Record<string, string> } {
    const step = stepScript(text, 'notify', 'Notify');
    const sub = (s: string) => s.replace(/\$\{\{\s*github\.head_ref\s*\}\}/g, value);
    return { script: sub(step.run), env: { GITHUB_HEAD_REF: value, ...Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, sub(v)])) } };
  }

  test('the original script runs the attacker\'s command (control)', () => {
    const dir = tempDir('wf-fix-pwn-');
    const marker = join(dir, 'pwn-original');
    const { script, env } = render(input, EVIL(marker));
    runBash(dir, script, env);
    expect(existsSync(marker)).toBe(true);
  });

  test('the fixed script never runs it, and every use sees the value intact', () => {
    const dir = tempDir('wf-fix-pwn-');
    const marker = join(dir, `pwn-${process.pid}`);
    const value = EVIL(marker);
    const out = fixed(input, ID);
    expect(stepScript(out, 'notify', 'Notify').run).not.toContain('${{');
    const { script, env } = render(out, value);
    const r = runBash(dir, script, env);
    expect(existsSync(marker)).toBe(false);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe([`branch: ${value}`, value, `{"ref":"${value}"}`, `heredoc ${value}`, ''].join('\n'));
    expect(lintBash(stepScript(out, 'notify', 'Notify').run)).toBe('');
  });

  test('the fixed seed Slack step sends the branch name as data', () => {
    const dir = tempDir('wf-fix-pwn-');
    const marker = join(dir, 'pwn-slack');
    const text = fixed(readFileSync(join(CORPUS, 'seed/model-cicd-yml-Pr5600-1.yml'), 'utf8'), ID);
    const step = stepScript(text, 'deploy-dev', 'Send Slack notification');
    const value = `refs/heads/a";touch ${marker};"`;
    const r = runBash(dir, step.run.replace(/^curl /, 'printf "%s\\n" '), { SECRETS_SLACK_WEBHOOK_URL: 'https://hooks.example/x', GITHUB_REF: value });
    expect(existsSync(marker)).toBe(false);
    expect(r.stdout.split('\n')).toContain(`{"text":"Dev deployment completed for ${value}"}`);
    expect(lintBash(step.run)).toBe('');
  });
});
