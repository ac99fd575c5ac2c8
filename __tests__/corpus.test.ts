/**
 * Corpus test over ../shared/corpus (real public workflows, read-only):
 * no crash; changed files still parse; a second run changes nothing; files
 * with nothing to fix and every non-workflow are byte-identical; CRLF, BOM
 * and a missing final newline preserved; actionlint reports no new errors.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../src/config.js';
import { processText } from '../src/workflow/engine.js';
import { parseYaml } from '../src/yaml.js';
import { TRANSFORMS } from '../transforms/index.js';
import { lint } from './actionlint.js';
import { CORPUS } from './helpers.js';

const FOLDERS = ['seed', 'real', 'real2', 'synth'];
const present = existsSync(CORPUS);
const files = present
  ? FOLDERS.flatMap((d) => readdirSync(join(CORPUS, d)).filter((f) => /\.ya?ml$/.test(f)).sort().map((f) => `${d}/${f}`))
  : [];

if (!present) {
  // eslint-disable-next-line no-console
  console.warn(`corpus test skipped: ${CORPUS} not found (clone the project with ../shared beside it)`);
}

/** Messages in `after` that `before` does not have (as a multiset). */
function newMessages(before: string[], after: string[]): string[] {
  const left = new Map<string, number>();
  for (const m of before) left.set(m, (left.get(m) ?? 0) + 1);
  return after.filter((m) => {
    const n = left.get(m) ?? 0;
    if (n > 0) { left.set(m, n - 1); return false; }
    return true;
  });
}

const run = (text: string) => processText(text, { config: defaultConfig(), transforms: TRANSFORMS, file: 'corpus.yml' });

const stats = { files: 0, changed: 0, skipped: 0, errors: 0, findings: {} as Record<string, number> };

(present ? describe : describe.skip)('corpus', () => {
  afterAll(() => {
    // eslint-disable-next-line no-console
    console.log(`corpus: ${JSON.stringify(stats)}`);
  });

  test.each(files)('%s', async (name) => {
    const raw = readFileSync(join(CORPUS, name), 'utf8');
    const once = run(raw);
    stats.files++;
    for (const f of once.findings) stats.findings[f.ruleId] = (stats.findings[f.ruleId] ?? 0) + 1;
    if (once.status !== 'changed') {
      expect(once.output).toBe(raw);
      if (once.status === 'skipped') stats.skipped++;
      if (once.status === 'error') {
        stats.errors++;
        // Only files that are not valid YAML may fail, and with a reason.
        expect(parseYaml(raw).errors.length).toBeGreaterThan(0);
        expect(once.reason).toMatch(/invalid YAML/);
      }
      return;
    }
    stats.changed++;
    expect(parseYaml(once.output).errors).toEqual([]);
    const twice = run(once.output);
    expect(twice.status).toBe('unchanged');
    expect(twice.output).toBe(once.output);
    // Byte conventions preserved.
    expect(once.output.startsWith('\uFEFF')).toBe(raw.startsWith('\uFEFF'));
    expect(once.output.endsWith('\n')).toBe(raw.endsWith('\n'));
    const crlf = (s: string) => (s.match(/\r\n/g) ?? []).length === (s.match(/\n/g) ?? []).length && s.includes('\r\n');
    expect(crlf(once.output)).toBe(crlf(raw));
    const added = newMessages(await lint(raw, name), await lint(once.output, name));
    expect(added).toEqual([]);
  });
});
