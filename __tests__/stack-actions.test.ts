/**
 * The generated cdk-stacks and rollback actions (issue 13): each action is
 * linted as the runner would read its steps, its scripts pass shellcheck and
 * bash -n, its steps run against the fakes of the inline tests with the
 * workflow step's `with:` as inputs, and the workflow edit is a short
 * `uses:` step. Each case where a local action cannot run keeps the inline
 * script, with a note saying why.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CDK_STACKS_ACTION } from '../src/actions/cdk-stacks.js';
import { inputsInRunScripts, REPOSITORY_FILES } from '../src/actions/registry.js';
import { ROLLBACK_ACTION } from '../src/actions/rollback.js';
import { parseYaml, toPlain } from '../src/yaml.js';
import { rollbackScript } from '../transforms/shell/rollback.js';
import { lint } from './actionlint.js';
import { fixed, fixText, lines } from './helpers.js';
import { bashN, runAction, runScript, shellcheck, stepsOf, workDir } from './stack-scripts.js';

interface ActionDoc {
  inputs: Record<string, { description: string; required: boolean; default?: string }>;
  outputs?: Record<string, { value: string }>;
  runs: { using: string; steps: { run?: string; env?: Record<string, string> }[] };
}
const docOf = (body: string) => toPlain(parseYaml(body).docs[0]!) as ActionDoc;

/** The action's steps as a reusable workflow's job, for actionlint (as __tests__/action.test.ts does for wf-fix's own action). */
function actionAsWorkflow(body: string): string {
  const doc = docOf(body);
  const inputs = Object.fromEntries(Object.entries(doc.inputs).map(([k, v]) => [k, { description: v.description, required: v.required, default: v.default, type: 'string' }]));
  return JSON.stringify({ on: { workflow_call: { inputs } }, jobs: { action: { 'runs-on': 'ubuntu-latest', steps: doc.runs.steps } } }, null, 2);
}

const OURS = [CDK_STACKS_ACTION, ROLLBACK_ACTION];

describe.each(OURS.map((s) => [s.id, s] as const))('generated action %s', (_id, spec) => {
  test('is registered, owned by its transform, a composite action at .github/actions/wf-fix-<id>/action.yml', () => {
    expect(REPOSITORY_FILES).toContain(spec);
    expect(spec.path).toBe(`.github/actions/wf-fix-${spec.id}/action.yml`);
    expect(spec.owners).toEqual([spec.id === 'cdk-stacks' ? 'stack-discovery' : 'prod-rollback']);
    expect(docOf(spec.body).runs.using).toBe('composite');
    expect(spec.body).not.toMatch(/[ \t]$/m);
  });

  test('passes actionlint 1.7.7 (its steps as a workflow job)', async () => {
    expect(await lint(actionAsWorkflow(spec.body), `${spec.id}-as-workflow.yml`)).toEqual([]);
  });

  test('its scripts read inputs only through env:, pass shellcheck -S warning and bash -n', () => {
    expect(inputsInRunScripts(spec.body)).toEqual([]);
    const scripts = docOf(spec.body).runs.steps.map((s) => s.run).filter((r): r is string => r !== undefined);
    expect(scripts.length).toBeGreaterThan(0);
    for (const script of scripts) {
      expect(script).not.toContain('${{');
      expect(shellcheck(script)).toEqual({ status: 0, output: '' });
      expect(bashN(script)).toBe(0);
    }
  });
});

const cdkJob = (...steps: string[]) => lines(
  'on: push',
  'jobs:',
  '  deploy:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - uses: actions/checkout@v4',
  '      - run: npx cdk deploy --all --require-approval never',
  ...steps,
);

const verify = (flag = '--stack-name MyStack-dev') => [
  '      - name: Verify',
  '        run: |',
  '          set -euo pipefail',
  `          aws cloudformation describe-stacks ${flag} \\`,
  "            --query 'Stacks[0].StackStatus' --output text",
  '          echo finished',
];

const SD = ['stack-discovery'];

