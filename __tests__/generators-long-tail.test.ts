/**
 * Generator sources, the long tail: projen step-list options
 * (workflowBootstrapSteps, buildWorkflowOptions.preBuildSteps, postBuildSteps,
 * releaseWorkflowSetupSteps, prePublishSteps), tab-indented / 4-space / CRLF
 * files, key usages in other generators reported with file and line, and
 * hostile `.projenrc` files that are parsed, never run.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { transform as cdk } from '../transforms/generators/cdk-pipelines-github.js';
import { transform as projen } from '../transforms/generators/projen.js';
import { indentUnit } from '../transforms/generators/shared.js';
import { lines, runCli, tempDir } from './helpers.js';
import { runSource, srcFixed } from './generators-helpers.js';

const SECRET_KEYS = (ind: string, q = "'") => [
  `${ind}${q}aws-access-key-id${q}: ${q}\${{ secrets.AWS_ACCESS_KEY_ID }}${q},`,
  `${ind}${q}aws-secret-access-key${q}: ${q}\${{ secrets.AWS_SECRET_ACCESS_KEY }}${q},`,
];
const ROLE_NOTE = 'create the repository variable AWS_ROLE_ARN (Settings > Secrets and variables > Actions > Variables) holding the ARN of an IAM role that trusts token.actions.githubusercontent.com, or pass --role-arn';
const SECRETS_NOTE = 'once the workflow is regenerated, delete the secrets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY if nothing else uses them';
const KEY_STEP = (name: string) => `step '${name}' authenticates with long-lived access keys; assume a role through OIDC instead`;

/** The findings as a table: where, what, fixed or why not. */
function table(out: ReturnType<typeof runSource>) {
  return out.findings.map((f) => ({ at: `${f.line}:${f.column}`, fixed: f.fixed, message: f.message, why: f.skippedBecause }));
}

