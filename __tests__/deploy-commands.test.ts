import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../src/config.js';
import { packageScriptsReader } from '../src/packages.js';
import type { PackageScriptsLookup } from '../src/transform.js';
import { processText } from '../src/workflow/engine.js';
import { TRANSFORMS } from '../transforms/index.js';
import { deployIn, type DeployScope } from '../transforms/shared/deploy.js';
import { retryFunction } from '../transforms/shell/retry.js';
import { rollbackScript } from '../transforms/shell/rollback.js';
import { fixed, fixText, lines, runCli, tempDir } from './helpers.js';
import { jobSteps, lintBash, stepScript } from './run-scripts.js';

const RETRY = ['deploy-retry'];
const fn = (delay: number) => retryFunction({ attempts: 3, delaySeconds: delay, backoff: 'exponential' });

function workflow(job: string, ...steps: string[]): string {
  return lines('on: push', 'jobs:', `  ${job}:`, '    runs-on: ubuntu-latest', '    steps:', ...steps);
}

/** Split on blanks: enough for the literal commands of these tables. */
const words = (cmd: string): string[] => cmd.split(/\s+/).filter(Boolean);

const noScripts: DeployScope = { dir: '.' };

describe('deploy recognition: wrappers and deployers', () => {
  test.each([
    ['cdk deploy --all', 'cdk'],
    ['npx cdk deploy', 'cdk'],
    ['npx aws-cdk deploy --all', 'cdk'],
    ['npx aws-cdk@2.x deploy', 'cdk'],
    ['npx -y -p aws-cdk cdk deploy', 'cdk'],
    ['./node_modules/.bin/cdk deploy', 'cdk'],
    ['npm run cdk deploy -- --require-approval never', 'cdk'],
    ['npm run cdk -- deploy --all', 'cdk'],
    ['npm run -- cdk deploy Stack', 'cdk'],
    ['npm exec -- cdk deploy', 'cdk'],
    ['uv run cdk deploy --all', 'cdk'],
    ['uv run --directory infra cdk deploy', 'cdk'],
    ['poetry run cdk deploy --all', 'cdk'],
    ['pipenv run cdk deploy', 'cdk'],
    ['yarn cdk deploy Stack', 'cdk'],
    ['yarn run cdk deploy', 'cdk'],
    ['pnpm cdk deploy', 'cdk'],
    ['pnpm exec cdk deploy', 'cdk'],
    ['pnpm --filter @app/infra cdk deploy', 'cdk'],
    ['pnpm --filter @app/infra run cdk deploy', 'cdk'],
    ['bunx cdk deploy', 'cdk'],
    ['timeout 30m npx cdk deploy', 'cdk'],
    ['sam deploy --no-confirm-changeset', 'sam'],
    ['serverless deploy --stage prod', 'serverless'],
    ['sls deploy', 'serverless'],
    ['npx serverless deploy', 'serverless'],
    ['cdktf deploy --auto-approve', 'cdktf'],
    ['npx cdktf-cli deploy', 'cdktf'],
    ['pulumi up --yes --stack prod', 'pulumi'],
    ['aws cloudformation deploy --stack-name S', 'cloudformation'],
    ['aws --region us-east-1 cloudformation create-stack --stack-name S', 'cloudformation'],
    ['aws cloudformation update-stack --stack-name S', 'cloudformation'],
  ])('%s -> %s', (cmd, deployer) => {
    expect(deployIn(words(cmd), noScripts)?.deployer).toBe(deployer);
  });

  test.each([
    'cdk synth', 'npx cdk diff', 'npm run build', 'npm run deploy', 'yarn deploy', 'pnpm run deploy:ci',
    'aws cloudformation describe-stacks --stack-name S', 'pulumi preview', 'sam build', 'echo cdk deploy',
    'npm install -g aws-cdk', 'uv sync', 'poetry install', 'cdk deploy-foo',
  ])('%s is not a deploy (no package.json known)', (cmd) => {
    expect(deployIn(words(cmd), noScripts)).toBeUndefined();
  });
});

