import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config } from '../src/config.js';
import { retryFunction } from '../transforms/shell/retry.js';
import { CORPUS, fixed, fixText, lines, tempDir } from './helpers.js';
import { fakeTool, lintBash, runBash, stepScript } from './run-scripts.js';

const ID = ['deploy-retry'];
const FAST: Partial<Config> = { retry: { attempts: 3, delaySeconds: 0, productionDelaySeconds: 0, backoff: 'exponential' } };

const fn = (delay: number, attempts = 3, backoff: 'exponential' | 'fixed' = 'exponential') =>
  retryFunction({ attempts, delaySeconds: delay, backoff });

function workflow(...steps: string[]): string {
  return lines('on: push', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    steps:', ...steps);
}

describe('deploy-retry: golden', () => {
  test('a single-line run: becomes a block with the function and the wrapped call', () => {
    const input = workflow('      - name: Deploy', '        id: deploy', '        run: npx cdk deploy --all # ship it');
    expect(fixed(input, ID)).toBe(workflow(
      '      - name: Deploy',
      '        id: deploy',
      '        run: | # ship it',
      ...fn(30).map((l) => '          ' + l),
      '          wf_fix_retry npx cdk deploy --all',
    ));
  });

  test('a backslash-continued command is wrapped as a whole; other lines stay byte-identical', () => {
    const input = workflow(
      '      - name: Deploy',
      '        id: deploy-dev',
      '        run: |',
      '          set -euo pipefail',
      '          echo "before"',
      '          npx cdk deploy --all \\',
      '            --require-approval never \\',
      '            --context environment=dev',
      '          echo "after"',
    );
    expect(fixed(input, ID)).toBe(workflow(
      '      - name: Deploy',
      '        id: deploy-dev',
      '        run: |',
      '          set -euo pipefail',
      ...fn(30).map((l) => '          ' + l),
      '          echo "before"',
      '          wf_fix_retry npx cdk deploy --all \\',
      '            --require-approval never \\',
      '            --context environment=dev',
      '          echo "after"',
    ));
  });

  test('every deploy tool is wrapped, the function is defined once; production jobs wait longer', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  deploy-prod:',
      '    runs-on: ubuntu-latest',
      '    environment: production',
      '    steps:',
      '      - run: |',
      '          aws cloudformation deploy --template-file t.yml --stack-name "$S"',
      '          sam deploy --no-confirm-changeset',
      '          npx serverless deploy --stage prod',
      '          cdk --app cdk.out deploy Stack',
      '          echo cdk deploy is not run here',
    );
    const out = fixed(input, ID, { retry: { attempts: 4, delaySeconds: 5, productionDelaySeconds: 90, backoff: 'fixed' } });
    expect(out).toBe(lines(
      'on: push',
      'jobs:',
      '  deploy-prod:',
      '    runs-on: ubuntu-latest',
      '    environment: production',
      '    steps:',
      '      - run: |',
      ...fn(90, 4, 'fixed').map((l) => '          ' + l),
      '          wf_fix_retry aws cloudformation deploy --template-file t.yml --stack-name "$S"',
      '          wf_fix_retry sam deploy --no-confirm-changeset',
      '          wf_fix_retry npx serverless deploy --stage prod',
      '          wf_fix_retry cdk --app cdk.out deploy Stack',
      '          echo cdk deploy is not run here',
    ));
    expect(fn(90, 4, 'fixed').join('\n')).not.toContain('delay * 2');
  });

  test('a folded (>-) run: becomes a literal block, chomping and comment kept', () => {
    const input = workflow('      - run: >- # deploy', '          npx cdk deploy', '          StackA StackB', '          --require-approval never');
    expect(fixed(input, ID)).toBe(workflow(
      '      - run: |- # deploy',
      ...fn(30).map((l) => '          ' + l),
      '          wf_fix_retry npx cdk deploy StackA StackB --require-approval never',
    ));
  });

  test('already-retried commands and other shells are left alone', () => {
    const input = workflow(
      '      - run: |',
      '          for i in $(seq 1 $MAX_RETRIES); do',
      '            if npx cdk deploy --all; then break; fi',
      '            sleep 5',
      '          done',
      '      - run: retry 3 npx cdk deploy --all',
      '      - uses: nick-fields/retry@v3',
      '        with:',
      '          command: npx cdk deploy --all',
      '      - shell: pwsh',
      '        run: npx cdk deploy --all',
      '      - run: npx cdk synth',
    );
    expect(fixText(input, ID).findings).toEqual([]);
  });

  test('the seed IDEAL retry loops are recognised: nothing to do', () => {
    const text = readFileSync(join(CORPUS, 'seed/ideal-cicd-yml-Pr7694.yml'), 'utf8');
    expect(fixText(text, ID).findings).toEqual([]);
  });

  test('the seed MODEL deploys are all wrapped, idempotently, with a location and a reason', () => {
    const text = readFileSync(join(CORPUS, 'seed/model-cicd-yml-Pr5600-1.yml'), 'utf8');
    const once = fixText(text, ID);
    expect(once.findings.map((f) => [f.line, f.fixed])).toEqual([[109, true], [167, true], [220, true]]);
    expect(once.findings[2]!.message).toContain('60s exponential backoff');
    expect(fixed(once.output, ID)).toBe(once.output);
    expect(stepScript(once.output, 'deploy-prod', 'Deploy to Production').run).toContain('local attempt=1 delay=60 status');
    expect(stepScript(once.output, 'deploy-dev', 'Deploy to Dev with Change Set').run).toContain('local attempt=1 delay=30 status');
  });

  test('exec cannot be retried: reported, not fixed', () => {
    const out = fixText(workflow('      - run: exec npx cdk deploy'), ID);
    expect(out.findings).toHaveLength(1);
    expect(out.findings[0]!.fixable).toBe(false);
    expect(out.findings[0]!.message).toContain('exec replaces the shell');
  });
});