describe('projen step-list options: fixed where the job is known', () => {
  test('buildWorkflowOptions.preBuildSteps in a 4-space .ts with a JSDoc header: the step and the build job permissions', () => {
    const input = lines(
      '/**',
      ' * Project definition.',
      ' */',
      "import { awscdk, github } from 'projen';",
      '',
      'const project = new awscdk.AwsCdkTypeScriptApp({',
      "    name: 'app',",
      '    buildWorkflowOptions: {',
      '        preBuildSteps: [',
      '            {',
      "                name: 'Configure AWS',",
      "                uses: 'aws-actions/configure-aws-credentials@v2',",
      '                with: {',
      ...SECRET_KEYS('                    '),
      "                    'aws-region': 'eu-west-1',",
      '                },',
      '            },',
      '        ],',
      '        permissions: {',
      '            contents: github.workflows.JobPermission.WRITE,',
      '        },',
      '    },',
      '});',
      'project.synth();',
    );
    expect(srcFixed(projen, input, '.projenrc.ts')).toBe(lines(
      '/**',
      ' * Project definition.',
      ' */',
      "import { awscdk, github } from 'projen';",
      '',
      'const project = new awscdk.AwsCdkTypeScriptApp({',
      "    name: 'app',",
      '    buildWorkflowOptions: {',
      '        preBuildSteps: [',
      '            {',
      "                name: 'Configure AWS',",
      "                uses: 'aws-actions/configure-aws-credentials@v4',",
      '                with: {',
      "                    'role-to-assume': '${{ vars.AWS_ROLE_ARN }}',",
      "                    'aws-region': 'eu-west-1',",
      '                },',
      '            },',
      '        ],',
      '        permissions: {',
      '            contents: github.workflows.JobPermission.WRITE,',
      '            idToken: github.workflows.JobPermission.WRITE,',
      '        },',
      '    },',
      '});',
      'project.synth();',
    ));
    const out = runSource(projen, input, '.projenrc.ts');
    expect(table(out)).toEqual([
      { at: '10:13', fixed: true, message: KEY_STEP('Configure AWS'), why: undefined },
      { at: '8:27', fixed: true, message: 'the build job (buildWorkflowOptions) assumes a role through OIDC but its permissions lack idToken: write / contents: read', why: undefined },
    ]);
    expect(out.findings[0]!.notes).toEqual([ROLE_NOTE, SECRETS_NOTE]);
  });

  test('tab-indented .js, preBuildSteps env keys: configure step inserted with tabs, permissions keep projen\'s contents: write', () => {
    const input = lines(
      'const { javascript } = require("projen");',
      '',
      'const project = new javascript.NodeProject({',
      '\tname: "app",',
      '\tbuildWorkflowOptions: {',
      '\t\tpreBuildSteps: [',
      '\t\t\t{',
      '\t\t\t\tname: "Build",',
      '\t\t\t\trun: "npx cdk synth",',
      '\t\t\t\tenv: {',
      '\t\t\t\t\tAWS_ACCESS_KEY_ID: "${{ secrets.AWS_ACCESS_KEY_ID }}",',
      '\t\t\t\t\tAWS_SECRET_ACCESS_KEY: "${{ secrets.AWS_SECRET_ACCESS_KEY }}",',
      '\t\t\t\t},',
      '\t\t\t},',
      '\t\t],',
      '\t},',
      '});',
      'project.synth();',
    );
    const expected = lines(
      'const { javascript } = require("projen");',
      '',
      'const project = new javascript.NodeProject({',
      '\tname: "app",',
      '\tbuildWorkflowOptions: {',
      '\t\tpreBuildSteps: [',
      '\t\t\t{',
      '\t\t\t\tname: "Configure AWS credentials (OIDC)",',
      '\t\t\t\tuses: "aws-actions/configure-aws-credentials@v4",',
      '\t\t\t\twith: {',
      '\t\t\t\t\t"role-to-assume": "${{ vars.AWS_ROLE_ARN }}",',
      '\t\t\t\t\t"aws-region": "${{ vars.AWS_REGION }}",',
      '\t\t\t\t},',
      '\t\t\t},',
      '\t\t\t{',
      '\t\t\t\tname: "Build",',
      '\t\t\t\trun: "npx cdk synth",',
      '\t\t\t},',
      '\t\t],',
      '\t\tpermissions: {',
      '\t\t\tcontents: "write",',
      '\t\t\tidToken: "write",',
      '\t\t},',
      '\t},',
      '});',
      'project.synth();',
    );
    expect(srcFixed(projen, input, '.projenrc.js')).toBe(expected);
    const out = runSource(projen, input, '.projenrc.js');
    expect(table(out)).toEqual([
      { at: '10:10', fixed: true, message: "step 'Build' reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY from secrets; use OIDC credentials instead", why: undefined },
      { at: '5:24', fixed: true, message: 'the build job (buildWorkflowOptions) assumes a role through OIDC but its permissions lack idToken: write / contents: read', why: undefined },
    ]);
    expect(out.findings[1]!.notes).toEqual(["buildWorkflowOptions had no permissions: it now has projen's default contents: write plus id-token: write (setting permissions replaces the default)"]);
    // The same file with CRLF line ends: the inserted lines get CRLF too.
    const crlf = input.replace(/\n/g, '\r\n');
    expect(srcFixed(projen, crlf, '.projenrc.js')).toBe(expected.replace(/\n/g, '\r\n'));
  });

  test('tab-indented .js addJob with a key configure step (used to be refused: "the edited source would not parse")', () => {
    const input = lines(
      'const wf = project.github.addWorkflow("deploy");',
      'wf.addJob("deploy", {',
      '\trunsOn: ["ubuntu-latest"],',
      '\tsteps: [',
      '\t\t{',
      '\t\t\tname: "Configure",',
      '\t\t\tuses: "aws-actions/configure-aws-credentials@v1",',
      '\t\t\twith: {',
      ...SECRET_KEYS('\t\t\t\t', '"'),
      '\t\t\t},',
      '\t\t},',
      '\t],',
      '});',
    );
    expect(srcFixed(projen, input, '.projenrc.js')).toBe(lines(
      'const wf = project.github.addWorkflow("deploy");',
      'wf.addJob("deploy", {',
      '\trunsOn: ["ubuntu-latest"],',
      '\tsteps: [',
      '\t\t{',
      '\t\t\tname: "Configure",',
      '\t\t\tuses: "aws-actions/configure-aws-credentials@v4",',
      '\t\t\twith: {',
      '\t\t\t\t"role-to-assume": "${{ vars.AWS_ROLE_ARN }}",',
      '\t\t\t},',
      '\t\t},',
      '\t],',
      '\tpermissions: {',
      '\t\tcontents: "read",',
      '\t\tidToken: "write",',
      '\t},',
      '});',
    ));
  });
});