describe('deploy recognition: package.json scripts', () => {
  const pkgs: Record<string, Record<string, string>> = {
    '.': { deploy: 'npm run cdk:deploy --', 'cdk:deploy': 'cdk deploy --all', build: 'tsc', loop: 'npm run loop', cdk: 'cdk' },
    infra: { release: 'npm run build && yarn ship', ship: 'sam deploy --stack-name Infra' },
  };
  const lookup: PackageScriptsLookup = (dir) => ({ file: `${dir}/package.json`, scripts: pkgs[dir] });
  const scope = (dir = '.'): DeployScope => ({ dir, scripts: lookup, ignored: [] });

  test.each([
    ['npm run deploy', '.', 'cdk', ['deploy', 'cdk:deploy']],
    ['npm run-script deploy -- --require-approval never', '.', 'cdk', ['deploy', 'cdk:deploy']],
    ['yarn deploy', '.', 'cdk', ['deploy', 'cdk:deploy']],
    ['pnpm run deploy', '.', 'cdk', ['deploy', 'cdk:deploy']],
    ['npm run cdk deploy', '.', 'cdk', ['cdk']],
    ['npm run cdk -- deploy', '.', 'cdk', ['cdk']],
    ['npm --prefix infra run release', '.', 'sam', ['release', 'ship']],
    ['npm run release', 'infra', 'sam', ['release', 'ship']],
    ['yarn --cwd infra release', '.', 'sam', ['release', 'ship']],
    ['pnpm -C infra release', '.', 'sam', ['release', 'ship']],
  ])('%s (in %s) -> %s via %j', (cmd, dir, deployer, via) => {
    const hit = deployIn(words(cmd), scope(dir));
    expect(hit && { deployer: hit.deployer, via: hit.via, insert: hit.insert, end: hit.end })
      .toEqual({ deployer, via, insert: 0, end: words(cmd).length });
  });

  test.each([
    ['npm run build'], ['npm run loop'], ['npm run missing'], ['npm run release'], ['npm --prefix ../elsewhere run release'],
  ])('%s is not a deploy', (cmd) => {
    expect(deployIn(words(cmd), scope())).toBeUndefined();
  });

  test('forwarded args reach the deployer', () => {
    expect(deployIn(words('npm run cdk deploy -- --stack-name X'), scope())?.args).toEqual(['--stack-name', 'X']);
  });
});

describe('deploy-retry: golden per wrapper and deployer', () => {
  test.each([
    'npm run cdk deploy -- --require-approval never',
    'npm run cdk -- deploy --all',
    'uv run cdk deploy --all',
    'poetry run cdk deploy --all',
    'yarn cdk deploy Stack',
    'pnpm cdk deploy --all',
    'pnpm --filter @app/infra cdk deploy',
    'npx aws-cdk@2.x deploy',
    'sam deploy --no-confirm-changeset',
    'serverless deploy --stage dev',
    'sls deploy',
    'cdktf deploy --auto-approve',
    'pulumi up --yes --stack dev',
    'aws cloudformation deploy --template-file t.yml --stack-name S',
    'aws cloudformation create-stack --stack-name S --template-body file://t.yml',
    'aws cloudformation update-stack --stack-name S --template-body file://t.yml',
  ])('%s is retried', (cmd) => {
    const input = workflow('deploy', '      - name: Deploy', `        run: ${cmd}`);
    const out = fixed(input, RETRY);
    expect(out).toBe(workflow('deploy', '      - name: Deploy', '        run: |', ...fn(30).map((l) => '          ' + l), `          wf_fix_retry ${cmd}`));
    expect(fixed(out, RETRY)).toBe(out);
    expect(lintBash(stepScript(out, 'deploy', 'Deploy').run)).toBe('');
  });

  test('a step working-directory picks the package.json; the note names the script chain', () => {
    const scripts: PackageScriptsLookup = (dir) => ({ file: `${dir}/package.json`, scripts: (dir === 'infra' ? { deploy: 'cdk deploy' } : {}) as Record<string, string> });
    const input = workflow('deploy', '      - name: Deploy', '        working-directory: infra', '        run: npm run deploy');
    const r = processText(input, { config: defaultConfig(), transforms: TRANSFORMS.filter((t) => t.meta.id === 'deploy-retry'), file: 'x.yml', packageScripts: scripts });
    expect(stepScript(r.output, 'deploy', 'Deploy').run.split('\n').at(-2)).toBe('wf_fix_retry npm run deploy');
    expect(r.findings.map((f) => f.notes)).toEqual([[
      "`npm run deploy` runs package.json script 'deploy', which runs cdk deploy",
      "job 'deploy' does not check out the repository (actions/checkout) before this step, so .github/actions/wf-fix-retry/retry.sh may not be there: the retry function is written into the script",
    ]]);
    // The job default working-directory counts too; the root package.json has no deploy script.
    const byDefault = lines('on: push', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    defaults:', '      run:', '        working-directory: infra',
      '    steps:', '      - run: npm run deploy');
    expect(processText(byDefault, { config: defaultConfig(), transforms: TRANSFORMS, file: 'x.yml', packageScripts: scripts }).output).toContain('wf_fix_retry npm run deploy');
    expect(processText(input.replace('working-directory: infra', 'working-directory: web'), { config: defaultConfig(), transforms: TRANSFORMS, file: 'x.yml', packageScripts: scripts }).output)
      .not.toContain('wf_fix_retry');
  });

  test('xargs-fed deploys are reported, not wrapped', () => {
    const r = fixText(workflow('deploy', '      - run: cdk list | xargs npx cdk deploy'), RETRY);
    expect(r.status).toBe('unchanged');
    expect(r.findings.map((f) => [f.fixable, f.message])).toEqual([[false,
      "step '0' runs `xargs npx cdk deploy` without retries; not wrapped: xargs reads its arguments from stdin once; a retry would run without them"]]);
  });
});