/** A production job `release` that checks out the repository, then `steps`. */
const release = (...steps: string[]) => lines(
  'on: push',
  'jobs:',
  '  release:',
  '    runs-on: ubuntu-latest',
  '    environment: production',
  '    steps:',
  '      - uses: actions/checkout@v4',
  ...steps,
);

describe('stack-discovery with the cdk-stacks action', () => {
  test('golden: a uses: step before the step, its output through env:, the loop unchanged', () => {
    const out = fixText(cdkJob(...verify()), SD);
    expect(out.output).toBe(cdkJob(
      '      - name: Discover CDK stacks',
      '        id: cdk-stacks',
      '        uses: ./.github/actions/wf-fix-cdk-stacks',
      '      - name: Verify',
      '        env:',
      '          CDK_STACK_NAMES: ${{ steps.cdk-stacks.outputs.stacks }}',
      '        run: |',
      '          set -euo pipefail',
      "          mapfile -t cdk_selected < <(grep -xF -- MyStack-dev <<< \"$CDK_STACK_NAMES\" || printf '%s' \"$CDK_STACK_NAMES\")",
      '          for stack_name in "${cdk_selected[@]}"; do',
      '            aws cloudformation describe-stacks --stack-name "$stack_name" \\',
      "              --query 'Stacks[0].StackStatus' --output text",
      '          done',
      '          echo finished',
    ));
    expect(out.repositoryFiles).toEqual(['cdk-stacks']);
    expect(out.findings[0]!.notes).toEqual([expect.stringContaining('read by the step ./.github/actions/wf-fix-cdk-stacks before it')]);
    expect(fixed(out.output, SD)).toBe(out.output);
  });

  test('the fixed workflow passes actionlint', async () => {
    expect(await lint(fixed(cdkJob(...verify()), SD), 'discovery.yml')).toEqual([]);
  });

  test('an existing env: gets the variable; a working-directory becomes the assembly input', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - run: npx cdk deploy --all',
      '        working-directory: infra',
      '      - name: Verify',
      '        working-directory: infra',
      '        env:',
      '          AWS_PAGER: ""',
      '        run: |',
      '          aws cloudformation describe-stacks --stack-name Api',
    );
    const steps = stepsOf(fixed(input, SD), 'deploy');
    expect(steps[2]).toEqual({ name: 'Discover CDK stacks', id: 'cdk-stacks', uses: './.github/actions/wf-fix-cdk-stacks', with: { assembly: 'infra/cdk.out' } });
    expect(steps[3]!.env).toEqual({ AWS_PAGER: '', CDK_STACK_NAMES: '${{ steps.cdk-stacks.outputs.stacks }}' });
  });

  test('the discovery step runs under the step\'s own if:', () => {
    const out = fixed(cdkJob('      - name: Report', '        if: always()', '        run: |', '          aws cloudformation describe-stacks --stack-name Api'), SD);
    expect(stepsOf(out, 'deploy')[2]).toEqual({ name: 'Discover CDK stacks', id: 'cdk-stacks', if: 'always()', uses: './.github/actions/wf-fix-cdk-stacks' });
    expect(fixed(out, SD)).toBe(out);
  });

  test('two steps fixed in one pass get their own discovery steps with distinct ids', () => {
    const out = fixed(cdkJob(...verify(), '      - name: Again', '        run: |', '          aws cloudformation describe-stacks --stack-name Other'), SD);
    const steps = stepsOf(out, 'deploy');
    expect(steps.filter((s) => s.uses?.includes('wf-fix-cdk-stacks')).map((s) => s.id)).toEqual(['cdk-stacks', 'cdk-stacks-2']);
    expect(steps.find((s) => s.name === 'Again')!.env).toEqual({ CDK_STACK_NAMES: '${{ steps.cdk-stacks-2.outputs.stacks }}' });
    expect(fixed(out, SD)).toBe(out);
  });

  test('a discovery step already right before the step is reused (a second run)', () => {
    const input = cdkJob(
      '      - name: Discover CDK stacks',
      '        id: cdk-stacks',
      '        uses: ./.github/actions/wf-fix-cdk-stacks',
      ...verify(),
    );
    const steps = stepsOf(fixed(input, SD), 'deploy');
    expect(steps.filter((s) => s.uses?.includes('wf-fix-cdk-stacks'))).toHaveLength(1);
    expect(steps[3]!.env).toEqual({ CDK_STACK_NAMES: '${{ steps.cdk-stacks.outputs.stacks }}' });
  });

  /** Run the action with the workflow step's with:, then the step's script with env: evaluated from the action's output. */
  function runDiscovery(fixture: string | undefined, flag?: string) {
    const steps = stepsOf(fixed(cdkJob(...verify(flag)), SD), 'deploy');
    const discovery = steps[2]!;
    const w = workDir(fixture, 'echo UPDATE_COMPLETE');
    const action = runAction(CDK_STACKS_ACTION.body, discovery.with ?? {}, w);
    const step = steps[3]!;
    const env = { CDK_STACK_NAMES: step.env!.CDK_STACK_NAMES!.replace('${{ steps.cdk-stacks.outputs.stacks }}', action.outputs.stacks ?? '') };
    return { w, action, step: action.status === 0 ? runScript(step.run!, w, env) : undefined };
  }

  test('run: the action outputs every stack, stage assemblies included, one per line', () => {
    const r = runDiscovery('staged');
    expect(r.action.status).toBe(0);
    expect(r.action.outputs.stacks).toBe('PipelineStack\nProd-Api\nProd-Data\nProd-Blue-Web');
    expect(r.step!.calls.map((c) => c[3])).toEqual(['PipelineStack', 'Prod-Api', 'Prod-Data', 'Prod-Blue-Web']);
  });

  test('run: a literal the app declares selects only that stack', () => {
    const r = runDiscovery('staged', '--stack-name Prod-Data');
    expect(r.step!.status).toBe(0);
    expect(r.step!.calls).toEqual([['cloudformation', 'describe-stacks', '--stack-name', 'Prod-Data', '--query', 'Stacks[0].StackStatus', '--output', 'text']]);
  });

  test('run: hostile names come through the output and env: exactly, never evaluated', () => {
    const r = runDiscovery('odd');
    expect(r.action.outputs.stacks!.split('\n')).toEqual(['My  Stack with spaces', 'it\'s "quoted"', '$(touch pwned) *']);
    expect(r.step!.calls.map((c) => c[3])).toEqual(['My  Stack with spaces', 'it\'s "quoted"', '$(touch pwned) *']);
    expect(existsSync(join(r.w.dir, 'pwned'))).toBe(false);
  });

  test('run: an empty assembly gives an empty output and no call; a missing one fails the action', () => {
    const empty = runDiscovery('empty');
    expect(empty.action.outputs.stacks).toBe('');
    expect(empty.step!.status).toBe(0);
    expect(empty.step!.calls).toEqual([]);
    const missing = runDiscovery(undefined);
    expect(missing.action.status).not.toBe(0);
    expect(missing.action.stderr).toContain('::error::no cloud assembly manifest at cdk.out/manifest.json');
  });
});

