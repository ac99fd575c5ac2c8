/**
 * Big files are diffed on unique-line anchors (patience) with Myers between
 * them: same patch as jsdiff on ordinary edits, linear-ish on a 3 MB file
 * with thousands of fixes (Myers alone took minutes), and `git apply` takes it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { applyPatch, createTwoFilesPatch } from 'diff';
import { regionPatch, unifiedDiff } from '../src/diff.js';
import { tempDir } from './helpers.js';

const edited = fc.record({
  lines: fc.array(fc.constantFrom('a', 'b', 'steps:', '  - run: x', 'jobs:', '', '# c'), { minLength: 0, maxLength: 40 }),
  edits: fc.array(fc.record({ at: fc.nat(), del: fc.nat({ max: 3 }), ins: fc.array(fc.constantFrom('new', 'a', 'x: 1'), { maxLength: 3 }) }), { maxLength: 5 }),
  finalNewline: fc.tuple(fc.boolean(), fc.boolean()),
  crlf: fc.boolean(),
}).map(({ lines, edits, finalNewline, crlf }) => {
  const after: string[] = [...lines];
  for (const e of edits) after.splice(e.at % (after.length + 1), e.del, ...e.ins);
  const join = (ls: string[], nl: boolean) => {
    const t = ls.join('\n') + (nl && ls.length ? '\n' : '');
    return crlf ? t.replace(/\n/g, '\r\n') : t;
  };
  return { before: join(lines, finalNewline[0]), after: join(after, finalNewline[1]) };
});

describe('region diff', () => {
  test('applies to give the new text (random edits, CRLF, missing final newline)', () => {
    fc.assert(fc.property(edited, ({ before, after }) => {
      if (before === after) return;
      expect(applyPatch(before, regionPatch('a/x', 'b/x', before, after))).toBe(after);
    }), { seed: 7, numRuns: 500 });
  });

  test('same patch as jsdiff when lines are distinct', () => {
    const before = Array.from({ length: 300 }, (_, i) => `line ${i}\n`).join('');
    const after = before.replace('line 10\n', 'line 10\nnew\n').replace('line 200\n', '').replace('line 299\n', 'line 299');
    expect(regionPatch('a/x', 'b/x', before, after)).toBe(createTwoFilesPatch('a/x', 'b/x', before, after, undefined, undefined, { context: 3 }));
  });

  test('a 3 MB file with 4,250 changes: fast, and git apply reproduces it', () => {
    const job = (i: number, fixed: boolean) => [
      `  job${i}:`, '    runs-on: ubuntu-latest', '    steps:',
      ...(fixed ? ['      - run: |', '          set -euo pipefail', '          npm ci'] : ['      - run: |', '          npm ci']),
      ...Array.from({ length: 8 }, (_, k) => `          echo ${k} ${'x'.repeat(20)}`),
    ];
    const lines = (fixed: boolean) => ['on: push', 'jobs:', ...Array.from({ length: 8_500 }, (_, i) => job(i, fixed && i % 2 === 0)).flat()].join('\n') + '\n';
    const before = lines(false);
    const after = lines(true);
    expect(before.length).toBeGreaterThan(3 * 1024 * 1024);
    const t0 = Date.now();
    const patch = unifiedDiff('w.yml', before, after);
    const ms = Date.now() - t0;
    expect(ms).toBeLessThan(5000);
    process.stdout.write(`region diff of a ${(before.length / 2 ** 20).toFixed(1)} MB file with 4,250 changes: ${ms} ms\n`);
    const dir = tempDir('wf-fix-diff-');
    writeFileSync(join(dir, 'w.yml'), before);
    writeFileSync(join(dir, 'fix.patch'), patch);
    execFileSync('git', ['apply', 'fix.patch'], { cwd: dir });
    expect(readFileSync(join(dir, 'w.yml'), 'utf8')).toBe(after);
  }, 60_000);
});