describe('prod-rollback: per deployer', () => {
  const prod = (...run: string[]): string => workflow('deploy-prod', '      - name: Deploy', '        run: |', ...run.map((r) => `          ${r}`));
  const rollbacks = (out: string) => jobSteps(out, 'deploy-prod').filter((s) => /outcome == 'cancelled'/.test(s.if ?? ''));

  test.each([
    ['npm run cdk deploy -- --all', { CDK_ASSEMBLY: 'cdk.out' }],
    ['uv run cdk deploy --all', { CDK_ASSEMBLY: 'cdk.out' }],
    ['sam deploy --stack-name Api', { ROLLBACK_STACKS: 'Api' }],
    ['aws cloudformation deploy --template-file t.yml --stack-name Web', { ROLLBACK_STACKS: 'Web' }],
    ['aws cloudformation update-stack --stack-name "${{ vars.STACK }}"', { ROLLBACK_STACKS: '${{ vars.STACK }}' }],
  ])('%s gets a rollback step with env %j', (cmd, env) => {
    const out = fixed(prod(cmd), ['prod-rollback']);
    const [rb] = rollbacks(out);
    expect(rb?.env).toEqual(env);
    expect(rb?.run).toBe(rollbackScript({ assembly: 'CDK_ASSEMBLY' in env, named: 'ROLLBACK_STACKS' in env }));
    expect(lintBash(rb!.run!)).toBe('');
    expect(fixed(out, ['prod-rollback'])).toBe(out);
  });

  test('a stack name from job env is passed as an expression', () => {
    const input = lines('on: push', 'jobs:', '  deploy-prod:', '    runs-on: ubuntu-latest', '    env:', '      STACK: Api', '    steps:',
      '      - name: Deploy', '        run: sam deploy --stack-name "$STACK"');
    expect(rollbacks(fixed(input, ['prod-rollback']))[0]?.env).toEqual({ ROLLBACK_STACKS: '${{ env.STACK }}' });
  });

  test.each([
    ['pulumi up --yes --stack prod', 'pulumi up in step \'Deploy\': CloudFormation rollback not applicable (Pulumi keeps its own state, not CloudFormation stacks)'],
    ['cdktf deploy --auto-approve', 'cdktf deploy in step \'Deploy\': CloudFormation rollback not applicable (cdktf deploys through Terraform, not CloudFormation stacks)'],
    ['serverless deploy --stage prod', "serverless deploy in step 'Deploy': no rollback, serverless deploy names its stack from serverless.yml (service-stage), which wf-fix does not read"],
    ['sam deploy --config-env prod', "sam deploy in step 'Deploy': no rollback, sam deploy has no --stack-name (it comes from samconfig.toml)"],
    ['sam deploy --stack-name "$(cat name)"', "sam deploy in step 'Deploy': no rollback, its --stack-name \"$(cat name)\" is computed in the script, not a literal, an expression or an env: variable"],
  ])('%s: report-only, with the reason', (cmd, note) => {
    const r = fixText(prod(cmd), ['prod-rollback']);
    expect(r.status).toBe('unchanged');
    expect(r.findings.map((f) => [f.fixable, f.message, f.notes])).toEqual([[false, "production job 'deploy-prod' deploys without a rollback step; wf-fix cannot add one", [note]]]);
  });

  test('stack-discovery follows a wrapped CDK deploy, not a SAM one', () => {
    const job = (cmd: string) => prod(cmd, 'aws cloudformation describe-stacks --stack-name App');
    expect(fixText(job('poetry run cdk deploy --all'), ['stack-discovery']).findings).toHaveLength(1);
    expect(fixText(job('sam deploy --stack-name App'), ['stack-discovery']).findings).toEqual([]);
  });
});

