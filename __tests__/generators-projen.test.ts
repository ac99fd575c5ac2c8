import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import vm from 'node:vm';
import ts from 'typescript';
import { stringify } from 'yaml';
import { transform } from '../transforms/generators/projen.js';
import { fixText, lines, ROOT } from './helpers.js';
import { runSource, srcFixed } from './generators-helpers.js';

const fixed = (text: string, path = '.projenrc.ts', config = {}) => srcFixed(transform, text, path, config);
const KEYS = [
  "    'aws-access-key-id': '${{ secrets.AWS_ACCESS_KEY_ID }}',",
  "    'aws-secret-access-key': '${{ secrets.AWS_SECRET_ACCESS_KEY }}',",
];

describe('projen-oidc: configure-aws-credentials step objects', () => {
  test('a shared step constant is fixed once; each job listing it gets idToken (contents kept)', () => {
    const input = lines(
      "import { JobPermission } from 'projen/lib/github/workflows-model';",
      'const awsStep: JobStep = {',
      "  uses: 'aws-actions/configure-aws-credentials@v2',",
      '  with: {',
      ...KEYS,
      "    'aws-region': 'us-east-1', // region",
      '  },',
      '};',
      'const a: Job = {',
      "  runsOn: ['ubuntu-latest'],",
      '  permissions: { contents: JobPermission.WRITE },',
      '  steps: [awsStep],',
      '};',
      'const b: Job = {',
      "  runsOn: ['ubuntu-latest'],",
      '  permissions: {',
      '    contents: JobPermission.READ,',
      '    idToken: JobPermission.WRITE,',
      '  },',
      '  steps: [checkout, awsStep],',
      '};',
    );
    expect(fixed(input)).toBe(lines(
      "import { JobPermission } from 'projen/lib/github/workflows-model';",
      'const awsStep: JobStep = {',
      "  uses: 'aws-actions/configure-aws-credentials@v4',",
      '  with: {',
      "    'role-to-assume': '${{ vars.AWS_ROLE_ARN }}',",
      "    'aws-region': 'us-east-1', // region",
      '  },',
      '};',
      'const a: Job = {',
      "  runsOn: ['ubuntu-latest'],",
      '  permissions: { contents: JobPermission.WRITE, idToken: JobPermission.WRITE },',
      '  steps: [awsStep],',
      '};',
      'const b: Job = {',
      "  runsOn: ['ubuntu-latest'],",
      '  permissions: {',
      '    contents: JobPermission.READ,',
      '    idToken: JobPermission.WRITE,',
      '  },',
      '  steps: [checkout, awsStep],',
      '};',
    ));
    const out = runSource(transform, input, '.projenrc.ts');
    expect(out.findings.map((f) => [f.message, f.fixed])).toEqual([
      ["step 'awsStep' authenticates with long-lived access keys; assume a role through OIDC instead", true],
      ["job 'a' assumes a role through OIDC but its permissions lack idToken: write / contents: read", true],
    ]);
  });

  test('raw workflow objects (runs-on) get a kebab-case permissions block with string values; an existing OIDC role is reused', () => {
    const input = lines(
      'const wf = {',
      '  jobs: {',
      '    pr: {',
      "      'runs-on': 'ubuntu-latest',",
      '      steps: [',
      "        { uses: 'aws-actions/configure-aws-credentials@v4', with: { 'aws-access-key-id': '${{ secrets.K }}', 'aws-secret-access-key': '${{ secrets.S }}', 'aws-region': 'us-east-1' } },",
      '      ],',
      '    },',
      '    other: {',
      "      'runs-on': 'ubuntu-latest',",
      "      permissions: { 'id-token': 'write', contents: 'read' },",
      "      steps: [{ uses: 'aws-actions/configure-aws-credentials@v4', with: { 'role-to-assume': '${{ secrets.OIDC_ROLE }}', 'aws-region': 'us-east-1' } }],",
      '    },',
      '  },',
      '};',
    );
    expect(fixed(input, 'gen.ts')).toBe(lines(
      'const wf = {',
      '  jobs: {',
      '    pr: {',
      "      'runs-on': 'ubuntu-latest',",
      '      steps: [',
      "        { uses: 'aws-actions/configure-aws-credentials@v4', with: { 'role-to-assume': '${{ secrets.OIDC_ROLE }}', 'aws-region': 'us-east-1' } },",
      '      ],',
      '      permissions: {',
      "        contents: 'read',",
      "        'id-token': 'write',",
      '      },',
      '    },',
      '    other: {',
      "      'runs-on': 'ubuntu-latest',",
      "      permissions: { 'id-token': 'write', contents: 'read' },",
      "      steps: [{ uses: 'aws-actions/configure-aws-credentials@v4', with: { 'role-to-assume': '${{ secrets.OIDC_ROLE }}', 'aws-region': 'us-east-1' } }],",
      '    },',
      '  },',
      '};',
    ));
  });

  test('a step whose job is built by a function is reported, not fixed (it would fail without id-token)', () => {
    const input = lines(
      "const AWS = { uses: 'aws-actions/configure-aws-credentials@v1', with: { 'aws-access-key-id': '${{ secrets.K }}', 'aws-secret-access-key': '${{ secrets.S }}' } };",
      'const SETUP = [CHECKOUT, AWS];',
      'const getJob = (steps) => ({ ...PROPS, steps: [...SETUP, ...steps] });',
    );
    const out = runSource(transform, input, 'gen.js');
    expect(out.status).toBe('unchanged');
    expect(out.output).toBe(input);
    expect(out.findings[0]!.fixed).toBe(false);
    expect(out.findings[0]!.skippedBecause).toMatch(/^cannot tell which job runs this step/);
  });
});

