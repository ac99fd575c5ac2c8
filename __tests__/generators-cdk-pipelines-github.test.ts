import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FROM_OPENID_CONNECT_SINCE, installedVersion, transform, versionBefore } from '../transforms/generators/cdk-pipelines-github.js';
import { lines, tempDir } from './helpers.js';
import { runSource, srcFixed } from './generators-helpers.js';

const fixed = (text: string, path?: string, config = {}) => srcFixed(transform, text, path, config);

const SYNTH = [
  '  synth: new ShellStep(\'Build\', {',
  '    commands: [\'yarn install\', \'npx cdk synth\'], // build',
  '  }),',
];

describe('cdk-pipelines-github-oidc: GitHubWorkflow credentials', () => {
  test('implicit default (no awsCreds) gets fromOpenIdConnect and the import is extended', () => {
    const input = lines(
      "import { ShellStep } from 'aws-cdk-lib/pipelines';",
      "import { GitHubWorkflow, DockerCredential } from 'cdk-pipelines-github';",
      '',
      "const pipeline = new GitHubWorkflow(app, 'Pipeline', {",
      ...SYNTH,
      "  publishAssetsAuthRegion: 'us-east-1',",
      '});',
    );
    expect(fixed(input)).toBe(lines(
      "import { ShellStep } from 'aws-cdk-lib/pipelines';",
      "import { GitHubWorkflow, DockerCredential, AwsCredentials } from 'cdk-pipelines-github';",
      '',
      "const pipeline = new GitHubWorkflow(app, 'Pipeline', {",
      ...SYNTH,
      "  publishAssetsAuthRegion: 'us-east-1',",
      "  awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: '${{ vars.AWS_ROLE_ARN }}' }),",
      '});',
    ));
    const out = runSource(transform, input);
    expect(out.findings.map((f) => [f.ruleId, f.line, f.fixed])).toEqual([['cdk-pipelines-github-oidc', 4, true]]);
    expect(out.findings[0]!.notes.join('\n')).toMatch(/AWS_ROLE_ARN[\s\S]*delete the secrets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY/);
  });

  test('the deprecated gitHubActionRoleArn prop becomes the same call with its own value (template literal kept)', () => {
    const input = lines(
      "import { GitHubWorkflow } from 'cdk-pipelines-github'",
      "const pipeline = new GitHubWorkflow(app, 'Pipeline', {",
      "  synth: new ShellStep('Build', { commands: ['npx cdk synth'] }),",
      '  gitHubActionRoleArn: `arn:aws:iam::${primaryEnv.account}:role/GitHubActionRole`',
      '})',
    );
    expect(fixed(input)).toBe(lines(
      "import { GitHubWorkflow, AwsCredentials } from 'cdk-pipelines-github'",
      "const pipeline = new GitHubWorkflow(app, 'Pipeline', {",
      "  synth: new ShellStep('Build', { commands: ['npx cdk synth'] }),",
      '  awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: `arn:aws:iam::${primaryEnv.account}:role/GitHubActionRole` })',
      '})',
    ));
  });

  test('the deprecated awsCredentials prop is replaced; the config role wins; double quotes kept', () => {
    const input = lines(
      'import { AwsCredentials, GitHubWorkflow } from "cdk-pipelines-github";',
      'new GitHubWorkflow(app, "Pipeline", {',
      '  synth,',
      '  awsCredentials: {',
      '    accessKeyId: "MY_ID",',
      '    secretAccessKey: "MY_SECRET",',
      '  },',
      '  // keep this comment',
      '  workflowName: "deploy",',
      '});',
    );
    const role = 'arn:aws:iam::111111111111:role/gha';
    expect(fixed(input, 'x.ts', { roles: { default: role, environments: {} } })).toBe(lines(
      'import { AwsCredentials, GitHubWorkflow } from "cdk-pipelines-github";',
      'new GitHubWorkflow(app, "Pipeline", {',
      '  synth,',
      `  awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: "${role}" }),`,
      '  // keep this comment',
      '  workflowName: "deploy",',
      '});',
    ));
    const out = runSource(transform, input, 'x.ts', { roles: { default: role, environments: {} } });
    expect(out.findings[0]!.notes).toContain('once the workflow is regenerated, delete the secrets MY_ID, MY_SECRET if nothing else uses them');
  });
});