describe('package.json through the CLI', () => {
  function repo(pkg: string, run = 'npm run deploy'): string {
    const dir = tempDir('wf-fix-deploy-');
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(join(dir, 'package.json'), pkg);
    writeFileSync(join(dir, '.github/workflows/deploy.yml'), workflow('deploy-prod', '      - name: Deploy', `        run: ${run}`));
    return dir;
  }
  const wf = (dir: string) => readFileSync(join(dir, '.github/workflows/deploy.yml'), 'utf8');

  test('npm run deploy -> deploy:all -> cdk deploy: retried and rolled back', () => {
    const dir = repo(JSON.stringify({ scripts: { deploy: 'npm run deploy:all', 'deploy:all': 'cdk deploy --all' } }));
    const r = runCli(['--write', '--only', 'deploy-retry,prod-rollback', '.'], dir);
    expect(r.status).toBe(0);
    const out = wf(dir);
    expect(stepScript(out, 'deploy-prod', 'Deploy').run).toBe([...fn(60), 'wf_fix_retry npm run deploy', ''].join('\n'));
    expect(jobSteps(out, 'deploy-prod').map((s) => s.name)).toEqual(['Deploy', 'Roll back failed production deploy']);
  });

  test('hostile script bodies are read, never run', () => {
    const dir = repo(JSON.stringify({ scripts: { deploy: 'touch pwned-1; $(touch pwned-2) `touch pwned-3` && cdk deploy', predeploy: 'touch pwned-4' } }));
    const r = runCli(['--write', '--format', 'json', '.'], dir);
    expect(r.status).toBe(0);
    expect(wf(dir)).toContain('wf_fix_retry npm run deploy');
    for (const m of ['pwned-1', 'pwned-2', 'pwned-3', 'pwned-4']) expect(existsSync(join(dir, m))).toBe(false);
    for (const m of ['pwned-1', 'pwned-2', 'pwned-3', 'pwned-4']) expect(existsSync(join(dir, '.github/workflows', m))).toBe(false);
  });

  test('a malformed package.json is ignored with a note; nothing is changed', () => {
    const dir = repo('{"scripts": {"deploy": "cdk deploy",}');
    const r = runCli(['--format', 'json', '--only', 'deploy-retry', '.'], dir);
    expect(r.status).toBe(0);
    const report = JSON.parse(r.stdout) as { files: { findings: { message: string; fixable: boolean }[] }[] };
    expect(report.files[0]!.findings.map((f) => [f.fixable, f.message.replace(/\(not valid JSON.*\)/, '(not valid JSON)')])).toEqual([[false,
      "step 'Deploy' runs a package.json script; package.json was ignored (not valid JSON), so its scripts are not known to deploy"]]);
  });

  test('huge or non-object package.json files are ignored with the reason', () => {
    const big = repo(JSON.stringify({ scripts: { deploy: 'cdk deploy' }, pad: 'x'.repeat(1024 * 1024) }));
    expect(packageScriptsReader(big)('.')).toEqual({ file: 'package.json', problem: 'larger than 1048576 bytes, not read' });
    const odd = repo('{"scripts": ["cdk deploy"]}');
    expect(packageScriptsReader(odd)('.')).toEqual({ file: 'package.json', problem: '"scripts" is not an object' });
    expect(packageScriptsReader(odd)('../x')).toEqual({ file: '../x', problem: 'the directory is outside the repository or not a literal path' });
  });
});