describe('deploy-retry: the generated bash, run', () => {
  const input = workflow(
    '      - name: Deploy',
    '        id: deploy',
    '        run: |',
    '          set -euo pipefail',
    '          npx cdk deploy --all \\',
    '            --require-approval never',
    '          echo "deployed"',
  );
  const script = stepScript(fixed(input, ID, FAST), 'deploy', 'deploy').run;

  function setup(failures: number): string {
    const dir = tempDir('wf-fix-retry-');
    fakeTool(dir, 'npx', 'exec "$@"');
    fakeTool(dir, 'cdk', [
      `n=$(( $(cat "${dir}/count" 2>/dev/null || echo 0) + 1 ))`,
      `echo "$n" > "${dir}/count"`,
      `echo "$*" >> "${dir}/args"`,
      `[ "$n" -gt ${failures} ] || exit 7`,
    ].join('\n'));
    return dir;
  }

  test('fails twice then succeeds: exactly 3 attempts, exit 0, set -e does not cut the loop', () => {
    const dir = setup(2);
    const r = runBash(dir, script);
    expect(r.status).toBe(0);
    expect(readFileSync(join(dir, 'count'), 'utf8').trim()).toBe('3');
    expect(readFileSync(join(dir, 'args'), 'utf8')).toBe('deploy --all --require-approval never\n'.repeat(3));
    expect(r.stdout).toBe('deployed\n');
    expect(r.stderr).toContain('attempt 2 of 3 failed (exit 7)');
  });

  test('always fails: N attempts, then the last exit status, and the script stops', () => {
    const dir = setup(99);
    const r = runBash(dir, script);
    expect(r.status).toBe(7);
    expect(readFileSync(join(dir, 'count'), 'utf8').trim()).toBe('3');
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('attempt 3 of 3 failed (exit 7)');
  });

  test('attempts come from config, and shell: bash (-eo pipefail) behaves the same', () => {
    const five = stepScript(fixed(input, ID, { retry: { attempts: 5, delaySeconds: 0, productionDelaySeconds: 0, backoff: 'fixed' } }), 'deploy', 'deploy').run;
    const dir = setup(99);
    const r = runBash(dir, five, {}, ['-eo', 'pipefail']);
    expect(r.status).toBe(7);
    expect(readFileSync(join(dir, 'count'), 'utf8').trim()).toBe('5');
  });

  test('succeeds at once: one attempt', () => {
    const dir = setup(0);
    expect(runBash(dir, script).status).toBe(0);
    expect(readFileSync(join(dir, 'count'), 'utf8').trim()).toBe('1');
  });

  test('generated scripts pass bash -n and shellcheck -S warning', () => {
    expect(lintBash(script)).toBe('');
    const text = readFileSync(join(CORPUS, 'seed/model-cicd-yml-Pr5600-1.yml'), 'utf8');
    const out = fixed(text, ID);
    for (const [job, step] of [['deploy-dev', 'Deploy to Dev with Change Set'], ['deploy-prod', 'Deploy to Production']] as const) {
      expect(lintBash(stepScript(out, job, step).run)).toBe('');
    }
  });
});

describe('deploy-retry: scripts the bash grammar cannot parse', () => {
  test.each([
    ['a grammar ERROR', ['npx cdk deploy --all', 'if then fi'], 2],
    ['the `$A:$B` split (tree-sitter-bash #315)', ['npx cdk deploy --all', 'export PATH=$PATH:$HOME/.local/bin'], 2],
  ])('%s: the fix refuses with the line, the script stays as it is', (_what, script, line) => {
    const input = workflow('      - name: Deploy', '        run: |', ...script.map((l) => '          ' + l));
    const out = fixText(input, ID);
    expect(out.status).toBe('unchanged');
    expect(out.findings.map((f) => [f.fixed, f.skippedBecause])).toEqual([[false, `bash grammar could not parse line ${line}`]]);
  });
});