describe('projen-oidc: AWS key env entries', () => {
  test('step env: entries removed, an OIDC configure step inserted before, idToken added and JobPermission imported', () => {
    const input = lines(
      "import { github } from 'projen';",
      '',
      "wf.addJob('release', {",
      "  runsOn: ['ubuntu-latest'],",
      '  permissions: {',
      '    contents: github.workflows.JobPermission.READ,',
      '  },',
      '  steps: [',
      "    { name: 'Checkout', uses: 'actions/checkout@v4' },",
      '    {',
      "      name: 'Build',",
      "      run: 'npx cdk deploy',",
      '      env: {',
      "        AWS_ACCESS_KEY_ID: '${{ secrets.AWS_ACCESS_KEY_ID }}',",
      "        AWS_SECRET_ACCESS_KEY: '${{ secrets.AWS_SECRET_ACCESS_KEY }}',",
      "        AWS_REGION: 'eu-west-1',",
      '      },',
      '    },',
      '  ],',
      '});',
    );
    expect(fixed(input)).toBe(lines(
      "import { github } from 'projen';",
      '',
      "wf.addJob('release', {",
      "  runsOn: ['ubuntu-latest'],",
      '  permissions: {',
      '    contents: github.workflows.JobPermission.READ,',
      '    idToken: github.workflows.JobPermission.WRITE,',
      '  },',
      '  steps: [',
      "    { name: 'Checkout', uses: 'actions/checkout@v4' },",
      '    {',
      "      name: 'Configure AWS credentials (OIDC)',",
      "      uses: 'aws-actions/configure-aws-credentials@v4',",
      '      with: {',
      "        'role-to-assume': '${{ vars.AWS_ROLE_ARN }}',",
      "        'aws-region': 'eu-west-1',",
      '      },',
      '    },',
      '    {',
      "      name: 'Build',",
      "      run: 'npx cdk deploy',",
      '      env: {',
      "        AWS_REGION: 'eu-west-1',",
      '      },',
      '    },',
      '  ],',
      '});',
    ));
  });

  test('a job with no JobPermission import and string-free permissions gets the enum and the import', () => {
    const input = lines(
      "import { awscdk } from 'projen';",
      "wf.addJobs({ deploy: { runsOn: ['ubuntu-latest'], permissions: {}, env: { AWS_ACCESS_KEY_ID: '${{ secrets.A }}', AWS_SECRET_ACCESS_KEY: '${{ secrets.B }}' }, steps: [{ run: 'cdk deploy' }] } });",
    );
    expect(fixed(input)).toBe(lines(
      "import { awscdk } from 'projen';",
      "import { JobPermission } from 'projen/lib/github/workflows-model';",
      "wf.addJobs({ deploy: { runsOn: ['ubuntu-latest'], permissions: { idToken: JobPermission.WRITE, contents: JobPermission.READ }, steps: [{ name: 'Configure AWS credentials (OIDC)', uses: 'aws-actions/configure-aws-credentials@v4', with: { 'role-to-assume': '${{ vars.AWS_ROLE_ARN }}', 'aws-region': '${{ vars.AWS_REGION }}', }, }, { run: 'cdk deploy' }] } });",
    ));
  });

  test('addOverride(jobs.<id>.env): entries removed, id-token override and a JsonPatch configure step added (double quotes kept)', () => {
    const input = lines(
      'import { awscdk } from "projen";',
      'project.tryFindObjectFile(".github/workflows/build.yml")!.addOverride("jobs.build.env", {',
      '  CI: "true",',
      '  AWS_ACCESS_KEY_ID: "${{ secrets.AWS_ACCESS_KEY_ID }}",',
      '  AWS_SECRET_ACCESS_KEY: "${{ secrets.AWS_SECRET_ACCESS_KEY }}",',
      '});',
      'project.synth();',
    );
    expect(fixed(input)).toBe(lines(
      'import { awscdk, JsonPatch } from "projen";',
      'project.tryFindObjectFile(".github/workflows/build.yml")!.addOverride("jobs.build.env", {',
      '  CI: "true",',
      '});',
      'project.tryFindObjectFile(".github/workflows/build.yml")!.addOverride("jobs.build.permissions.id-token", "write");',
      'project.tryFindObjectFile(".github/workflows/build.yml")!.patch(JsonPatch.add("/jobs/build/steps/0", {',
      '  name: "Configure AWS credentials (OIDC)",',
      '  uses: "aws-actions/configure-aws-credentials@v4",',
      '  with: {',
      '    "role-to-assume": "${{ vars.AWS_ROLE_ARN }}",',
      '    "aws-region": "${{ vars.AWS_REGION }}",',
      '  },',
      '}));',
      'project.synth();',
    ));
  });

  test('.projenrc.js with string permissions: idToken: \'write\', no import', () => {
    const input = lines(
      "const { awscdk } = require('projen');",
      'const job = {',
      '  integ: {',
      "    runsOn: 'ubuntu-latest',",
      "    permissions: { contents: 'write' },",
      "    steps: [{ run: 'npm test', env: { AWS_ACCESS_KEY_ID: '${{ secrets.K }}', AWS_SECRET_ACCESS_KEY: '${{ secrets.S }}' } }],",
      '  },',
      '};',
    );
    const out = fixed(input, '.projenrc.js');
    expect(out).toContain("permissions: { contents: 'write', idToken: 'write' },");
    expect(out).not.toContain('JobPermission');
    expect(out).not.toContain('AWS_ACCESS_KEY_ID');
    expect(out).toContain("steps: [{ name: 'Configure AWS credentials (OIDC)', uses: 'aws-actions/configure-aws-credentials@v4'");
  });
});