describe('projen step-list options whose jobs wf-fix cannot grant id-token: reported with the option and the jobs, never rewritten', () => {
  const step = (ind: string) => [
    `${ind}{`,
    `${ind}  name: 'Configure AWS',`,
    `${ind}  uses: 'aws-actions/configure-aws-credentials@v1',`,
    `${ind}  with: {`,
    ...SECRET_KEYS(`${ind}    `),
    `${ind}  },`,
    `${ind}},`,
  ];
  const refusal = (where: string, jobs: string) => `the step is passed in ${where}, which puts it into ${jobs}; wf-fix cannot grant those jobs `
    + 'id-token: write from this option, and without it role-to-assume fails: replace the keys with role-to-assume by hand '
    + "and grant each of those jobs id-token: write (e.g. through addOverride('jobs.<id>.permissions.id-token', 'write'))";
  /** `<open>` + `  <option>: [ <key step> ],` + `});`: the step sits at line 3, column 5. */
  const passedIn = (open: string, option: string) => lines(open, `  ${option}: [`, ...step('    '), '  ],', '});');
  const cases: [string, string, string][] = [
    ['workflowBootstrapSteps', passedIn('const project = new awscdk.AwsCdkTypeScriptApp({', 'workflowBootstrapSteps'),
      refusal('`workflowBootstrapSteps` of new AwsCdkTypeScriptApp(...)', 'every job projen bootstraps the project in (build, release, upgrade and others)')],
    ['postBuildSteps', passedIn('const project = new typescript.TypeScriptProject({', 'postBuildSteps'),
      refusal('`postBuildSteps` of new TypeScriptProject(...)', 'the build or release job, after the build')],
    ['releaseWorkflowSetupSteps', passedIn('const project = new typescript.TypeScriptProject({', 'releaseWorkflowSetupSteps'),
      refusal('`releaseWorkflowSetupSteps` of new TypeScriptProject(...)', 'the release job')],
    ['prePublishSteps of publishToNpm', passedIn('project.release?.publisher.publishToNpm({', 'prePublishSteps'),
      refusal('`prePublishSteps` of publishToNpm(...)', 'the publish jobs')],
    ['a step-list option projen does not have (a library\'s own)', passedIn('new MyPipeline(this, {', 'deploySteps'),
      refusal('`deploySteps` of new MyPipeline(...)', 'jobs the generator builds')],
  ];
  test.each(cases)('%s', (_name, input, why) => {
    const out = runSource(projen, input, '.projenrc.ts');
    expect(out.status).toBe('unchanged');
    expect(out.output).toBe(input);
    expect(table(out)).toEqual([{ at: '3:5', fixed: false, message: KEY_STEP('Configure AWS'), why }]);
  });

  test('env keys from secrets in a workflowBootstrapSteps step: reported with the step, the option and the jobs', () => {
    const input = lines(
      'const project = new awscdk.AwsCdkTypeScriptApp({',
      '  workflowBootstrapSteps: [',
      "    { name: 'Install', run: 'yarn install', env: { AWS_ACCESS_KEY_ID: '${{ secrets.K }}', AWS_SECRET_ACCESS_KEY: '${{ secrets.S }}' } },",
      '  ],',
      '});',
    );
    const out = runSource(projen, input, '.projenrc.ts');
    expect(out.output).toBe(input);
    expect(table(out)).toEqual([{
      at: '3:50',
      fixed: false,
      message: "step 'Install' in `workflowBootstrapSteps` of new AwsCdkTypeScriptApp(...) sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY from secrets; "
        + 'it runs in every job projen bootstraps the project in (build, release, upgrade and others), whose permissions wf-fix cannot set from there: '
        + 'replace it with an OIDC configure step and id-token: write by hand',
      why: undefined,
    }]);
  });
});

