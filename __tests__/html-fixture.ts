/** Two repositories for the HTML report tests: the bundled example, and one with a changed, a clean and a broken workflow. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, lines, tempDir } from './helpers.js';
import { CLEAN_WORKFLOW, makeRepo } from './repos.js';

/** A step name that would load a remote image if the report did not escape it. */
export const HOSTILE_NAME = '<img src="https://example.com/x.png"> & "deploy"';

export function htmlFixture(): string {
  const base = tempDir('wf-fix-html-');
  makeRepo(base, 'app', { '.github/workflows/deploy.yml': readFileSync(join(ROOT, 'examples/cdk-pipeline/.github/workflows/deploy.yml'), 'utf8') });
  makeRepo(base, 'tools', {
    '.github/workflows/ci.yml': lines(
      'on: push',
      'jobs:',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      `      - name: '${HOSTILE_NAME}'`,
      '        uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}',
      '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
      '          aws-region: us-east-1',
    ),
    '.github/workflows/clean.yml': CLEAN_WORKFLOW,
    '.github/workflows/broken.yml': 'on: [push\n',
  });
  return base;
}
