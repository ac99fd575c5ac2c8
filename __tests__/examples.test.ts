/**
 * examples/ stays in sync: each example workflow, fixed by the CLI, equals its
 * expected file. Refresh after an intended change with
 * `UPDATE_EXAMPLES=1 npm test -- examples`.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseYaml, toPlain } from '../src/yaml.js';
import { lint } from './actionlint.js';
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

describe('examples/fleet', () => {
  const file = join(ROOT, 'examples/fleet/wf-fix-fleet.yml');
  const text = readFileSync(file, 'utf8');

  test('the fleet workflow passes actionlint 1.7.7 and its scripts shellcheck -S warning', async () => {
    expect(await lint(text, 'wf-fix-fleet.yml', { at: true })).toEqual([]);
    const doc = toPlain(parseYaml(text).docs[0]!) as { jobs: Record<string, { steps: { run?: string }[] }> };
    const scripts = Object.values(doc.jobs).flatMap((j) => j.steps.map((s) => s.run).filter((r): r is string => r !== undefined));
    expect(scripts.length).toBe(3);
    for (const script of scripts) {
      // ${{ }} never appears in a script: inputs arrive through env.
      expect(script).not.toContain('${{');
      const f = join(tempDir(), 'step.sh');
      writeFileSync(f, script);
      const sc = spawnSync('shellcheck', ['-S', 'warning', '-s', 'bash', f], { encoding: 'utf8' });
      expect(sc.stdout).toBe('');
      expect(sc.status).toBe(0);
    }
  });

  test('wf-fix has nothing to fix in it', () => {
    expect(runCli(['--check', file], ROOT)).toMatchObject({ status: 0 });
  });
});
