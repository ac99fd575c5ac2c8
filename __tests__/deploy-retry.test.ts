import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { render } from '../src/actions/registry.js';
import { requestedRepositoryFiles } from '../src/actions/repository-files.js';
import type { Config } from '../src/config.js';
import { retryFileCall, retryFunction, withoutRetryFileCalls } from '../transforms/shell/retry.js';
import { TRANSFORMS } from '../transforms/index.js';
import { CORPUS, fixed, fixText, lines, ROOT, runCli, tempDir } from './helpers.js';
import { makeRepo } from './repos.js';
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
    expect(once.repositoryFiles).toEqual(['retry']);
    expect(stepScript(once.output, 'deploy-prod', 'Deploy to Production').run)
      .toContain('bash "$GITHUB_WORKSPACE"/.github/actions/wf-fix-retry/retry.sh --attempts 3 --delay 60 -- npx cdk deploy --all');
    expect(stepScript(once.output, 'deploy-dev', 'Deploy to Dev with Change Set').run).toContain('retry.sh --attempts 3 --delay 30 -- ');
    expect(once.output).not.toContain('wf_fix_retry');
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

describe('deploy-retry: the repository retry.sh', () => {
  const CALL = 'bash "$GITHUB_WORKSPACE"/.github/actions/wf-fix-retry/retry.sh';
  const checkout = ['      - uses: actions/checkout@v4'];
  const checkedOut = (...steps: string[]) => workflow(...checkout, ...steps);

  test('a job that checks out the repository calls retry.sh on the deploy line; the file is requested', () => {
    const input = checkedOut('      - name: Deploy', '        id: deploy', '        run: npx cdk deploy --all # ship it');
    const out = fixText(input, ID);
    expect(out.output).toBe(checkedOut(
      '      - name: Deploy',
      '        id: deploy',
      `        run: ${CALL} --attempts 3 --delay 30 -- npx cdk deploy --all # ship it`,
    ));
    expect(out.repositoryFiles).toEqual(['retry']);
    expect(out.findings.flatMap((f) => f.notes ?? [])).toEqual([]);
    expect(fixText(out.output, ID).findings).toEqual([]);
  });

  test('config attempts, delay and fixed backoff are written as options; production waits longer; a second run changes nothing', () => {
    const input = lines('on: push', 'jobs:', '  deploy-prod:', '    runs-on: ubuntu-latest', '    environment: production', '    steps:',
      ...checkout, '      - run: |', '          time sam deploy --no-confirm-changeset', '          ! npx cdk deploy --all');
    const config: Partial<Config> = { retry: { attempts: 4, delaySeconds: 5, productionDelaySeconds: 90, backoff: 'fixed' } };
    const out = fixed(input, ID, config);
    expect(out).toBe(lines('on: push', 'jobs:', '  deploy-prod:', '    runs-on: ubuntu-latest', '    environment: production', '    steps:',
      ...checkout, '      - run: |',
      `          time ${CALL} --attempts 4 --delay 90 --backoff fixed -- sam deploy --no-confirm-changeset`,
      `          ! ${CALL} --attempts 4 --delay 90 --backoff fixed -- npx cdk deploy --all`));
    expect(fixed(out, ID, config)).toBe(out);
    expect(lintBash(stepScript(out, 'deploy-prod', 1).run)).toBe('');
  });

  test.each([
    ['no checkout before the step', workflow('      - run: npx cdk deploy --all', ...checkout), {},
      "job 'deploy' does not check out the repository (actions/checkout) before this step, so .github/actions/wf-fix-retry/retry.sh may not be there: the retry function is written into the script"],
    ['a checkout into a subdirectory', workflow('      - uses: actions/checkout@v4', '        with:', '          path: src', '      - run: npx cdk deploy --all'), {},
      "job 'deploy' does not check out the repository (actions/checkout) before this step, so .github/actions/wf-fix-retry/retry.sh may not be there: the retry function is written into the script"],
    ['a checkout of an input ref (may predate retry.sh)', workflow('      - uses: actions/checkout@v4', '        with:', '          ref: ${{ inputs.sha }}', '      - run: npx cdk deploy --all'), {},
      "job 'deploy' checks out ref ${{ inputs.sha }} before this step, which may be a commit from before the generated files were committed, so .github/actions/wf-fix-retry/retry.sh may not be there: the retry function is written into the script"],
    ['a later checkout of another repository into the workspace', workflow(...checkout, '      - uses: actions/checkout@v4', '        with:', '          repository: org/infra', '      - run: npx cdk deploy --all'), {},
      "job 'deploy' checks out another repository (org/infra) into the workspace before this step, so .github/actions/wf-fix-retry/retry.sh may not be there: the retry function is written into the script"],
    ['a sparse checkout without .github', workflow('      - uses: actions/checkout@v4', '        with:', '          sparse-checkout: |', '            infra', '            bin', '      - run: npx cdk deploy --all'), {},
      "job 'deploy' checks out only some paths (sparse-checkout) before this step, not .github, so .github/actions/wf-fix-retry/retry.sh may not be there: the retry function is written into the script"],
    ['a reusable workflow', checkedOut('      - run: npx cdk deploy --all').replace('on: push', 'on: workflow_call'), {},
      "this is a reusable workflow (on: workflow_call): $GITHUB_WORKSPACE holds the caller's checkout, which may be another repository, so the retry function is written into the script"],
    ['inlineScripts: true', checkedOut('      - run: npx cdk deploy --all'), { inlineScripts: true },
      'the config sets inlineScripts: true, so the retry function is written into the script instead of calling .github/actions/wf-fix-retry/retry.sh'],
    ['a Windows runner (shell: bash)', checkedOut('      - shell: bash', '        run: npx cdk deploy --all').replace('ubuntu-latest', 'windows-latest'), {},
      "job 'deploy' may run on Windows, where $GITHUB_WORKSPACE is a Windows path and calling .github/actions/wf-fix-retry/retry.sh through it is not tested: the retry function is written into the script"],
    ['a deploy command that is a shell function of the script', checkedOut('      - run: |', '          cdk() { npx aws-cdk@2 "$@"; }', '          cdk deploy --all'), {},
      '`cdk deploy` calls a shell function of the script, which another bash process cannot run: the retry function is written into the script'],
    ['a script that already defines wf_fix_retry', checkedOut('      - run: |', ...fn(30).map((l) => '          ' + l), '          wf_fix_retry npx cdk deploy A', '          npx cdk deploy B'), {},
      'the script already defines wf_fix_retry, so its new deploy calls use it too'],
  ] as const)('%s: the inline function, and a note saying why', (_what, input, config, note) => {
    const out = fixText(input, ID, config as Partial<Config>);
    expect(out.status).toBe('changed');
    expect(out.output).toContain('wf_fix_retry ');
    expect(out.output).not.toContain('retry.sh');
    expect(out.repositoryFiles).toBeUndefined();
    expect(out.findings.map((f) => f.notes)).toEqual([[note]]);
    expect(fixed(out.output, ID, config as Partial<Config>)).toBe(out.output);
  });

  test.each([
    ['ref: ${{ github.sha }}'], ['ref: ${{ github.event.pull_request.head.sha }}'], ['ref: main'], ['sparse-checkout: |\n            .github\n            infra'],
    ['repository: ${{ github.repository }}'], ['path: .'],
  ])('a checkout with %s still reaches retry.sh', (withLine) => {
    const input = workflow('      - uses: actions/checkout@v4', '        with:', ...withLine.split('\n').map((l, i) => (i ? l : `          ${l}`)), '      - run: npx cdk deploy --all');
    expect(fixText(input, ID).repositoryFiles).toEqual(['retry']);
  });

  test('the composite-action fallback: steps of an action.yml get the inline function', () => {
    const action = lines('name: deploy', 'runs:', '  using: composite', '  steps:', '    - shell: bash', '      run: npx cdk deploy --all');
    const out = fixText(action, ID);
    expect(out.output).toContain('wf_fix_retry npx cdk deploy --all');
    expect(out.findings[0]!.notes).toEqual(["this file is a composite action: $GITHUB_WORKSPACE is the calling workflow's checkout, which may not hold .github/actions/wf-fix-retry/retry.sh, so the retry function is written into the script"]);
  });
});

