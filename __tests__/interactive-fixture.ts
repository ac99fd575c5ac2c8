/** The workflow the --interactive tests review. */
import { lines } from './helpers.js';

/**
 * Four fixable findings; strict-shell shows up only once deploy-retry made the last script multi-line (a
 * reusable workflow gets the inline retry function: the caller's checkout may not hold retry.sh).
 */
export const REVIEW_WORKFLOW = lines(
  'name: deploy',
  'on: workflow_call',
  'jobs:',
  '  deploy:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - uses: actions/checkout@v4',
  '      - uses: aws-actions/configure-aws-credentials@v4',
  '        with:',
  '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}',
  '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
  '          aws-region: us-east-1',
  '      - run: echo "title ${{ github.event.head_commit.message }}"',
  '      - run: npx cdk deploy --all --require-approval never',
);
