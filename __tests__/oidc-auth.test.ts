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