describe('projen-oidc: negatives stay byte-identical', () => {
  const cases: Record<string, string> = {
    'already OIDC with idToken': lines(
      "wf.addJobs({ d: { runsOn: ['ubuntu-latest'], permissions: { contents: JobPermission.READ, idToken: JobPermission.WRITE },",
      "  steps: [{ uses: 'aws-actions/configure-aws-credentials@v4', with: { 'role-to-assume': 'arn:aws:iam::1:role/x', 'aws-region': 'us-east-1' } }] } });",
    ),
    'unrelated code and AWS_ACCESS_KEY_ID as a value': lines(
      "const integrations = { aws: { secret: 'aws-credentials', accessKeyIdKey: 'AWS_ACCESS_KEY_ID' } };",
    ),
    'JsonPatch OIDC step with an id-token override': lines(
      "build?.addOverride('jobs.build.permissions', { 'id-token': 'write' });",
      "build?.patch(JsonPatch.add('/jobs/build/steps/0', { uses: 'aws-actions/configure-aws-credentials@v2', with: { 'role-to-assume': `arn:aws:iam::1:role/${name}` } }));",
    ),
  };
  test.each(Object.entries(cases))('%s', (_name, input) => {
    const out = runSource(transform, input, '.projenrc.ts');
    expect(out.output).toBe(input);
    expect(out.findings).toEqual([]);
  });
});