describe('cdk-pipelines-github-oidc: fromGitHubSecrets in stages, steps, import styles', () => {
  test('GitHubStage and addStageWithGitHubOptions reuse the workflow\'s OIDC role; runnerHasPreconfiguredCreds untouched', () => {
    const input = lines(
      "import { AwsCredentials, GitHubStage, GitHubWorkflow } from 'cdk-pipelines-github';",
      "const pipeline = new GitHubWorkflow(app, 'Pipeline', {",
      '  synth,',
      "  awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: 'arn:aws:iam::123456789012:role/gha' }),",
      '});',
      "const b = new GitHubStage(app, 'B', { env, awsCreds: AwsCredentials.fromGitHubSecrets({ accessKeyId: 'abcd', secretAccessKey: '1234' }) });",
      'pipeline.addStageWithGitHubOptions(c, {',
      '  awsCreds: AwsCredentials.fromGitHubSecrets(),',
      '});',
      "const d = new GitHubStage(app, 'D', { awsCreds: AwsCredentials.runnerHasPreconfiguredCreds() });",
    );
    expect(fixed(input)).toBe(lines(
      "import { AwsCredentials, GitHubStage, GitHubWorkflow } from 'cdk-pipelines-github';",
      "const pipeline = new GitHubWorkflow(app, 'Pipeline', {",
      '  synth,',
      "  awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: 'arn:aws:iam::123456789012:role/gha' }),",
      '});',
      "const b = new GitHubStage(app, 'B', { env, awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: 'arn:aws:iam::123456789012:role/gha' }) });",
      'pipeline.addStageWithGitHubOptions(c, {',
      "  awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: 'arn:aws:iam::123456789012:role/gha' }),",
      '});',
      "const d = new GitHubStage(app, 'D', { awsCreds: AwsCredentials.runnerHasPreconfiguredCreds() });",
    ));
    const msgs = runSource(transform, input).findings.map((f) => f.message);
    expect(msgs).toEqual([
      "GitHubStage 'B' authenticates with AwsCredentials.fromGitHubSecrets() (long-lived keys); use OIDC",
      'addStageWithGitHubOptions authenticates with AwsCredentials.fromGitHubSecrets() (long-lived keys); use OIDC',
    ]);
  });

  test('a raw configure-aws-credentials step in preBuildSteps gets role-to-assume and v4', () => {
    const input = lines(
      "import { GitHubWorkflow, AwsCredentials } from 'cdk-pipelines-github';",
      "new GitHubWorkflow(app, 'Pipeline', {",
      '  synth,',
      "  awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: 'arn:aws:iam::123456789012:role/gha' }),",
      '  preBuildSteps: [',
      '    {',
      "      uses: 'aws-actions/configure-aws-credentials@v1',",
      '      with: {',
      "        'aws-region': 'us-east-1',",
      "        'aws-access-key-id': '${{ secrets.AWS_ACCESS_KEY_ID }}',",
      "        'aws-secret-access-key': '${{ secrets.AWS_SECRET_ACCESS_KEY }}',",
      '      },',
      '    },',
      '  ],',
      '});',
    );
    expect(fixed(input)).toBe(lines(
      "import { GitHubWorkflow, AwsCredentials } from 'cdk-pipelines-github';",
      "new GitHubWorkflow(app, 'Pipeline', {",
      '  synth,',
      "  awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: 'arn:aws:iam::123456789012:role/gha' }),",
      '  preBuildSteps: [',
      '    {',
      "      uses: 'aws-actions/configure-aws-credentials@v4',",
      '      with: {',
      "        'aws-region': 'us-east-1',",
      "        'role-to-assume': 'arn:aws:iam::123456789012:role/gha',",
      '      },',
      '    },',
      '  ],',
      '});',
    ));
  });

  test('namespace import: cpg.AwsCredentials, no new import', () => {
    const input = lines(
      "import * as cpg from 'cdk-pipelines-github';",
      "new cpg.GitHubWorkflow(app, 'P', { synth });",
    );
    expect(fixed(input)).toBe(lines(
      "import * as cpg from 'cdk-pipelines-github';",
      "new cpg.GitHubWorkflow(app, 'P', { synth, awsCreds: cpg.AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: '${{ vars.AWS_ROLE_ARN }}' }) });",
    ));
  });

  test('CommonJS .js: the destructuring require is extended', () => {
    const input = lines(
      "const { GitHubWorkflow } = require('cdk-pipelines-github');",
      "new GitHubWorkflow(app, 'P', {",
      '  synth,',
      '});',
    );
    expect(fixed(input, 'bin/app.js')).toBe(lines(
      "const { GitHubWorkflow, AwsCredentials } = require('cdk-pipelines-github');",
      "new GitHubWorkflow(app, 'P', {",
      '  synth,',
      "  awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: '${{ vars.AWS_ROLE_ARN }}' }),",
      '});',
    ));
  });

  test('a multi-line import list gets the specifier on its own line', () => {
    const input = lines(
      'import {',
      '  GitHubWorkflow,',
      '  DockerCredential,',
      "} from 'cdk-pipelines-github';",
      "new GitHubWorkflow(app, 'P', { synth });",
    );
    expect(fixed(input)).toBe(lines(
      'import {',
      '  GitHubWorkflow,',
      '  DockerCredential,',
      '  AwsCredentials,',
      "} from 'cdk-pipelines-github';",
      "new GitHubWorkflow(app, 'P', { synth, awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: '${{ vars.AWS_ROLE_ARN }}' }) });",
    ));
  });
});

