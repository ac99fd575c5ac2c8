import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, fixed, fixText, lines } from './helpers.js';
import { bashN, runScript, scriptOf, shellcheck, workDir } from './stack-scripts.js';
import { discoverStacks } from '../transforms/shell/stacks.js';

const ID = ['stack-discovery'];

const job = (...steps: string[]) => lines(
  'on: push',
  'jobs:',
  '  deploy:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - run: npx cdk deploy --all --require-approval never',
  ...steps,
);

const describeStep = (flag = '--stack-name MyStack-dev') => job(
  '      - name: Verify',
  '        run: |',
  '          set -euo pipefail',
  `          aws cloudformation describe-stacks ${flag} \\`,
  "            --query 'Stacks[0].StackStatus' --output text || echo \"no stack\"",
  '          echo finished',
);

/** Run the discovery snippet alone and return the names it read. */
function discovered(fixture: string | undefined): { status: number; names: string[] } {
  const script = ['set -euo pipefail', ...discoverStacks('cdk.out'), 'printf \'%s\\n\' "${#CDK_STACKS[@]}"', 'for s in "${CDK_STACKS[@]}"; do printf \'[%s]\\n\' "$s"; done'].join('\n');
  const w = workDir(fixture, '');
  const r = runScript(script, w);
  const out = r.stdout.split('\n').filter(Boolean);
  return { status: r.status, names: r.status === 0 ? out.slice(1).map((l) => l.slice(1, -1)) : [] };
}

describe('cdk_stack_names (transforms/shell/stacks.ts)', () => {
  test('plain stacks: stackName override, else the artifact id; other artifacts ignored', () => {
    expect(discovered('plain')).toEqual({ status: 0, names: ['network-prod', 'ApiStack'] });
  });
  test('stage assemblies are read recursively, in manifest order', () => {
    expect(discovered('staged')).toEqual({ status: 0, names: ['PipelineStack', 'Prod-Api', 'Prod-Data', 'Prod-Blue-Web'] });
  });
  test('names with spaces, quotes, $( ) and globs come through exactly and are never evaluated', () => {
    const w = workDir('odd', '');
    expect(discovered('odd')).toEqual({ status: 0, names: ['My  Stack with spaces', 'it\'s "quoted"', '$(touch pwned) *'] });
    expect(existsSync(join(w.dir, 'pwned'))).toBe(false);
  });
  test('an assembly without artifacts gives an empty list; a missing one fails the step', () => {
    expect(discovered('empty')).toEqual({ status: 0, names: [] });
    expect(discovered(undefined).status).not.toBe(0);
  });
  test('the snippet passes shellcheck and bash -n', () => {
    const script = ['set -euo pipefail', ...discoverStacks('cdk.out'), 'echo "${CDK_STACKS[@]}"'].join('\n');
    expect(shellcheck(script)).toEqual({ status: 0, output: '' });
    expect(bashN(script)).toBe(0);
  });
});