describe('key usages no transform rewrites: reported with their place, never passed over', () => {
  test.each([
    ['configure step whose uses is a template (github-actions-workflow-ts style)', lines(
      "import { NormalJob, Step, Workflow } from '@github-actions-workflow-ts/lib';",
      "const V = 'v4';",
      'const configure = new Step({',
      "  name: 'Configure',",
      '  uses: `aws-actions/configure-aws-credentials@${V}`,',
      '  with: {',
      ...SECRET_KEYS('    '),
      '  },',
      '});',
    ), '6:9', "step 'Configure' in new Step(...) passes aws-access-key-id, aws-secret-access-key (long-lived access keys from secrets); "
      + 'wf-fix cannot tell which job it reaches: replace the keys with role-to-assume and grant the job id-token: write by hand'],
    ['access keys given to another action', lines(
      "const login = { name: 'ECR login', uses: 'time-loop/docker-ecr-login@v1', with: { 'aws-access-key-id': '${{ secrets.K }}' } };",
    ), '1:81', "step 'ECR login' in 'login' passes aws-access-key-id (long-lived access keys from secrets) to time-loop/docker-ecr-login, "
      + 'which wf-fix cannot switch to a role: configure credentials through OIDC in a step before it (or use a role input the action supports) '
      + 'and grant the job id-token: write by hand'],
    ['key env entries in a const', lines(
      "const awsEnv = { AWS_ACCESS_KEY_ID: '${{ secrets.K }}', AWS_SECRET_ACCESS_KEY: '${{ secrets.S }}' };",
    ), '1:16', "'awsEnv' sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY from secrets; wf-fix cannot tell which job it reaches: "
      + 'replace it with an OIDC configure step and id-token: write by hand'],
  ])('%s', (_name, input, at, message) => {
    const out = runSource(projen, input, 'gen/workflows.ts');
    expect(out.output).toBe(input);
    expect(table(out)).toEqual([{ at, fixed: false, message, why: undefined }]);
  });

  test('cdk-pipelines-github: GitHubActionStep and ShellStep env with key secrets are reported', () => {
    const input = lines(
      "import { ShellStep } from 'aws-cdk-lib/pipelines';",
      "import { AwsCredentials, GitHubActionStep, GitHubWorkflow } from 'cdk-pipelines-github';",
      "const pipeline = new GitHubWorkflow(app, 'Pipeline', {",
      "  synth: new ShellStep('Build', { commands: ['npx cdk synth'], env: { AWS_ACCESS_KEY_ID: '${{ secrets.K }}' } }),",
      "  awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: 'arn:aws:iam::111111111111:role/gh' }),",
      '});',
      "pipeline.addWave('post', { post: [new GitHubActionStep('Smoke', {",
      "  jobSteps: [{ run: 'npm test' }],",
      "  env: { AWS_ACCESS_KEY_ID: '${{ secrets.K }}', AWS_SECRET_ACCESS_KEY: '${{ secrets.S }}' },",
      '})] });',
    );
    const out = runSource(cdk, input, 'src/pipeline.ts');
    expect(out.output).toBe(input);
    expect(table(out)).toEqual([
      { at: '4:69', fixed: false, message: "`env` of new ShellStep('Build', ...) sets AWS_ACCESS_KEY_ID from secrets; wf-fix cannot tell which job it reaches: replace it with an OIDC configure step and id-token: write by hand", why: undefined },
      { at: '9:8', fixed: false, message: "`env` of new GitHubActionStep('Smoke', ...) sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY from secrets; wf-fix cannot tell which job it reaches: replace it with an OIDC configure step and id-token: write by hand", why: undefined },
    ]);
  });

  test('CLI: a custom generator\'s key usage is reported as file:line:column, exit 0, nothing written', () => {
    const dir = tempDir('wf-fix-longtail-');
    const file = join(dir, 'gen', 'deploy-workflow.ts');
    mkdirSync(join(dir, 'gen'));
    const text = lines(
      "const job = { 'runs-on': 'ubuntu-latest', steps: [step] };",
      'const step = {',
      '  uses: CONFIGURE_ACTION,',
      "  with: { 'aws-access-key-id': '${{ secrets.K }}', 'aws-secret-access-key': '${{ secrets.S }}' },",
      '};',
    );
    writeFileSync(file, text);
    const r = runCli(['--write', 'gen/deploy-workflow.ts'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("gen/deploy-workflow.ts:4:9 report [projen-oidc] `with` of 'step' passes aws-access-key-id, aws-secret-access-key (long-lived access keys from secrets); wf-fix cannot tell which job it reaches");
    expect(readFileSync(file, 'utf8')).toBe(text);
  });
});

describe('github-actions-workflow-ts: the *.wac.ts source of a generated workflow is found and its key step reported', () => {
  test('wf-fix . on the repository: YAML reported as generated, the .wac.ts finding with file:line:column, exit 0', () => {
    const dir = tempDir('wf-fix-gwf-');
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    const source = lines(
      "import { NormalJob, Step, Workflow } from 'github-actions-workflow-ts';",
      '',
      'const configure = new Step({',
      "  name: 'Configure AWS',",
      "  uses: 'aws-actions/configure-aws-credentials@v2',",
      "  with: { 'aws-access-key-id': '${{ secrets.K }}', 'aws-secret-access-key': '${{ secrets.S }}' },",
      '});',
      "export const deploy = new NormalJob('deploy', { 'runs-on': 'ubuntu-latest' }).addSteps([configure]);",
    );
    writeFileSync(join(dir, '.github/workflows/deploy.wac.ts'), source);
    writeFileSync(join(dir, '.github/workflows/deploy.yml'), [
      '# This file was automatically generated by github-actions-workflow-ts.',
      'name: deploy', 'on: push', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v2', '        with:',
      '          aws-access-key-id: ${{ secrets.K }}', '          aws-secret-access-key: ${{ secrets.S }}', '',
    ].join('\n'));
    const r = runCli(['.'], dir);
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('(.github/workflows/deploy.wac.ts: see its findings)');
    expect(r.stderr).toContain(".github/workflows/deploy.wac.ts:3:28 not fixed [projen-oidc] step 'Configure AWS' authenticates with long-lived access keys; assume a role through OIDC instead\n"
      + '    why not fixed: cannot tell which job runs this step (it is passed to new Step(...)): fix it by hand and grant that job id-token: write and contents: read');
  });
});

describe('hostile generator sources are parsed, never run', () => {
  const marker = (dir: string) => join(dir, 'PWNED');
  const bodies = (dir: string): Record<string, string> => ({
    '.projenrc.ts': lines(
      "import { writeFileSync } from 'node:fs';",
      `writeFileSync(${JSON.stringify(marker(dir))}, 'ran');`,
      "import { awscdk } from 'projen';",
      'const project = new awscdk.AwsCdkTypeScriptApp({',
      '  workflowBootstrapSteps: [',
      "    { name: 'Configure AWS', uses: 'aws-actions/configure-aws-credentials@v1', with: { 'aws-access-key-id': '${{ secrets.K }}' } },",
      '  ],',
      '});',
      'project.synth();',
    ),
    '.projenrc.js': lines(
      `require('fs').writeFileSync(${JSON.stringify(marker(dir))}, 'ran');`,
      "const wf = project.github.addWorkflow('deploy');",
      "wf.addJob('deploy', { runsOn: ['ubuntu-latest'], steps: [{ uses: 'aws-actions/configure-aws-credentials@v4', with: { 'aws-access-key-id': '${{ secrets.K }}', 'aws-secret-access-key': '${{ secrets.S }}' } }] });",
    ),
  });

  test('.projenrc.ts with a top-level side effect: reported, file and marker untouched, exit 0', () => {
    const dir = tempDir('wf-fix-hostile-');
    const text = bodies(dir)['.projenrc.ts']!;
    writeFileSync(join(dir, '.projenrc.ts'), text);
    const r = runCli(['--write', '.projenrc.ts'], dir);
    expect(existsSync(marker(dir))).toBe(false);
    expect(r.status).toBe(0);
    expect(r.stderr).toContain(".projenrc.ts:6:5 not fixed [projen-oidc] step 'Configure AWS' authenticates with long-lived access keys");
    expect(r.stderr).toContain('why not fixed: the step is passed in `workflowBootstrapSteps` of new AwsCdkTypeScriptApp(...)');
    expect(readFileSync(join(dir, '.projenrc.ts'), 'utf8')).toBe(text);
  });

  test('.projenrc.js with a top-level side effect, reached through its generated workflow: rewritten, never run, exit 0', () => {
    const dir = tempDir('wf-fix-hostile-');
    const text = bodies(dir)['.projenrc.js']!;
    writeFileSync(join(dir, '.projenrc.js'), text);
    mkdirSync(join(dir, '.github', 'workflows'), { recursive: true });
    writeFileSync(join(dir, '.github/workflows/deploy.yml'), [
      '# ~~ Generated by projen. To modify, edit .projenrc.js and run "npx projen".',
      'name: deploy', 'on: push', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4', '        with:',
      '          aws-access-key-id: ${{ secrets.K }}', '          aws-secret-access-key: ${{ secrets.S }}', '          aws-region: eu-west-1', '',
    ].join('\n'));
    const r = runCli(['--write', '.'], dir);
    expect(existsSync(marker(dir))).toBe(false);
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/\.projenrc\.js:3:\d+ fixed \[projen-oidc\] step 'configure-aws-credentials' authenticates with long-lived access keys/);
    expect(r.stderr).toContain('then regenerate the workflow YAML with `npx projen` (wf-fix does not run it)');
    expect(readFileSync(join(dir, '.projenrc.js'), 'utf8')).toBe(lines(
      `require('fs').writeFileSync(${JSON.stringify(marker(dir))}, 'ran');`,
      "const wf = project.github.addWorkflow('deploy');",
      "wf.addJob('deploy', { runsOn: ['ubuntu-latest'], steps: [{ uses: 'aws-actions/configure-aws-credentials@v4', with: { 'role-to-assume': '${{ vars.AWS_ROLE_ARN }}' } }], permissions: { contents: 'read', idToken: 'write' } });",
    ));
  });
});

describe('indentUnit: the unit the file indents its code by', () => {
  test.each([
    ['2 spaces', 'a({\n  b: {\n    c: 1,\n  },\n});\n', '  '],
    ['4 spaces after a JSDoc block', '/**\n * doc\n */\nf({\n    a: {\n        b: 1,\n    },\n});\n', '    '],
    ['tabs after a JSDoc block', '/**\n * doc\n */\nf({\n\ta: {\n\t\tb: 1,\n\t},\n});\n', '\t'],
    ['no indentation at all', 'f();\n', '  '],
  ])('%s', (_name, text, unit) => {
    expect(indentUnit(text)).toBe(unit);
  });
});
