/** Multi-repository fixtures for the bulk tests: real `git init` repositories in temp dirs. */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { lines } from './helpers.js';

export const GIT_ENV = {
  GIT_AUTHOR_NAME: 'wf-fix test',
  GIT_AUTHOR_EMAIL: 'test@example.com',
  GIT_COMMITTER_NAME: 'wf-fix test',
  GIT_COMMITTER_EMAIL: 'test@example.com',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', env: { ...process.env, ...GIT_ENV } });
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  }
}

/** A repository at base/name with the files committed (git: false = a plain directory with .github). */
export function makeRepo(base: string, name: string, files: Record<string, string>, opts: { git?: boolean } = {}): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  writeFiles(dir, files);
  if (opts.git !== false) {
    git(dir, 'init', '-q', '-b', 'main');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'initial');
  }
  return dir;
}

/** A deploy workflow with long-lived keys (oidc-auth fixes it); `tag` makes each copy distinct. */
export function keysWorkflow(tag = 'deploy'): string {
  return lines(
    `name: ${tag}`,
    'on: push',
    'jobs:',
    '  deploy:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: aws-actions/configure-aws-credentials@v4',
    '        with:',
    '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}',
    '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
    '          aws-region: us-east-1',
  );
}

export const CLEAN_WORKFLOW = lines('on: push', 'jobs:', '  test:', '    runs-on: ubuntu-latest', '    steps:', '      - run: npm test');
