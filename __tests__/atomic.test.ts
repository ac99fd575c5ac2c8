/**
 * Atomicity (issue 5): SIGKILL in the middle of `--write` over 300
 * repositories leaves every file with its old or its new content, never a
 * mix. A kill between creating a temp file and renaming it can leave that
 * temp file (named `.<file>.wf-fix-<pid>-<n>.tmp`); the next `--write`
 * removes those of dead processes, so none remain.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, lines, tempDir } from './helpers.js';

const REPOS = 300;

function workflow(i: number): string {
  const text = lines(
    `name: deploy ${i}`,
    'on: push',
    'jobs:',
    '  deploy:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    '      - uses: actions/checkout@v4',
    '      - uses: aws-actions/configure-aws-credentials@v1',
    '        with:',
    '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}',
    '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
    '          aws-region: us-east-1',
    '      - run: |',
    '          npm ci',
    `          npx cdk deploy Stack${i} --require-approval never`,
    // Big enough that a write is not a single tiny syscall.
    ...Array.from({ length: 200 }, (_, k) => `      # padding ${k} ${'x'.repeat(60)}`),
  );
  if (i % 3 === 1) return text.replace(/\n/g, '\r\n');
  if (i % 3 === 2) return '\uFEFF' + text.replace(/\n$/, '');
  return text;
}

const file = (root: string, i: number) => join(root, `repo${i}`, '.github', 'workflows', 'deploy.yml');

function setup(root: string): void {
  for (let i = 0; i < REPOS; i++) {
    mkdirSync(join(root, `repo${i}`, '.github', 'workflows'), { recursive: true });
    writeFileSync(file(root, i), workflow(i));
  }
}

/** Every wf-fix temp file below root. */
function tempFiles(root: string): string[] {
  return readdirSync(root, { recursive: true, encoding: 'utf8' }).filter((p) => /(^|\/)\.[^/]+\.wf-fix-\d+-\d+\.tmp$/.test(p));
}

function states(root: string, expected: string[]): { old: number; fixed: number; other: string[] } {
  const s = { old: 0, fixed: 0, other: [] as string[] };
  for (let i = 0; i < REPOS; i++) {
    const now = readFileSync(file(root, i), 'utf8');
    if (now === workflow(i)) s.old++;
    else if (now === expected[i]) s.fixed++;
    else s.other.push(file(root, i));
  }
  return s;
}

describe('SIGKILL during --write', () => {
  let expected: string[] = [];
  beforeAll(() => {
    // Expected outputs from an uninterrupted run.
    const ref = tempDir('wf-fix-atomic-ref-');
    setup(ref);
    const done = spawnSync(process.execPath, [CLI, '--write', '.'], { cwd: ref, encoding: 'utf8' });
    expect(done.status).toBe(0);
    expected = Array.from({ length: REPOS }, (_, i) => readFileSync(file(ref, i), 'utf8'));
  }, 60_000);

  test.each([
    ['in-process', ['--jobs', '1']],
    ['worker threads', ['--jobs', '2']],
  ])('%s: every file is old or new; leftover temp files are cleaned by the next run', async (_mode, jobs) => {
    expect(expected.every((e, i) => e !== workflow(i))).toBe(true);

    const root = tempDir('wf-fix-atomic-');
    setup(root);
    const child = spawn(process.execPath, [CLI, '--write', ...jobs, '.'], { cwd: root, stdio: 'ignore' });
    const exited = new Promise<void>((res) => child.on('exit', () => res()));
    // Kill once a few files have been written, well before the end.
    let atKill = 0;
    for (let t = 0; t < 30_000; t += 5) {
      await new Promise((r) => setTimeout(r, 5));
      atKill = 0;
      for (let i = 0; i < REPOS; i += 10) if (readFileSync(file(root, i), 'utf8') !== workflow(i)) atKill++;
      if (atKill >= 3) break;
    }
    child.kill('SIGKILL');
    await exited;

    const after = states(root, expected);
    expect(after.other).toEqual([]);
    expect(after.fixed).toBeGreaterThan(0);
    expect(after.old).toBeGreaterThan(0); // really killed mid-run
    const leftovers = tempFiles(root);
    // Only wf-fix's own temp files of the killed process may be left over.
    for (const t of leftovers) expect(t).toMatch(new RegExp(`\\.wf-fix-${child.pid}-\\d+\\.tmp$`));
    process.stdout.write(`SIGKILL after ${after.fixed}/${REPOS} files written; ${leftovers.length} temp file(s) left\n`);

    // The next run finishes the job and removes the killed run's temp files.
    const again = spawnSync(process.execPath, [CLI, '--write', '.'], { cwd: root, encoding: 'utf8' });
    expect(again.status).toBe(0);
    expect(states(root, expected)).toEqual({ old: 0, fixed: REPOS, other: [] });
    expect(tempFiles(root)).toEqual([]);
  }, 120_000);

  test('a temp file left by a killed run is removed by the next --write', () => {
    const root = tempDir('wf-fix-atomic-stale-');
    setup(root);
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    const stale = join(root, 'repo7', '.github', 'workflows', `.deploy.yml.wf-fix-${dead}-1.tmp`);
    writeFileSync(stale, workflow(7).slice(0, 100)); // a partial write
    const r = spawnSync(process.execPath, [CLI, '--write', 'repo7'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(tempFiles(root)).toEqual([]);
  });
});
