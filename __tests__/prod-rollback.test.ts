import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, fixed, fixText, lines } from './helpers.js';
import { parseYaml, toPlain } from '../src/yaml.js';

const toParsed = (text: string) => toPlain(parseYaml(text).docs[0]!);
import { bashN, runAction, shellcheck, stepsOf, workDir } from './stack-scripts.js';
import { rollbackScript } from '../transforms/shell/rollback.js';
import { defaultConfig } from '../src/config.js';
import { ROLLBACK_ACTION } from '../src/actions/rollback.js';

const ID = ['prod-rollback'];

const prodJob = (env = 'production', deployHead = ['      - name: Deploy']) => lines(
  'on: push',
  'jobs:',
  '  release:',
  '    runs-on: ubuntu-latest',
  `    environment: ${env}`,
  '    steps:',
  '      - uses: actions/checkout@v4',
  ...deployHead,
  '        run: npx cdk deploy --all --require-approval never',
  '      - name: Notify',
  '        if: always()',
  '        run: echo finished',
);

/** A fake aws whose describe-stacks answers each line of $STATES in turn (the last one repeats). */
const FAKE_AWS = [
  'case "$2" in',
  '  describe-stacks)',
  '    state="$(head -n 1 "$STATES")"',
  '    if [ "$(wc -l < "$STATES")" -gt 1 ]; then tail -n +2 "$STATES" > "$STATES.next"; mv "$STATES.next" "$STATES"; fi',
  '    case "$state" in',
  '      NOT_DEPLOYED) echo "An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id $4 does not exist" >&2; exit 254 ;;',
  '      DENIED) echo "An error occurred (AccessDenied) when calling the DescribeStacks operation" >&2; exit 254 ;;',
  '    esac',
  '    echo "$state" ;;',
  'esac',
].join('\n');

/** The rollback step of job `release`: the generated action's step (the job checks out the repository). */
function generatedStep(text: string) {
  const step = stepsOf(text, 'release').find((s) => s.name?.startsWith('Roll')) as { uses?: string; with?: Record<string, string> } | undefined;
  if (step?.uses !== './.github/actions/wf-fix-rollback' || !step.with) throw new Error('no rollback step using the action');
  return step;
}

/** Run the rollback action's steps with the workflow step's `with:` against the fake aws. */
function rollbackRun(states: string[], fixture = 'single') {
  const step = generatedStep(fixed(prodJob(), ID));
  const w = workDir(fixture, FAKE_AWS);
  const statesFile = join(w.dir, 'states');
  writeFileSync(statesFile, states.join('\n') + '\n');
  const r = runAction(ROLLBACK_ACTION.body, step.with!, w, { STATES: statesFile, ROLLBACK_POLL_SECONDS: '0' });
  const mutating = r.calls.filter((c) => !/^(describe-stacks|describe-stack-events)$/.test(c[1]!)).map((c) => c.slice(1).join(' '));
  return { ...r, mutating };
}