describe('fallbacks: the inline script, with a note saying why', () => {
  const noCheckout = (s: string) => s.replace('      - uses: actions/checkout@v4\n', '');
  const reusable = (s: string) => s.replace('on: push', 'on:\n  workflow_call:');
  const otherRepo = (s: string) => s.replace('      - uses: actions/checkout@v4\n', '      - uses: actions/checkout@v4\n        with:\n          repository: acme/other\n');
  const cases: [string, (s: string) => string, Record<string, unknown>, RegExp][] = [
    ['inlineScripts: true', (s) => s, { inlineScripts: true }, /inlineScripts: true/],
    ['no checkout before the step', noCheckout, {}, /does not check out the repository \(actions\/checkout\) before this step/],
    ['a checkout of another repository', otherRepo, {}, /checks out another repository \(acme\/other\) into the workspace before this step/],
    ['a reusable workflow', reusable, {}, /reusable workflow \(on: workflow_call\).*caller's checkout/],
  ];

  test.each(cases)('stack-discovery: %s', (_what, shape, config, note) => {
    const out = fixText(shape(cdkJob(...verify())), SD, config);
    expect(out.repositoryFiles).toBeUndefined();
    expect(out.output).not.toContain('wf-fix-cdk-stacks');
    const script = stepsOf(out.output, 'deploy').find((s) => s.name === 'Verify')!.run!;
    expect(script).toContain('cdk_stacks_list="$(cdk_stack_names cdk.out)" || exit 1');
    expect(out.findings[0]!.notes).toContainEqual(expect.stringMatching(note));
    expect(fixed(out.output, SD, config)).toBe(out.output);
  });

  const prodJob = release('      - name: Deploy', '        run: npx cdk deploy --all --require-approval never');

  test.each(cases)('prod-rollback: %s', (_what, shape, config, note) => {
    const out = fixText(shape(prodJob), ['prod-rollback'], config);
    expect(out.repositoryFiles).toBeUndefined();
    const step = stepsOf(out.output, 'release').at(-1)!;
    expect(step).toMatchObject({ name: 'Roll back failed production deploy', shell: 'bash', env: { CDK_ASSEMBLY: 'cdk.out' }, run: rollbackScript() });
    expect(out.findings[0]!.notes).toContainEqual(expect.stringMatching(note));
    expect(fixed(out.output, ['prod-rollback'], config)).toBe(out.output);
  });

  test('stack-discovery in a composite action being fixed', () => {
    const action = lines(
      'name: deploy',
      'runs:',
      '  using: composite',
      '  steps:',
      '    - uses: actions/checkout@v4',
      '    - run: npx cdk deploy --all',
      '      shell: bash',
      '    - name: Verify',
      '      shell: bash',
      '      run: |',
      '        aws cloudformation describe-stacks --stack-name Api',
    );
    const out = fixText(action, SD);
    expect(out.status).toBe('changed');
    expect(out.output).not.toContain('wf-fix-cdk-stacks');
    expect(out.output).toContain('cdk_stacks_list="$(cdk_stack_names cdk.out)" || exit 1');
    expect(out.findings[0]!.notes).toContainEqual(expect.stringMatching(/this file is a composite action/));
  });
});

describe('prod-rollback with the rollback action', () => {
  test('named stacks (aws cloudformation deploy) pass through the stacks input, and run', () => {
    const input = release('      - id: deploy', '        run: aws cloudformation deploy --template-file t.yml --stack-name prod-api');
    const out = fixText(input, ['prod-rollback']);
    const step = stepsOf(out.output, 'release').at(-1)!;
    expect(step.with).toEqual({ stacks: 'prod-api' });
    expect(step.uses).toBe('./.github/actions/wf-fix-rollback');
    const w = workDir(undefined, 'case "$2" in describe-stacks) echo UPDATE_FAILED ;; esac');
    const r = runAction(ROLLBACK_ACTION.body, step.with!, w, { ROLLBACK_POLL_SECONDS: '0', ROLLBACK_MAX_POLLS: '2' });
    expect(r.status).toBe(1);
    expect(r.calls.map((c) => c.slice(1, 4).join(' '))).toContain('rollback-stack --stack-name prod-api');
    expect(r.stderr).toContain('::error::the production deploy failed or was cancelled');
  });

  test('no assembly and no stacks: the action fails and says so', () => {
    const r = runAction(ROLLBACK_ACTION.body, {}, workDir(undefined, ''));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('::error::neither the cloud assembly nor the stacks input name any stacks to roll back');
  });

  test('a deploy under job defaults.run.working-directory gives the assembly input that path', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  prod:',
      '    runs-on: ubuntu-latest',
      '    defaults:',
      '      run:',
      '        working-directory: infra',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '      - run: npx cdk deploy --all -o out',
    );
    const out = fixed(input, ['prod-rollback']);
    expect(stepsOf(out, 'prod').at(-1)!.with).toEqual({ assembly: 'infra/out' });
    expect(fixed(out, ['prod-rollback'])).toBe(out);
  });
});