// ---------------------------------------------------------------- end to end

const kebab = (k: string) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
const rename = (o: Record<string, unknown>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [kebab(k), v]));

/**
 * Evaluate a projenrc in a vm against a stub projen (JobPermission enum,
 * addWorkflow recorder) and render the workflow as projen does: job keys and
 * permission scopes in kebab-case, `with`/`env` as written.
 */
function synthWorkflow(source: string): string {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const workflow: { on?: unknown; jobs: Record<string, Record<string, unknown>> } = { jobs: {} };
  class App {
    github = { addWorkflow: () => ({ on: (o: unknown) => { workflow.on = o; }, addJobs: (j: Record<string, Record<string, unknown>>) => Object.assign(workflow.jobs, j) }) };
    synth() { /* nothing to write */ }
  }
  const modules: Record<string, unknown> = {
    projen: { awscdk: { AwsCdkTypeScriptApp: App } },
    'projen/lib/github/workflows-model': { JobPermission: { READ: 'read', WRITE: 'write', NONE: 'none' } },
  };
  const sandbox = { require: (m: string) => modules[m], exports: {}, module: { exports: {} } };
  vm.runInNewContext(js, sandbox, { timeout: 1000 });
  const jobs = Object.fromEntries(Object.entries(workflow.jobs).map(([id, job]) => {
    const out = rename(job);
    if (out.permissions) out.permissions = rename(out.permissions as Record<string, unknown>);
    if (Array.isArray(out['runs-on']) && (out['runs-on'] as unknown[]).length === 1) out['runs-on'] = (out['runs-on'] as unknown[])[0];
    if (out.environment && typeof out.environment === 'object') out.environment = (out.environment as { name: string }).name;
    return [id, out];
  }));
  return stringify({ name: 'deploy', on: workflow.on, jobs }, { aliasDuplicateObjects: false });
}

describe('projen-oidc end to end', () => {
  const fixture = join(ROOT, '__tests__/fixtures/generators/projen-e2e/.projenrc.ts');

  test('before: the synthesised workflow has oidc-auth findings; after the source fix: none left', () => {
    const source = readFileSync(fixture, 'utf8');
    const before = fixText(synthWorkflow(source), ['oidc-auth']);
    expect(before.findings.map((f) => f.ruleId)).toContain('oidc-auth');
    expect(before.output).not.toBe(synthWorkflow(source));

    const after = srcFixed(transform, source, '.projenrc.ts');
    const yaml = synthWorkflow(after);
    const check = fixText(yaml, ['oidc-auth']);
    expect(check.findings).toEqual([]);
    expect(check.status).toBe('unchanged');
    expect(yaml).not.toMatch(/AWS_ACCESS_KEY_ID|aws-access-key-id/);
    for (const job of ['staging', 'production', 'smoke']) expect(yaml).toMatch(new RegExp(`  ${job}:[\\s\\S]*?id-token: write`));
    expect(yaml).toContain('deployments: write');
  });
});
