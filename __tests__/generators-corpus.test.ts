/**
 * Corpus check over ../shared/corpus/ts (real public generator sources,
 * read-only): no crash, every output still parses (TypeScript), idempotent,
 * files without fixes byte-identical. Prints what each file got.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { defaultConfig } from '../src/config.js';
import { sourceTransformFor } from '../src/generators/process.js';
import { parseError, runSourceTransform } from '../transforms/generators/shared.js';
import { CORPUS } from './helpers.js';

const DIR = join(CORPUS, 'ts');
const present = existsSync(join(DIR, 'MANIFEST.tsv'));
if (!present) console.warn(`generator corpus not found at ${DIR}: corpus test skipped`);
const files = present ? readdirSync(DIR).filter((f) => /\.(ts|js)$/.test(f)).sort() : [];

/** TypeScript's own syntax check (transpile diagnostics). */
function tsSyntaxErrors(text: string, file: string): string[] {
  const r = ts.transpileModule(text, { fileName: file, reportDiagnostics: true, compilerOptions: { allowJs: true } });
  return (r.diagnostics ?? []).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

/** What each file is expected to get (fixed / reported findings). */
const EXPECTED: Record<string, { changed: boolean; fixed: number; reported: number }> = {
  '001.ts': { changed: true, fixed: 2, reported: 0 },
  '003.ts': { changed: true, fixed: 1, reported: 0 },
  '005.ts': { changed: true, fixed: 1, reported: 0 },
  '006.ts': { changed: true, fixed: 1, reported: 0 },
  '007.ts': { changed: true, fixed: 3, reported: 0 },
  '008.ts': { changed: true, fixed: 1, reported: 0 },
  '010.js': { changed: false, fixed: 0, reported: 1 },
  '011.ts': { changed: true, fixed: 1, reported: 0 },
  '014.ts': { changed: false, fixed: 0, reported: 1 },
  '015.ts': { changed: false, fixed: 0, reported: 0 },
  '017.ts': { changed: false, fixed: 0, reported: 0 },
  '018.ts': { changed: false, fixed: 0, reported: 0 },
  '019.ts': { changed: true, fixed: 1, reported: 0 },
  '022.ts': { changed: false, fixed: 0, reported: 0 },
  '023.ts': { changed: false, fixed: 0, reported: 1 }, // access keys passed to a docker-ecr-login action: report only
  '024.ts': { changed: false, fixed: 0, reported: 0 },
  '028.js': { changed: false, fixed: 0, reported: 1 },
  '029.ts': { changed: false, fixed: 0, reported: 0 },
  '032.ts': { changed: true, fixed: 1, reported: 0 },
  '035.js': { changed: true, fixed: 2, reported: 0 },
  '036.ts': { changed: true, fixed: 2, reported: 0 },
  '037.ts': { changed: false, fixed: 0, reported: 2 }, // expected-YAML step objects in the library's tests: no job to grant id-token
  '039.ts': { changed: false, fixed: 0, reported: 0 },
  '041.ts': { changed: true, fixed: 2, reported: 1 },
};

const summary: string[] = [];
afterAll(() => {
  if (summary.length) console.log(`generator corpus (${summary.length} files):\n${summary.join('\n')}`);
});

(present ? describe : describe.skip)('generator source corpus', () => {
  test.each(files)('%s', (file) => {
    const text = readFileSync(join(DIR, file), 'utf8');
    const { transform } = sourceTransformFor(text);
    const config = defaultConfig();
    const out = runSourceTransform(transform, text, file, config);
    expect(out.reason).toBeUndefined();
    expect(out.status).not.toBe('error');
    // Still parses: jscodeshift (ts / babel) and TypeScript's own parser, no new syntax errors.
    expect(parseError(out.output, file)).toBeUndefined();
    expect(tsSyntaxErrors(out.output, file)).toEqual(tsSyntaxErrors(text, file));
    // Idempotent.
    const again = runSourceTransform(transform, out.output, file, config);
    expect(again.output).toBe(out.output);
    expect(again.findings.filter((f) => f.fixed)).toEqual([]);
    const fixed = out.findings.filter((f) => f.fixed);
    const reported = out.findings.filter((f) => !f.fixed);
    // Nothing fixed: byte-identical.
    if (!fixed.length) expect(out.output).toBe(text);
    expect({ changed: out.output !== text, fixed: fixed.length, reported: reported.length }).toEqual(EXPECTED[file]);
    summary.push(`${file}\t${transform.meta.id}\t${out.output !== text ? 'changed' : 'unchanged'}\t`
      + `${[...fixed.map((f) => `fixed: ${f.message}`), ...reported.map((f) => `reported: ${f.message}${f.skippedBecause ? ` (${f.skippedBecause})` : ''}`)].join(' | ') || 'nothing found'}`);
  });
});