describe('deploy-retry: retry.sh, run with bash', () => {
  const file = render('retry', '1.2.3');
  const input = lines('on: push', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    steps:', '      - uses: actions/checkout@v4',
    '      - name: Deploy', '        run: |', '          set -euo pipefail', '          npx cdk deploy "My Stack" \'*\' \'$(touch pwned)\' \\', '            --require-approval never',
    '          echo "deployed"');
  const config: Partial<Config> = { retry: { attempts: 3, delaySeconds: 2, productionDelaySeconds: 2, backoff: 'exponential' } };
  const script = stepScript(fixed(input, ID, config), 'deploy', 'Deploy').run;

  /** A workspace holding retry.sh, a cdk that fails `failures` times with exit 7, and a sleep that records its argument. */
  function setup(failures: number): { dir: string; env: Record<string, string> } {
    const dir = tempDir('wf-fix-retry-sh-');
    const ws = join(dir, 'ws');
    mkdirSync(join(ws, '.github/actions/wf-fix-retry'), { recursive: true });
    writeFileSync(join(ws, '.github/actions/wf-fix-retry/retry.sh'), file);
    fakeTool(dir, 'npx', 'exec "$@"');
    fakeTool(dir, 'sleep', `echo "$1" >> "${dir}/sleeps"`);
    fakeTool(dir, 'cdk', [
      `n=$(( $(cat "${dir}/count" 2>/dev/null || echo 0) + 1 ))`,
      `echo "$n" > "${dir}/count"`,
      `printf '[%s]' "$@" >> "${dir}/args"; echo >> "${dir}/args"`,
      `[ "$n" -gt ${failures} ] || exit 7`,
    ].join('\n'));
    return { dir, env: { GITHUB_WORKSPACE: ws } };
  }
  const read = (dir: string, name: string) => (existsSync(join(dir, name)) ? readFileSync(join(dir, name), 'utf8') : '');

  test('the workflow line calls it: fails twice then succeeds, 3 attempts, words kept (never re-evaluated), delays 2 then 4', () => {
    const { dir, env } = setup(2);
    const r = runBash(dir, script, env);
    expect(r).toEqual({ status: 0, stdout: 'deployed\n', stderr: expect.stringContaining('wf-fix retry: attempt 2 of 3 (npx) failed with exit 7; next attempt in 4s') });
    expect(read(dir, 'args')).toBe('[deploy][My Stack][*][$(touch pwned)][--require-approval][never]\n'.repeat(3));
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
    expect(read(dir, 'sleeps')).toBe('2\n4\n');
  });

  test('always fails: 3 attempts, then exit 7, and the script stops (set -e)', () => {
    const { dir, env } = setup(99);
    const r = runBash(dir, script, env);
    expect(r.status).toBe(7);
    expect(r.stdout).toBe('');
    expect(read(dir, 'count').trim()).toBe('3');
    expect(r.stderr).toContain('wf-fix retry: npx failed 3 times; last exit status 7');
  });

  test('fixed backoff keeps the delay; one attempt when the first succeeds', () => {
    const { dir, env } = setup(99);
    const path = join(env.GITHUB_WORKSPACE!, '.github/actions/wf-fix-retry/retry.sh');
    const r = spawnSync('bash', [path, '--attempts', '4', '--delay', '08', '--backoff', 'fixed', '--', 'cdk', 'deploy'], { env: { PATH: `${dir}/bin:${process.env.PATH}` }, encoding: 'utf8' });
    expect(r.status).toBe(7);
    expect(read(dir, 'sleeps')).toBe('8\n8\n8\n');
    const ok = setup(0);
    expect(runBash(ok.dir, script, ok.env).status).toBe(0);
    expect(read(ok.dir, 'count').trim()).toBe('1');
    expect(read(ok.dir, 'sleeps')).toBe('');
  });

  test.each([
    ['a command that is not found (127) is not retried', ['--delay', '0', '--', 'no-such-command-wf-fix'], 127, 'no-such-command-wf-fix cannot run (exit 127): not retried'],
    ['SIGTERM (143) is not retried', ['--', 'bash', '-c', 'kill -TERM $$'], 143, 'bash was interrupted (exit 143): not retried'],
    ['an unknown option: exit 2, nothing runs', ['--tries', '3', '--', 'touch', 'ran'], 2, "wf-fix retry: unknown option '--tries' (the command goes after --)"],
    ['attempts not a number: exit 2', ['--attempts', '3x', '--', 'touch', 'ran'], 2, "--attempts takes a whole number, not '3x'"],
    ['attempts 0: exit 2', ['--attempts', '0', '--', 'touch', 'ran'], 2, '--attempts must be at least 1'],
    ['an unknown backoff: exit 2', ['--backoff', 'linear', '--', 'touch', 'ran'], 2, "--backoff takes exponential or fixed, not 'linear'"],
    ['no command: exit 2', ['--attempts', '2'], 2, 'no command after --'],
    ['a missing option value: exit 2', ['--delay'], 2, '--delay needs a value'],
  ])('%s', (_what, args, status, message) => {
    const { dir, env } = setup(0);
    const r = spawnSync('bash', [join(env.GITHUB_WORKSPACE!, '.github/actions/wf-fix-retry/retry.sh'), ...args], { cwd: dir, env: { PATH: `${dir}/bin:${process.env.PATH}` }, encoding: 'utf8' });
    expect(r.status).toBe(status);
    expect(r.stderr).toContain(message);
    expect(existsSync(join(dir, 'ran'))).toBe(false);
    expect(read(dir, 'sleeps')).toBe('');
  });

  test('the file passes bash -n and shellcheck -S style as written (header included); the step script passes shellcheck', () => {
    const dir = tempDir('wf-fix-retry-lint-');
    writeFileSync(join(dir, 'retry.sh'), file);
    const sc = spawnSync('shellcheck', ['-S', 'style', join(dir, 'retry.sh')], { encoding: 'utf8' });
    expect({ status: sc.status, out: sc.stdout }).toEqual({ status: 0, out: '' });
    expect(spawnSync('bash', ['-n', join(dir, 'retry.sh')]).status).toBe(0);
    expect(lintBash(script)).toBe('');
    expect(file.split('\n')[0]).toMatch(/^# Generated by wf-fix 1\.2\.3\. sha256 of the body below: [0-9a-f]{64}\./);
  });
});

describe('deploy-retry: retry.sh as a repository file (CLI)', () => {
  const WF = '.github/workflows/deploy.yml';
  const RETRY = '.github/actions/wf-fix-retry/retry.sh';
  const input = lines('on: push', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    steps:', '      - uses: actions/checkout@v4',
    '      - run: npx cdk deploy --all');
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

  test('--write adds the file (mode 100644 in the patch, git apply takes it); a second run changes nothing', () => {
    const dir = makeRepo(tempDir(), 'app', { [WF]: input }, { git: true });
    const dry = runCli(['--only', 'deploy-retry', '.'], dir);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain(`diff --git a/${RETRY} b/${RETRY}\nnew file mode 100644\n`);
    expect(spawnSync('git', ['apply', '--check', '-'], { cwd: dir, input: dry.stdout }).status).toBe(0);
    expect(runCli(['--only', 'deploy-retry', '--write', '.'], dir).status).toBe(0);
    expect(readFileSync(join(dir, RETRY), 'utf8')).toBe(render('retry', version));
    expect(readFileSync(join(dir, WF), 'utf8')).toContain(`      - run: bash "$GITHUB_WORKSPACE"/${RETRY} --attempts 3 --delay 30 -- npx cdk deploy --all\n`);
    const again = runCli(['--check', '.'], dir);
    expect(again.stderr).toContain('0 would change');
  });

  test('an older copy is updated, an edited copy is left alone and reported, with --only selecting the owner', () => {
    const fixedText = fixed(input, ID);
    const older = render('retry', '0.0.1');
    const dir = makeRepo(tempDir(), 'app', { [WF]: fixedText, [RETRY]: older });
    const r = runCli(['--only', 'deploy-retry', '--write', '.'], dir);
    expect(r.stderr).toContain(`updates ${RETRY} from wf-fix 0.0.1 to ${version}`);
    expect(readFileSync(join(dir, RETRY), 'utf8')).toBe(render('retry', version));
    const edited = render('retry', '0.0.1').replace('attempts=3', 'attempts=5');
    writeFileSync(join(dir, RETRY), edited);
    const e = runCli(['--only', 'deploy-retry', '--write', '.'], dir);
    expect(e.stderr).toContain(`${RETRY} was edited by someone after wf-fix 0.0.1 generated it`);
    expect(readFileSync(join(dir, RETRY), 'utf8')).toBe(edited);
    // Another transform alone does not touch retry.sh.
    writeFileSync(join(dir, RETRY), older);
    runCli(['--only', 'strict-shell', '--write', '.'], dir);
    expect(readFileSync(join(dir, RETRY), 'utf8')).toBe(older);
  });

  test('requestedRepositoryFiles: a run: script naming retry.sh keeps it current; a comment or an env value does not', () => {
    const owner = TRANSFORMS.filter((t) => t.meta.id === 'deploy-retry');
    const ask = (output: string, selected = owner) => requestedRepositoryFiles({ status: 'unchanged', output }, selected);
    const fixedText = fixed(input, ID);
    expect(ask(fixedText)).toEqual(['retry']);
    expect(ask(fixedText, TRANSFORMS.filter((t) => t.meta.id === 'strict-shell'))).toBeUndefined();
    expect(ask(input + `# bash ${RETRY}\n`)).toBeUndefined();
    expect(ask(input.replace('      - run: npx cdk deploy --all', `      - env:\n          X: ${RETRY}\n        run: npx cdk deploy --all`))).toBeUndefined();
  });
});

describe('deploy-retry: recognising its retry.sh calls', () => {
  test('withoutRetryFileCalls takes out every call retryFileCall writes, and nothing else', () => {
    const exp = retryFileCall({ attempts: 3, delaySeconds: 30, backoff: 'exponential' });
    const fixed = retryFileCall({ attempts: 5, delaySeconds: 60, backoff: 'fixed' });
    const before = 'npm ci\nnpx cdk deploy --all\ncd infra && sam deploy\n';
    const after = `npm ci\n${exp}npx cdk deploy --all\ncd infra && ${fixed}sam deploy\n`;
    expect(withoutRetryFileCalls(after)).toBe(before);
    expect(withoutRetryFileCalls(before)).toBe(before);
    expect(withoutRetryFileCalls('bash retry.sh --attempts 3 --delay 30 -- x')).toBe('bash retry.sh --attempts 3 --delay 30 -- x');
  });
});
