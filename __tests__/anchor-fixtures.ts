/** A workflow whose step list job b shares with job a through &steps, beside a job c with long-lived keys. */
import { lines } from './helpers.js';

export const STEPS_ANCHOR = lines(
  'on: issues',
  'jobs:',
  '  a:',
  '    runs-on: ubuntu-latest',
  '    steps: &steps',
  '      - run: echo "${{ github.event.issue.title }}"',
  '  b:',
  '    runs-on: ubuntu-latest',
  '    steps: *steps',
  '  c:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - uses: aws-actions/configure-aws-credentials@v1',
  '        with:',
  '          aws-access-key-id: ${{ secrets.K }}',
  '          aws-secret-access-key: ${{ secrets.S }}',
  '          aws-region: us-east-1',
);
