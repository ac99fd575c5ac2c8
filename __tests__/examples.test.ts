/**
 * examples/ stays in sync: each example workflow, fixed by the CLI, equals its
 * expected file. Refresh after an intended change with
 * `UPDATE_EXAMPLES=1 npm test -- examples`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli, tempDir } from './helpers.js';

const EXAMPLES = [{ dir: 'examples/cdk-pipeline', workflow: '.github/workflows/deploy.yml', expected: 'expected/deploy.yml' }];

describe.each(EXAMPLES)('$dir', ({ dir, workflow, expected }) => {
  const expectedPath = join(ROOT, dir, expected);

  test('the CLI output equals the expected file, and a second run changes nothing', () => {
    const work = tempDir();
    cpSync(join(ROOT, dir, '.github'), join(work, '.github'), { recursive: true });
    const first = runCli(['--write', '.'], work);
    expect(first.status).toBe(0);
    const out = readFileSync(join(work, workflow), 'utf8');
    if (process.env.UPDATE_EXAMPLES) writeFileSync(expectedPath, out);
    expect(existsSync(expectedPath)).toBe(true);
    expect(out).toBe(readFileSync(expectedPath, 'utf8'));
    const second = runCli(['--check', '.'], work);
    expect(second.status).toBe(0);
  });

  test('the dry run prints a patch that reproduces the expected file', () => {
    const work = tempDir();
    cpSync(join(ROOT, dir, '.github'), join(work, '.github'), { recursive: true });
    const dry = runCli(['.'], work);
    expect(dry.status).toBe(0);
    expect(dry.stdout).toMatch(/^diff --git a\/\.github\/workflows\/deploy\.yml b\/\.github\/workflows\/deploy\.yml\n/);
    writeFileSync(join(work, 'fix.patch'), dry.stdout);
    const r = spawnSync('git', ['apply', 'fix.patch'], { cwd: work, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(readFileSync(join(work, workflow), 'utf8')).toBe(readFileSync(expectedPath, 'utf8'));
  });
});