describe('stack-discovery', () => {
  test('golden: a literal --stack-name in a read call runs once per selected stack', () => {
    const out = fixed(describeStep(), ID);
    const script = scriptOf(out, 'deploy', 'Verify');
    expect(script).toContain([
      'cdk_stacks_list="$(cdk_stack_names cdk.out)" || exit 1',
      "mapfile -t cdk_selected < <(grep -xF -- MyStack-dev <<< \"$cdk_stacks_list\" || printf '%s' \"$cdk_stacks_list\")",
      'for stack_name in "${cdk_selected[@]}"; do',
      '  aws cloudformation describe-stacks --stack-name "$stack_name" \\',
      "    --query 'Stacks[0].StackStatus' --output text || echo \"no stack\"",
      'done',
      'echo finished',
      '',
    ].join('\n'));
    expect(script.startsWith('set -euo pipefail\n# Stack names declared by a cloud assembly')).toBe(true);
    expect(script).not.toMatch(/list-stacks|cdk ls|\$\{\{|CDK_STACKS/);
    // Lines outside the rewritten command are untouched.
    expect(out.split('\n').slice(0, 8)).toEqual(describeStep().split('\n').slice(0, 8));
    expect(shellcheck(script)).toEqual({ status: 0, output: '' });
    expect(fixed(out, ID)).toBe(out);
  });

  test.each([
    ['--stack-name=MyStack-dev'],
    ["--stack-name 'MyStack-dev'"],
    ['--stack-names "MyStack-dev"'],
  ])('recognises %s', (flag) => {
    const script = scriptOf(fixed(describeStep(flag), ID), 'deploy', 'Verify');
    expect(script).toMatch(/--stack-names?[= ]"\$stack_name"/);
    expect(bashN(script)).toBe(0);
  });

  const fakeStatus = 'echo UPDATE_COMPLETE';
  test('run: a literal the app declares selects only that stack', () => {
    const script = scriptOf(fixed(describeStep('--stack-name Prod-Api'), ID), 'deploy', 'Verify');
    const r = runScript(script, workDir('staged', fakeStatus));
    expect(r.status).toBe(0);
    expect(r.calls).toEqual([['cloudformation', 'describe-stacks', '--stack-name', 'Prod-Api', '--query', 'Stacks[0].StackStatus', '--output', 'text']]);
  });

  test('run: a literal the app does not declare stands for every declared stack, quoted', () => {
    const script = scriptOf(fixed(describeStep(), ID), 'deploy', 'Verify');
    const w = workDir('odd', fakeStatus);
    const r = runScript(script, w);
    expect(r.status).toBe(0);
    expect(r.calls.map((c) => c[3])).toEqual(['My  Stack with spaces', 'it\'s "quoted"', '$(touch pwned) *']);
    expect(existsSync(join(w.dir, 'pwned'))).toBe(false);
    expect(r.stdout.trim().split('\n')).toEqual(['UPDATE_COMPLETE', 'UPDATE_COMPLETE', 'UPDATE_COMPLETE', 'finished']);
  });

  test('run: no cdk.out fails the step instead of silently checking nothing', () => {
    const script = scriptOf(fixed(describeStep(), ID), 'deploy', 'Verify');
    const r = runScript(script, workDir(undefined, fakeStatus));
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('no cloud assembly manifest at cdk.out/manifest.json');
    expect(r.calls).toEqual([]);
  });

  test('golden + run: list-stacks contains(StackName) discovery becomes the assembly list (seed IDEAL shape)', () => {
    const input = job(
      '      - name: Verify Change Set',
      '        run: |',
      '          set -euo pipefail',
      '          STACKS=$(aws cloudformation list-stacks \\',
      '            --stack-status-filter CREATE_COMPLETE UPDATE_COMPLETE \\',
      '            --query "StackSummaries[?contains(StackName, \'dev\')].StackName" \\',
      '            --output text)',
      '          echo "stacks=$STACKS"',
      '          for STACK in $STACKS; do',
      '            echo "Checking stack: $STACK"',
      '          done',
    );
    const out = fixed(input, ID);
    const script = scriptOf(out, 'deploy', 'Verify Change Set');
    expect(script).not.toMatch(/list-stacks|contains\(/);
    expect(script).toContain('STACKS="${CDK_STACKS[*]}"\necho "stacks=$STACKS"\nfor STACK in "${CDK_STACKS[@]}"; do\n');
    expect(shellcheck(script)).toEqual({ status: 0, output: '' });
    const r = runScript(script, workDir('staged', ''));
    expect(r.stdout).toBe([
      'stacks=PipelineStack Prod-Api Prod-Data Prod-Blue-Web',
      'Checking stack: PipelineStack', 'Checking stack: Prod-Api', 'Checking stack: Prod-Data', 'Checking stack: Prod-Blue-Web', '',
    ].join('\n'));
    expect(fixed(out, ID)).toBe(out);
  });

  test('reports, without rewriting, captured output, mutating calls and unknowable assembly paths', () => {
    const captured = job('      - run: |', '          URL=$(aws cloudformation describe-stacks --stack-name Api --output text)', '          echo "$URL"');
    const c = fixText(captured, ID);
    expect(c.output).toBe(captured);
    expect(c.findings[0]!.skippedBecause).toContain('not a standalone aws cloudformation read call');
    const unparsed = job('      - run: |', '          aws cloudformation describe-stacks --stack-name MyStack-dev', '          cat <<EOF > out; echo done', '          x', '          EOF');
    const u = fixText(unparsed, ID);
    expect(u.output).toBe(unparsed);
    expect(u.findings[0]!.skippedBecause).toBe('bash grammar could not parse line 2');
    const mutating = job('      - run: |', '          aws cloudformation delete-stack --stack-name Api', '          echo gone');
    expect(fixText(mutating, ID).output).toBe(mutating);
    const wd = lines(
      'on: push',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: npx cdk deploy --all',
      '        working-directory: infra',
      '      - run: |',
      '          aws cloudformation describe-stacks --stack-name Api',
      '        working-directory: other',
    );
    const w = fixText(wd, ID);
    expect(w.output).toBe(wd);
    expect(w.findings[0]!.fixable).toBe(false);
  });

  test('follows the deploy step working-directory and --output', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: npx cdk deploy --all -o build/assembly',
      '        working-directory: infra',
      '      - name: Verify',
      '        run: |',
      '          aws cloudformation describe-stacks --stack-name Api',
    );
    expect(scriptOf(fixed(input, ID), 'deploy', 'Verify')).toContain('cdk_stacks_list="$(cdk_stack_names infra/build/assembly)" || exit 1');
  });

  test('is silent on jobs that do not deploy a CDK app', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  sam:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: |',
      '          sam deploy --stack-name my-app',
      '          aws cloudformation describe-stacks --stack-name my-app',
    );
    expect(fixText(input, ID).findings).toEqual([]);
  });

  test.each(['model-cicd-yml-Pr5600-1.yml', 'ideal-cicd-yml-Pr7694.yml'])('seed %s: no hard-coded stack name left, scripts clean, idempotent', (file) => {
    const text = readFileSync(join(CORPUS, 'seed', file), 'utf8');
    const out = fixText(text, ID);
    expect(out.findings.length).toBeGreaterThan(0);
    expect(out.findings.every((f) => f.fixed)).toBe(true);
    expect(out.output).not.toMatch(/--stack-name MyStack|contains\(StackName/);
    expect(fixed(out.output, ID)).toBe(out.output);
    const steps: [string, string][] = file.startsWith('ideal')
      ? [['deploy-dev', 'Verify Change Set'], ['deploy-prod', 'Get current stack versions for rollback']]
      : [['deploy-dev', 'Verify Change Set']];
    for (const [jobId, step] of steps) expect(shellcheck(scriptOf(out.output, jobId, step))).toEqual({ status: 0, output: '' });
  });
});
