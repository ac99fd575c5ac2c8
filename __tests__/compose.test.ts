/**
 * Issue 12.1: findings of one transform that share an edit site compose. Every
 * key step of a job asks for the same permissions block and the same base
 * credential step; the engine applies each once. A fix's own overlapping
 * deletions compose too; nothing ends in `internal error`.
 */
import { fixText, lines } from './helpers.js';

const KEYS = (indent: string) => [
  `${indent}AWS_ACCESS_KEY_ID: \${{ secrets.AWS_ACCESS_KEY_ID }}`,
  `${indent}AWS_SECRET_ACCESS_KEY: \${{ secrets.AWS_SECRET_ACCESS_KEY }}`,
];
const CONFIGURE = (job: string, region = '${{ vars.AWS_REGION }}') => [
  '      - name: Configure AWS credentials (OIDC)',
  '        uses: aws-actions/configure-aws-credentials@v4',
  '        with:',
  '          role-to-assume: ${{ vars.AWS_ROLE_ARN }}',
  `          role-session-name: GitHubActions-${job}`,
  `          aws-region: ${region}`,
];
const PERMISSIONS = ['    permissions:', '      id-token: write', '      contents: read'];
const HEAD = ['on: push', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest'];

function oidc(input: string) {
  const out = fixText(input, ['oidc-auth']);
  const again = fixText(out.output, ['oidc-auth']);
  return { out, again, findings: out.findings.map((f) => [f.line, f.message, f.fixed]) };
}

const reads = (who: string) => `${who} reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY from secrets; use OIDC credentials instead`;

describe('key steps of one job compose into one permissions edit and one credential step', () => {
  test.each([
    ['two env-key steps', lines(
      ...HEAD, '    steps:', '      - uses: actions/checkout@v4',
      '      - name: Build', '        run: aws s3 ls', '        env:', ...KEYS('          '),
      '      - name: Deploy', '        run: npx cdk deploy', '        env:', ...KEYS('          '),
    ), lines(
      ...HEAD, ...PERMISSIONS, '    steps:', '      - uses: actions/checkout@v4', ...CONFIGURE('deploy'),
      '      - name: Build', '        run: aws s3 ls',
      '      - name: Deploy', '        run: npx cdk deploy',
    ), [[10, reads("step 'Build'"), true], [15, reads("step 'Deploy'"), true]]],
    ['three env-key steps, unnamed, one keeping other env', lines(
      ...HEAD, '    steps:',
      '      - run: aws s3 ls', '        env:', ...KEYS('          '),
      '      - run: aws s3 cp a s3://b', '        env:', ...KEYS('          '), '          STAGE: dev',
      '      - id: deploy', '        run: npx cdk deploy', '        env:', ...KEYS('          '),
    ), lines(
      ...HEAD, ...PERMISSIONS, '    steps:', ...CONFIGURE('deploy'),
      '      - run: aws s3 ls',
      '      - run: aws s3 cp a s3://b', '        env:', '          STAGE: dev',
      '      - id: deploy', '        run: npx cdk deploy',
    ), [[8, reads("step 'run: aws s3 ls'"), true], [12, reads("step 'run: aws s3 cp a s3://b'"), true], [18, reads("step id 'deploy'"), true]]],
    ['keys in job env plus a step', lines(
      ...HEAD, '    env:', ...KEYS('      '), '    steps:', '      - uses: actions/checkout@v4',
      '      - name: Deploy', '        run: npx cdk deploy', '        env:', ...KEYS('          '),
    ), lines(
      ...HEAD, ...PERMISSIONS, '    steps:', '      - uses: actions/checkout@v4', ...CONFIGURE('deploy'),
      '      - name: Deploy', '        run: npx cdk deploy',
    ), [[13, reads("step 'Deploy'"), true], [6, "job 'deploy' sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY from secrets; use OIDC credentials instead", true]]],
    ['keys in workflow env plus steps, and a second job calling AWS', lines(
      'on: push', 'env:', ...KEYS('  '), 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    steps:',
      '      - name: Deploy', '        run: npx cdk deploy', '        env:', ...KEYS('          '),
      '  other:', '    runs-on: ubuntu-latest', '    steps:', '      - run: aws sts get-caller-identity',
    ), lines(
      'on: push', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', ...PERMISSIONS, '    steps:', ...CONFIGURE('deploy'),
      '      - name: Deploy', '        run: npx cdk deploy',
      '  other:', '    runs-on: ubuntu-latest', ...PERMISSIONS, '    steps:', ...CONFIGURE('other'), '      - run: aws sts get-caller-identity',
    ), [[12, reads("step 'Deploy'"), true], [3, 'workflow env sets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY from secrets; use OIDC credentials in the jobs that call AWS', true]]],
    ['a job with an existing OIDC step beside a job without one', lines(
      'on: push', 'jobs:',
      '  a:', '    runs-on: ubuntu-latest', '    steps:',
      '      - run: aws s3 ls', '        env:', ...KEYS('          '),
      '      - run: aws s3 ls two', '        env:', ...KEYS('          '),
      '  b:', '    runs-on: ubuntu-latest', '    permissions:', '      contents: read', '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4', '        with:', '          role-to-assume: arn:aws:iam::123456789012:role/x', '          aws-region: us-east-1',
      '      - run: aws s3 ls', '        env:', ...KEYS('          '),
      '      - run: aws s3 ls two', '        env:', ...KEYS('          '),
    ), lines(
      'on: push', 'jobs:',
      '  a:', '    runs-on: ubuntu-latest', ...PERMISSIONS, '    steps:',
      '      - name: Configure AWS credentials (OIDC)', '        uses: aws-actions/configure-aws-credentials@v4', '        with:',
      '          role-to-assume: ${{ vars.AWS_ROLE_ARN }}', '          role-session-name: GitHubActions-a', '          aws-region: ${{ vars.AWS_REGION }}',
      '      - run: aws s3 ls', '      - run: aws s3 ls two',
      '  b:', '    runs-on: ubuntu-latest', '    permissions:', '      contents: read', '      id-token: write', '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4', '        with:', '          role-to-assume: arn:aws:iam::123456789012:role/x', '          aws-region: us-east-1',
      '      - run: aws s3 ls', '      - run: aws s3 ls two',
    ), [[8, reads("step 'run: aws s3 ls'"), true], [12, reads("step 'run: aws s3 ls two'"), true], [25, reads("step 'run: aws s3 ls'"), true], [29, reads("step 'run: aws s3 ls two'"), true]]],
  ])('%s', (_name, input, expected, findings) => {
    const { out, again, findings: got } = oidc(input);
    expect(out.status).toBe('changed');
    expect(out.output).toBe(expected);
    expect(got).toEqual(findings);
    expect(again.status).toBe('unchanged');
  });

  test('keys in a configure step with: plus another step env: the configure step is the credential step', () => {
    const { out, findings } = oidc(lines(
      ...HEAD, '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v1', '        with:',
      '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}', '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}', '          aws-region: us-east-1',
      '      - name: Deploy', '        run: npx cdk deploy', '        env:', ...KEYS('          '),
    ));
    expect(out.output).toBe(lines(
      ...HEAD, ...PERMISSIONS, '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4', '        with:', '          aws-region: us-east-1',
      '          role-to-assume: ${{ vars.AWS_ROLE_ARN }}', '          role-session-name: GitHubActions-deploy',
      '      - name: Deploy', '        run: npx cdk deploy',
    ));
    expect(findings.map((f) => f[2])).toEqual([true, true]);
  });

  test('CRLF and no final newline: both key entries of the last step go in one edit', () => {
    const input = lines(...HEAD, '    steps:', '      - run: echo hi', '        env:', '          AWS_REGION: us-east-1', ...KEYS('          ')).replace(/\n$/, '').replace(/\n/g, '\r\n');
    const { out, again } = oidc(input);
    expect(out.status).toBe('changed');
    expect(out.output).toBe(lines(...HEAD, ...PERMISSIONS, '    steps:', ...CONFIGURE('deploy', 'us-east-1'), '      - run: echo hi', '        env:', '          AWS_REGION: us-east-1').replace(/\n$/, '').replace(/\n/g, '\r\n'));
    expect(again.status).toBe('unchanged');
  });

  test('a flow env mapping losing both keys keeps its other entry and no stray comma', () => {
    const { out } = oidc(lines(
      'on: push', 'env: { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "${{ secrets.K }}", AWS_SECRET_ACCESS_KEY: "${{ secrets.S }}" }',
      'jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    steps:', '      - run: aws s3 ls',
    ));
    expect(out.output).toBe(lines(
      'on: push', 'env: { AWS_REGION: "us-east-1" }', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', ...PERMISSIONS, '    steps:',
      ...CONFIGURE('deploy', '${{ env.AWS_REGION }}'), '      - run: aws s3 ls',
    ));
  });

  test('role chaining in the same job: the chained step is the credential step for the key steps after it', () => {
    const out = fixText(lines(
      ...HEAD, '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v2', '        with:',
      '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}', '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
      '          role-to-assume: arn:aws:iam::${{ vars.PROD_ACCOUNT }}:role/deploy', '          aws-region: us-east-1',
      '      - run: npx cdk deploy', '        env:', ...KEYS('          '),
      '      - run: aws s3 ls', '        env:', ...KEYS('          '),
    ), ['oidc-auth', 'role-chaining']);
    expect(out.output).toBe(lines(
      ...HEAD, ...PERMISSIONS, '    steps:',
      '      - name: Configure base AWS credentials (OIDC)', '        uses: aws-actions/configure-aws-credentials@v4', '        with:',
      '          role-to-assume: ${{ vars.AWS_ROLE_ARN }}', '          role-session-name: GitHubActions-deploy-base', '          aws-region: us-east-1',
      '      - uses: aws-actions/configure-aws-credentials@v4', '        with:',
      '          role-to-assume: arn:aws:iam::${{ vars.PROD_ACCOUNT }}:role/deploy', '          aws-region: us-east-1', '          role-chaining: true',
      '      - run: npx cdk deploy', '      - run: aws s3 ls',
    ));
    expect(out.findings.map((f) => [f.ruleId, f.fixed])).toEqual([['oidc-auth', true], ['oidc-auth', true], ['role-chaining', true]]);
  });
});

describe('no valid workflow ends in an internal error', () => {
  test('a fix with overlapping edits it cannot compose is that fix rejected, with the transform id; the others apply', async () => {
    const { processText } = await import('../src/workflow/engine.js');
    const { defaultConfig } = await import('../src/config.js');
    const { TRANSFORMS } = await import('../transforms/index.js');
    const input = lines(...HEAD, '    steps:', '      - run: npm ci', '      - uses: aws-actions/configure-aws-credentials@v1', '        with:', '          aws-access-key-id: ${{ secrets.K }}', '          aws-secret-access-key: ${{ secrets.S }}', '          aws-region: us-east-1');
    const start = input.indexOf('npm ci');
    const clumsy = {
      meta: { id: 'clumsy', title: 'clumsy', severity: 'warning' as const, fixesSection: 'test', description: 'test' },
      find: (ctx: { text: string; wf: { jobs: { steps: { script?: string; node: { range?: number[] }; path: (string | number)[] }[] }[] } }) => {
        const step = ctx.wf.jobs[0]!.steps[0]!;
        return step.script === 'npm ci' ? [{ ruleId: 'clumsy', message: 'clumsy finding', offset: step.node.range![0]!, path: step.path, fixable: true }] : [];
      },
      fix: () => ({ edits: [{ start, end: start + 6, text: 'npm ci --x' }, { start: start + 2, end: start + 3, text: 'Z' }], declares: [{ path: ['jobs'] }] }),
    };
    const oidc = TRANSFORMS.filter((t) => t.meta.id === 'oidc-auth');
    const out = processText(input, { config: defaultConfig(), transforms: [clumsy as never, ...oidc], file: 'test.yml' });
    expect(out.status).toBe('changed');
    expect(out.output).toBe(fixText(input, ['oidc-auth']).output);
    expect(out.findings[0]).toMatchObject({ ruleId: 'clumsy', fixed: false, rejected: true, skippedBecause: 'internal error in clumsy: its fix has overlapping edits at line 6' });
  });
});

describe('steps that repeat one another', () => {
  test('two identical cross-account key steps: both chain, one base step, the gate reads the insertion right', () => {
    const KEY_STEP = [
      '      - uses: aws-actions/configure-aws-credentials@v4', '        with:',
      '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}', '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
      '          role-to-assume: arn:aws:iam::${{ vars.PROD }}:role/x', '          aws-region: us-east-1',
    ];
    const CHAINED = [
      '      - uses: aws-actions/configure-aws-credentials@v4', '        with:',
      '          role-to-assume: arn:aws:iam::${{ vars.PROD }}:role/x', '          aws-region: us-east-1', '          role-chaining: true',
    ];
    const input = lines(...HEAD, '    steps:', '      - run: aws s3 ls', ...KEY_STEP, ...KEY_STEP);
    const out = fixText(input, ['oidc-auth', 'role-chaining']);
    expect(out.output).toBe(lines(
      ...HEAD, ...PERMISSIONS, '    steps:', '      - run: aws s3 ls',
      '      - name: Configure base AWS credentials (OIDC)', '        uses: aws-actions/configure-aws-credentials@v4', '        with:',
      '          role-to-assume: ${{ vars.AWS_ROLE_ARN }}', '          role-session-name: GitHubActions-deploy-base', '          aws-region: us-east-1',
      ...CHAINED, ...CHAINED,
    ));
    expect(out.findings.map((f) => [f.ruleId, f.fixed, f.rejected])).toEqual([['role-chaining', true, undefined], ['role-chaining', true, undefined]]);
    expect(fixText(out.output, ['oidc-auth', 'role-chaining']).status).toBe('unchanged');
  });

  test('two equal key steps (keys first in one, last in the other): the gate reads the edit of the second right', () => {
    const input = lines(
      ...HEAD, '    steps:', '      - run: aws s3 ls',
      '      - env:', ...KEYS('          '), '        run: aws s3 ls',
      '      - run: aws s3 ls', '        env:', ...KEYS('          '),
    );
    const out = fixText(input, ['oidc-auth']);
    expect(out.output).toBe(lines(
      ...HEAD, ...PERMISSIONS, '    steps:', ...CONFIGURE('deploy'), '      - run: aws s3 ls',
      '      - env:', ...KEYS('          '), '        run: aws s3 ls',
      '      - run: aws s3 ls',
    ));
    expect(out.findings.map((f) => [f.fixed, f.rejected, f.skippedBecause])).toEqual([[false, undefined, "'env' shares its line with a sequence dash"], [true, undefined, undefined]]);
  });
});