describe('cdk-pipelines-github-oidc: negatives stay byte-identical', () => {
  const cases: Record<string, string> = {
    'already OIDC': lines(
      "import { AwsCredentials, GitHubWorkflow } from 'cdk-pipelines-github';",
      "new GitHubWorkflow(app, 'P', { synth, awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: role }) });",
    ),
    runnerHasPreconfiguredCreds: lines(
      "import { AwsCredentials, GitHubWorkflow } from 'cdk-pipelines-github';",
      "new GitHubWorkflow(app, 'P', { synth, awsCreds: AwsCredentials.runnerHasPreconfiguredCreds() });",
    ),
    'unrelated code': lines(
      "import { App } from 'aws-cdk-lib';",
      "class GitHubWorkflow { constructor(_a: unknown, _b: string, _c: object) {} }",
      "new GitHubWorkflow(new App(), 'P', { synth: 1 });",
    ),
    'the library\'s own sources (not imported from the package)': lines(
      "import { AwsCredentials, GitHubWorkflow } from '../src';",
      "new GitHubWorkflow(app, 'P', { synth, awsCreds: AwsCredentials.fromGitHubSecrets() });",
    ),
  };
  test.each(Object.entries(cases))('%s', (_name, input) => {
    const out = runSource(transform, input);
    expect(out.status).toBe('unchanged');
    expect(out.output).toBe(input);
    expect(out.findings).toEqual([]);
  });
});

describe('cdk-pipelines-github-oidc: library version', () => {
  test('versionBefore compares x.y.z and range floors', () => {
    expect(versionBefore('0.2.9', '0.3.0')).toBe(true);
    expect(versionBefore('^0.2.0', '0.3.0')).toBe(true);
    expect(versionBefore('0.4.1', '0.3.0')).toBe(false);
    expect(versionBefore('latest', '0.3.0')).toBe(false);
  });

  test('a project pinning an older release is told which version to upgrade to (lock file first)', () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.git'));
    mkdirSync(join(dir, 'bin'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ dependencies: { 'cdk-pipelines-github': '^0.2.0' } }));
    writeFileSync(join(dir, 'package-lock.json'), JSON.stringify({ packages: { 'node_modules/cdk-pipelines-github': { version: '0.2.31' } } }));
    const file = join(dir, 'bin/app.ts');
    expect(installedVersion(file)).toEqual({ version: '0.2.31', from: 'package-lock.json' });
    const out = runSource(transform, lines("import { GitHubWorkflow } from 'cdk-pipelines-github';", "new GitHubWorkflow(app, 'P', { synth });"), file);
    expect(out.findings[0]!.notes).toContain(
      `package-lock.json has cdk-pipelines-github 0.2.31, which predates AwsCredentials.fromOpenIdConnect: upgrade to ${FROM_OPENID_CONNECT_SINCE} or later`,
    );
  });
});
