import { fixed, fixText, lines } from './helpers.js';

const ID = ['oidc-auth'];

describe('oidc-auth', () => {
  test('replaces key inputs with role-to-assume, session name and job permissions', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v1',
      '        with:',
      '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}',
      '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
      '          aws-region: us-east-1',
      '      - run: npx cdk deploy --all',
    );
    expect(fixed(input, ID)).toBe(lines(
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
      '          aws-region: us-east-1',
      '          role-to-assume: ${{ vars.AWS_ROLE_ARN }}',
      '          role-session-name: GitHubActions-deploy',
      '      - run: npx cdk deploy --all',
    ));
  });

  test('a step without aws-region gets one; a step with an input v4 does not define keeps its major, with a note', () => {
    const head = ['on: push', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest', '    env:', '      AWS_REGION: eu-west-1', '    steps:'];
    const input = lines(
      ...head,
      '      - uses: aws-actions/configure-aws-credentials@v2',
      '        with:',
      '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}',
      '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
      '          aws-: us-east-1',
    );
    const out = fixText(input, ID);
    expect(out.output).toBe(lines(
      'on: push', 'jobs:', '  deploy:', '    runs-on: ubuntu-latest',
      '    permissions:', '      id-token: write', '      contents: read',
      '    env:', '      AWS_REGION: eu-west-1', '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v2',
      '        with:',
      '          aws-: us-east-1',
      '          role-to-assume: ${{ vars.AWS_ROLE_ARN }}',
      '          aws-region: ${{ env.AWS_REGION }}',
      '          role-session-name: GitHubActions-deploy',
    ));
    expect(out.findings[0]!.notes).toEqual(expect.arrayContaining([
      'the step had no aws-region input, which the action requires: set to ${{ env.AWS_REGION }}',
      "kept aws-actions/configure-aws-credentials@v2: 'aws-' is not an input of v4 (a typo?); correct it, then move to v4",
    ]));
    expect(fixText(out.output, ID).status).toBe('unchanged');
  });

  test('is idempotent and reports the secrets left unreferenced', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          aws-access-key-id: ${{ secrets.KEY }}',
      '          aws-secret-access-key: ${{ secrets.SECRET }}',
      '          aws-region: us-east-1',
    );
    const once = fixText(input, ID);
    expect(once.status).toBe('changed');
    expect(once.findings[0]!.notes.join('\n')).toContain('secrets KEY, SECRET');
    expect(fixed(once.output, ID)).toBe(once.output);
  });
});

describe('oidc-auth: permissions', () => {
  const job = (perms: string[]) => lines(
    'on: push',
    ...perms,
    'jobs:',
    '  deploy:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: aws-actions/configure-aws-credentials@v4',
    '        with:',
    '          role-to-assume: arn:aws:iam::111111111111:role/deploy',
    '          aws-region: us-east-1',
  );

  test('a job-level block without the scopes is merged into, keeping its scopes', () => {
    const input = job([]).replace('    runs-on: ubuntu-latest\n', '    runs-on: ubuntu-latest\n    permissions:\n      pull-requests: write # comments\n');
    expect(fixed(input, ID)).toBe(input.replace('      pull-requests: write # comments\n', '      pull-requests: write # comments\n      id-token: write\n      contents: read\n'));
  });

  test('a workflow-level block is copied into the new job block', () => {
    const out = fixed(job(['permissions:', '  packages: write', '  contents: write']), ID);
    expect(out).toContain(lines('    permissions:', '      packages: write', '      contents: write', '      id-token: write'));
  });

  test('read-all is expanded; write-all needs nothing', () => {
    expect(fixed(job(['permissions: write-all']), ID)).toBe(job(['permissions: write-all']));
    const out = fixed(job(['permissions: read-all']), ID);
    expect(out).toContain('      statuses: read\n      id-token: write\n');
  });

  test('id-token: read becomes write', () => {
    const input = job([]).replace('    runs-on: ubuntu-latest\n', '    runs-on: ubuntu-latest\n    permissions:\n      id-token: read\n      contents: read\n');
    expect(fixed(input, ID)).toBe(input.replace('id-token: read', 'id-token: write'));
  });

  test('scopes that known actions need are kept in a new block', () => {
    const input = job([]) + lines('      - uses: peter-evans/create-pull-request@v6');
    expect(fixed(input, ID)).toContain(lines('    permissions:', '      contents: write', '      pull-requests: write', '      id-token: write'));
  });
});

describe('oidc-auth: env keys', () => {
  test('step env keys become a configure step before the step; region value copied', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: npx cdk deploy',
      '        env:',
      '          AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}',
      '          AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
      '          AWS_DEFAULT_REGION: eu-west-1',
    );
    expect(fixed(input, ID)).toBe(lines(
      'on: push',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    permissions:',
      '      id-token: write',
      '      contents: read',
      '    steps:',
      '      - name: Configure AWS credentials (OIDC)',
      '        uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: ${{ vars.AWS_ROLE_ARN }}',
      '          role-session-name: GitHubActions-deploy',
      '          aws-region: eu-west-1',
      '      - run: npx cdk deploy',
      '        env:',
      '          AWS_DEFAULT_REGION: eu-west-1',
    ));
  });

  test('a cross-account key step is left to role-chaining', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  prod:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          aws-access-key-id: ${{ secrets.K }}',
      '          aws-secret-access-key: ${{ secrets.S }}',
      '          role-to-assume: arn:aws:iam::${{ secrets.PROD_ACCOUNT_ID }}:role/deploy',
      '          aws-region: us-east-1',
    );
    expect(fixText(input, ID).findings).toEqual([]);
  });
});

describe('oidc-auth: workflow-level key env', () => {
  test('a job that already has a configure step before its AWS calls gets no second one', () => {
    const input = lines(
      'on: push',
      'env:',
      '  AWS_REGION: us-east-1',
      '  AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    permissions:',
      '      id-token: write',
      '      contents: read',
      '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::123456789012:role/deploy',
      '          aws-region: eu-west-1',
      '      - run: npx cdk deploy --all',
    );
    expect(fixed(input, ID)).toBe(input.replace('  AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}\n', ''));
  });
});
