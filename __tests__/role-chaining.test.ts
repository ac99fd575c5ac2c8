import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, fixed, fixText, lines } from './helpers.js';

const ID = ['role-chaining'];
const BOTH = ['oidc-auth', 'role-chaining'];

describe('role-chaining', () => {
  test('splits a key-based cross-account step into a base OIDC step and a chained step (seed MODEL shape)', () => {
    const input = lines(
      'on: push',
      'env:',
      '  AWS_REGION: us-east-1',
      '  PROD_ACCOUNT_ID: ${{ secrets.PROD_ACCOUNT_ID }}',
      'jobs:',
      '  deploy-prod:',
      '    runs-on: ubuntu-latest',
      '    environment: prod',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '',
      '      # keys for cross-account',
      '      - name: Assume cross-account role for Production',
      '        uses: aws-actions/configure-aws-credentials@v3',
      '        with:',
      '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}',
      '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
      '          aws-region: ${{ env.AWS_REGION }}',
      '          role-to-assume: arn:aws:iam::${{ env.PROD_ACCOUNT_ID }}:role/CrossAccountDeployRole',
      '          role-session-name: GitHubActions-Prod',
      '',
      '      - run: npx cdk deploy --all',
    );
    const out = fixText(input, ID, { roles: { default: 'arn:aws:iam::111111111111:role/GitHubOidc', environments: {} } });
    expect(out.output).toBe(lines(
      'on: push',
      'env:',
      '  AWS_REGION: us-east-1',
      '  PROD_ACCOUNT_ID: ${{ secrets.PROD_ACCOUNT_ID }}',
      'jobs:',
      '  deploy-prod:',
      '    runs-on: ubuntu-latest',
      '    environment: prod',
      '    permissions:',
      '      id-token: write',
      '      contents: read',
      '    steps:',
      '      - uses: actions/checkout@v4',
      '',
      '      - name: Configure base AWS credentials (OIDC)',
      '        uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::111111111111:role/GitHubOidc',
      '          role-session-name: GitHubActions-deploy-prod-base',
      '          aws-region: ${{ env.AWS_REGION }}',
      '',
      '      # keys for cross-account',
      '      - name: Assume cross-account role for Production',
      '        uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          aws-region: ${{ env.AWS_REGION }}',
      '          role-to-assume: arn:aws:iam::${{ env.PROD_ACCOUNT_ID }}:role/CrossAccountDeployRole',
      '          role-session-name: GitHubActions-Prod',
      '          role-chaining: true',
      '',
      '      - run: npx cdk deploy --all',
    ));
    const f = out.findings.find((x) => x.ruleId === 'role-chaining')!;
    expect(f.fixed).toBe(true);
    expect(f.notes.join('\n')).toContain('sts:AssumeRole and sts:TagSession');
    expect(f.notes.join('\n')).toContain('secrets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY');
    expect(fixed(out.output, ID)).toBe(out.output);
  });

  test('gives an existing role-chaining step without a base a base step (seed IDEAL shape)', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  source:',
      '    runs-on: ubuntu-latest',
      '    permissions:',
      '      id-token: write',
      '      contents: read',
      '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: ${{ secrets.GITHUB_OIDC_ROLE_ARN }}',
      '          aws-region: us-east-1',
      '          role-session-name: GitHubActions-Source',
      '  deploy-staging:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - name: Assume cross-account role for Staging',
      '        uses: aws-actions/configure-aws-credentials@v4',
      '        env:',
      '          ROLE: arn:aws:iam::${{ env.STAGING_ACCOUNT_ID }}:role/DeployRole',
      '        with:',
      '          role-to-assume: ${{ env.ROLE }}',
      '          aws-region: us-east-1',
      '          role-session-name: GitHubActions-Staging',
      '          role-chaining: true',
      '          role-duration-seconds: 7200',
      '      - run: npx cdk deploy --all',
    );
    const out = fixText(input, ID);
    expect(out.output).toBe(lines(
      'on: push',
      'jobs:',
      '  source:',
      '    runs-on: ubuntu-latest',
      '    permissions:',
      '      id-token: write',
      '      contents: read',
      '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: ${{ secrets.GITHUB_OIDC_ROLE_ARN }}',
      '          aws-region: us-east-1',
      '          role-session-name: GitHubActions-Source',
      '  deploy-staging:',
      '    runs-on: ubuntu-latest',
      '    permissions:',
      '      id-token: write',
      '      contents: read',
      '    steps:',
      '      - name: Configure base AWS credentials (OIDC)',
      '        uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: ${{ secrets.GITHUB_OIDC_ROLE_ARN }}',
      '          role-session-name: GitHubActions-deploy-staging-base',
      '          aws-region: us-east-1',
      '      - name: Assume cross-account role for Staging',
      '        uses: aws-actions/configure-aws-credentials@v4',
      '        env:',
      '          ROLE: arn:aws:iam::${{ env.STAGING_ACCOUNT_ID }}:role/DeployRole',
      '        with:',
      '          role-to-assume: ${{ env.ROLE }}',
      '          aws-region: us-east-1',
      '          role-session-name: GitHubActions-Staging',
      '          role-chaining: true',
      '          role-duration-seconds: 3600',
      '      - run: npx cdk deploy --all',
    ));
    const f = out.findings.find((x) => x.ruleId === 'role-chaining')!;
    expect(f.message).toContain('nothing to chain from');
    expect(f.notes).toContain('role-duration-seconds 7200 lowered to 3600: STS caps role-chaining sessions at one hour');
    expect(f.notes.join('\n')).toContain('arn:aws:iam::${{ env.STAGING_ACCOUNT_ID }}:role/DeployRole must trust the base role');
    expect(fixed(out.output, ID)).toBe(out.output);
  });

  test('caps role-duration-seconds on a chained step that already has a base, and nothing else', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    permissions:',
      '      id-token: write',
      '      contents: read',
      '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::111111111111:role/Base',
      '          aws-region: us-east-1',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::222222222222:role/Target',
      '          aws-region: us-east-1',
      '          role-chaining: true',
      "          role-duration-seconds: '43200' # twelve hours",
    );
    const expected = input.replace("role-duration-seconds: '43200'", 'role-duration-seconds: 3600');
    expect(fixed(input, ID)).toBe(expected);
    expect(fixed(expected, ID)).toBe(expected);
  });

  test('puts the base step before a KMS decrypt step that waits between download and the chained step', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    permissions:',
      '      id-token: write',
      '      contents: read',
      '    steps:',
      '      - uses: actions/download-artifact@v4',
      '      - name: Decrypt',
      '        run: aws kms decrypt --ciphertext-blob fileb://key.enc',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::222222222222:role/Target',
      '          aws-region: eu-west-1',
      '          role-chaining: true',
    );
    const out = fixed(input, ID, { roles: { default: 'arn:aws:iam::111111111111:role/Base', environments: {} } });
    expect(out).toBe(lines(
      'on: push',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    permissions:',
      '      id-token: write',
      '      contents: read',
      '    steps:',
      '      - uses: actions/download-artifact@v4',
      '      - name: Configure base AWS credentials (OIDC)',
      '        uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::111111111111:role/Base',
      '          role-session-name: GitHubActions-deploy-base',
      '          aws-region: eu-west-1',
      '      - name: Decrypt',
      '        run: aws kms decrypt --ciphertext-blob fileb://key.enc',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::222222222222:role/Target',
      '          aws-region: eu-west-1',
      '          role-chaining: true',
    ));
  });

  test('leaves same-account key steps to oidc-auth, composite actions and already-chained jobs alone', () => {
    const sameAccount = lines(
      'on: push',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          aws-access-key-id: ${{ secrets.K }}',
      '          aws-secret-access-key: ${{ secrets.S }}',
      '          aws-region: us-east-1',
    );
    expect(fixText(sameAccount, ID).findings).toEqual([]);
    const composite = lines(
      'name: creds',
      'runs:',
      '  using: composite',
      '  steps:',
      '    - uses: aws-actions/configure-aws-credentials@v4',
      '      with:',
      '        role-to-assume: arn:aws:iam::222222222222:role/Target',
      '        aws-region: us-east-1',
      '        role-chaining: true',
    );
    expect(fixText(composite, ID).findings).toEqual([]);
  });

  test.each(['model-cicd-yml-Pr5600-1.yml', 'ideal-cicd-yml-Pr7694.yml'])('seed %s: no chained step without a base, idempotent', (file) => {
    const text = readFileSync(join(CORPUS, 'seed', file), 'utf8');
    const once = fixed(text, BOTH);
    expect(once).not.toMatch(/aws-access-key-id/);
    expect(fixed(once, BOTH)).toBe(once);
    const after = fixText(once, ID);
    expect(after.findings).toEqual([]);
    // Every chained step has a non-chained configure step before it in its job.
    const chained = once.match(/role-chaining: true/g) ?? [];
    expect(chained).toHaveLength(2);
    expect(once.match(/name: Configure base AWS credentials \(OIDC\)/g)).toHaveLength(2);
  });
});