describe('prod-rollback', () => {
  test('golden: adds an id to the deploy step and a rollback step keyed on its outcome, cancellation included', () => {
    const out = fixed(prodJob(), ID);
    expect(out).toBe(lines(
      'on: push',
      'jobs:',
      '  release:',
      '    runs-on: ubuntu-latest',
      '    environment: production',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - name: Deploy',
      '        id: deploy',
      '        run: npx cdk deploy --all --require-approval never',
      '      - name: Roll back failed production deploy',
      "        if: ${{ (failure() || cancelled()) && (steps.deploy.outcome == 'failure' || steps.deploy.outcome == 'cancelled') }}",
      '        uses: ./.github/actions/wf-fix-rollback',
      '        with:',
      '          assembly: cdk.out',
      '      - name: Notify',
      '        if: always()',
      '        run: echo finished',
    ));
    expect(fixed(out, ID)).toBe(out);
  });

  test('the action requested is the rollback action', () => {
    expect(fixText(prodJob(), ID).repositoryFiles).toEqual(['rollback']);
  });

  test.each([
    ['the action', (toParsed(ROLLBACK_ACTION.body) as { runs: { steps: { run: string }[] } }).runs.steps[0]!.run],
    ['CDK inline', rollbackScript()],
    ['named inline', rollbackScript({ assembly: false, named: true })],
  ])('the generated script (%s) is strict, has no ${{ }}, no blanket || true, and passes shellcheck and bash -n', (_what, script) => {
    expect(script.startsWith('set -euo pipefail\n')).toBe(true);
    expect(script).not.toMatch(/\$\{\{|\|\|\s*true|list-stacks|cdk ls/);
    expect(shellcheck(script)).toEqual({ status: 0, output: '' });
    expect(bashN(script)).toBe(0);
  });

  test.each([
    [['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'], ['cancel-update-stack --stack-name prod-api'], 'prod-api: UPDATE_ROLLBACK_COMPLETE'],
    [['UPDATE_FAILED', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'], ['rollback-stack --stack-name prod-api'], 'prod-api: UPDATE_ROLLBACK_COMPLETE'],
    [['CREATE_FAILED', 'ROLLBACK_IN_PROGRESS', 'ROLLBACK_COMPLETE'], ['rollback-stack --stack-name prod-api'], 'prod-api: ROLLBACK_COMPLETE'],
    [['UPDATE_ROLLBACK_FAILED', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'], ['continue-update-rollback --stack-name prod-api'], 'prod-api: UPDATE_ROLLBACK_COMPLETE'],
    [['UPDATE_ROLLBACK_COMPLETE'], [], 'prod-api: UPDATE_ROLLBACK_COMPLETE'],
    [['UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE'], [], 'prod-api: UPDATE_ROLLBACK_COMPLETE'],
    [['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_FAILED', 'UPDATE_ROLLBACK_COMPLETE'],
      ['cancel-update-stack --stack-name prod-api', 'continue-update-rollback --stack-name prod-api'], 'prod-api: UPDATE_ROLLBACK_COMPLETE'],
    [['NOT_DEPLOYED'], [], 'prod-api: not deployed, nothing to roll back'],
  ])('run: states %j -> %j, job stays failed', (states, calls, report) => {
    const r = rollbackRun(states);
    expect(r.mutating).toEqual(calls);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain(report);
    expect(r.stderr).toContain('::error::the production deploy failed or was cancelled');
    expect(r.stderr).not.toContain('rollback did not complete');
  });

  test('run: the exact calls for an update caught in progress', () => {
    const r = rollbackRun(['UPDATE_IN_PROGRESS', 'UPDATE_ROLLBACK_IN_PROGRESS', 'UPDATE_ROLLBACK_COMPLETE']);
    expect(r.calls.map((c) => c.slice(1, 4).join(' '))).toEqual([
      'describe-stacks --stack-name prod-api',
      'cancel-update-stack --stack-name prod-api',
      'describe-stacks --stack-name prod-api',
      'describe-stacks --stack-name prod-api',
      'describe-stack-events --stack-name prod-api',
    ]);
  });

  test('run: a stack that cannot be read or is beyond repair is named as not rolled back', () => {
    const denied = rollbackRun(['DENIED']);
    expect(denied.status).toBe(1);
    expect(denied.mutating).toEqual([]);
    expect(denied.stderr).toContain('AccessDenied');
    expect(denied.stderr).toContain('::error::rollback did not complete for: prod-api');
    const broken = rollbackRun(['ROLLBACK_FAILED']);
    expect(broken.stderr).toContain('::error::prod-api is ROLLBACK_FAILED and needs manual repair');
    expect(broken.stderr).toContain('rollback did not complete for: prod-api');
  });

  test('run: every stack of every stage is checked', () => {
    const r = rollbackRun(['UPDATE_COMPLETE'], 'staged');
    expect(r.calls.map((c) => c[3])).toEqual(['PipelineStack', 'Prod-Api', 'Prod-Data', 'Prod-Blue-Web']);
    expect(r.status).toBe(1);
  });

  test('repairs a rollback step keyed on outputs (seed IDEAL shape), keeping its name and the deploy id', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  deploy-prod:',
      '    runs-on: ubuntu-latest',
      '    environment: prod',
      '    steps:',
      '      - name: Deploy to Production',
      '        id: deploy-prod',
      '        run: |',
      '          npx cdk deploy --all',
      '          echo "deploy_status=success" >> $GITHUB_OUTPUT',
      '',
      '      - name: Rollback on failure',
      "        if: failure() && steps.deploy-prod.outputs.deploy_status == 'failed'",
      '        run: |',
      '          STACKS="${{ steps.get-versions.outputs.stacks }}"',
      '          for STACK in $STACKS; do',
      '            aws cloudformation rollback-stack --stack-name "$STACK" || true',
      '          done',
      '',
      '      - name: Send Slack notification',
      '        if: always()',
      '        run: echo sent',
    );
    const out = fixText(input, ID);
    expect(out.findings[0]!.message).toContain('keyed on a step output');
    const step = stepsOf(out.output, 'deploy-prod')[1]!;
    expect(step).toEqual({
      name: 'Rollback on failure',
      if: "${{ (failure() || cancelled()) && (steps.deploy-prod.outcome == 'failure' || steps.deploy-prod.outcome == 'cancelled') }}",
      shell: 'bash',
      env: { CDK_ASSEMBLY: 'cdk.out' },
      run: rollbackScript(),
    });
    expect(out.output.split('\n').slice(0, 12)).toEqual(input.split('\n').slice(0, 12));
    expect(out.output.endsWith(lines('', '      - name: Send Slack notification', '        if: always()', '        run: echo sent'))).toBe(true);
    expect(fixed(out.output, ID)).toBe(out.output);
  });

  test('covers every deploy step of the job, and follows its working-directory and assembly', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  prod:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: npx cdk deploy NetworkStack -o out',
      '        working-directory: infra',
      '      - id: deploy',
      '        run: npx cdk deploy ApiStack -o out',
      '        working-directory: infra',
    );
    const steps = stepsOf(fixed(input, ID), 'prod');
    expect(steps.map((s) => s.id)).toEqual(['deploy-2', 'deploy', undefined]);
    expect(steps[2]).toMatchObject({
      if: "${{ (failure() || cancelled()) && (steps.deploy-2.outcome == 'failure' || steps.deploy-2.outcome == 'cancelled' || steps.deploy.outcome == 'failure' || steps.deploy.outcome == 'cancelled') }}",
      'working-directory': 'infra',
      env: { CDK_ASSEMBLY: 'out' },
    });
  });

  test('is silent on non-production jobs and honours the production config', () => {
    expect(fixText(prodJob('staging'), ID).findings).toEqual([]);
    expect(fixText(prodJob('live'), ID).findings).toEqual([]);
    const config = { ...defaultConfig(), production: ['^live$'] };
    expect(fixText(prodJob('live'), ID, config).findings).toHaveLength(1);
    expect(fixText(prodJob('production'), ID, config).findings).toEqual([]);
  });

  test.each(['model-cicd-yml-Pr5600-1.yml', 'ideal-cicd-yml-Pr7694.yml'])('seed %s: one sound rollback in deploy-prod; all transforms idempotent', (file) => {
    const text = readFileSync(join(CORPUS, 'seed', file), 'utf8');
    const once = fixed(text, ID);
    const steps = stepsOf(once, 'deploy-prod');
    const rollbacks = steps.filter((s) => /outcome == 'cancelled'/.test(s.if ?? ''));
    expect(rollbacks).toHaveLength(1);
    const isRollback = (s: { run?: string; uses?: string }) => s.uses === './.github/actions/wf-fix-rollback' || s.run === rollbackScript();
    expect(isRollback(rollbacks[0]!)).toBe(true);
    expect(fixed(once, ID)).toBe(once);
    const all = fixText(text);
    expect(all.status).toBe('changed');
    expect(fixed(all.output)).toBe(all.output);
    expect(stepsOf(all.output, 'deploy-prod').filter(isRollback)).toHaveLength(1);
  });
});

describe('insertItems (primitive fix)', () => {
  test('blank lines of a multi-line value get no trailing spaces', async () => {
    const { insertItems } = await import('../src/workflow/primitives.js');
    const { parseYaml } = await import('../src/yaml.js');
    const text = lines('steps:', '  - run: a');
    const seq = (parseYaml(text).docs[0]!.contents as { items: { value: unknown }[] }).items[0]!.value;
    const [edit] = insertItems(text, seq as never, 1, [{ run: 'one\n\ntwo\n' }], 2);
    expect(edit!.text).toBe('\n  - run: |\n      one\n\n      two');
  });
});
