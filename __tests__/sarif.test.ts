/** --format sarif: schema-valid SARIF 2.1.0, one rule per transform, locations, and fixes that reproduce --write. */
import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import addFormats from 'ajv-formats';
import { changeBlocks, replacementOf, sarifLog, type SarifReplacement } from '../src/report/sarif.js';
import { unifiedDiff } from '../src/diff.js';
import { TRANSFORMS } from '../transforms/index.js';
import { CORPUS, fixText, lines, runCli, tempDir } from './helpers.js';
import { keysWorkflow, makeRepo } from './repos.js';

const require = createRequire(import.meta.url);
/** The official SARIF 2.1.0 (rtm.5) JSON schema, as shipped by @microsoft/jest-sarif. */
const SCHEMA = JSON.parse(readFileSync(require.resolve('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json'), 'utf8'));
// The official schema has a pattern that is not a valid unicode regexp, hence unicodeRegExp: false.
const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
addFormats.default(ajv);
const validate = ajv.compile(SCHEMA);

const WF = '.github/workflows/deploy.yml';

/** Apply SARIF replacements (1-based line/column regions, end exclusive) to a text. */
function applyReplacements(text: string, reps: SarifReplacement[]): string {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') starts.push(i + 1);
  const offset = (line: number, col: number) => (line - 1 < starts.length ? starts[line - 1]! : text.length) + col - 1;
  const spans = reps.map((r) => ({
    from: offset(r.deletedRegion.startLine, r.deletedRegion.startColumn),
    to: offset(r.deletedRegion.endLine, r.deletedRegion.endColumn),
    text: r.insertedContent?.text ?? '',
  })).sort((a, b) => b.from - a.from);
  let out = text;
  for (const s of spans) out = out.slice(0, s.from) + s.text + out.slice(s.to);
  return out;
}

describe('--format sarif', () => {
  test('is valid against the SARIF 2.1.0 schema, with one rule per transform and results with physical locations', () => {
    const base = tempDir('wf-fix-sarif-');
    const dir = makeRepo(base, 'app', { [WF]: keysWorkflow(), '.github/workflows/broken.yml': 'on: [\n' });
    const r = runCli(['--format', 'sarif', '--only', 'oidc-auth', '.'], dir);
    expect(r.status).toBe(2); // broken.yml cannot be parsed
    const log = JSON.parse(r.stdout);
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    const run = log.runs[0];
    expect(run.tool.driver.rules.map((x: { id: string }) => x.id)).toEqual(TRANSFORMS.map((t) => t.meta.id));
    const oidc = run.tool.driver.rules[0];
    expect(oidc.help.text).toContain('FIXES.md section 1. Long-lived keys -> OIDC (oidc-auth)');
    expect(oidc.defaultConfiguration.level).toBe('error');
    expect(run.results).toHaveLength(1);
    const res = run.results[0];
    expect(res).toMatchObject({ ruleId: 'oidc-auth', ruleIndex: 0, level: 'error' });
    expect(res.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: WF, uriBaseId: 'SRCROOT' }, region: { startLine: 7, startColumn: 9 } });
    expect(run.originalUriBaseIds.SRCROOT.uri).toMatch(/^file:\/\/\/.*\/app\/$/);
    expect(res.fixes[0].artifactChanges[0].artifactLocation.uri).toBe(WF);
    // The fix reproduces --write.
    const original = keysWorkflow();
    const expected = fixText(original, ['oidc-auth']).output;
    expect(applyReplacements(original, res.fixes[0].artifactChanges[0].replacements)).toBe(expected);
    // The broken file is a tool notification, not a result.
    const note = run.invocations[0].toolExecutionNotifications[0];
    expect(run.invocations[0].executionSuccessful).toBe(false);
    expect(note.level).toBe('error');
    expect(note.locations[0].physicalLocation.artifactLocation.uri).toBe('.github/workflows/broken.yml');
  });

  test('several repositories: uris relative to the current directory; still schema-valid', () => {
    const base = tempDir('wf-fix-sarif-multi-');
    makeRepo(base, 'one', { [WF]: keysWorkflow('one') });
    makeRepo(base, 'two', { [WF]: keysWorkflow('two') });
    const r = runCli(['--format', 'sarif', '--only', 'oidc-auth', '.'], base);
    const log = JSON.parse(r.stdout);
    expect(validate(log) ? [] : validate.errors).toEqual([]);
    expect(log.runs[0].results.map((x: { locations: { physicalLocation: { artifactLocation: { uri: string } } }[] }) => x.locations[0]!.physicalLocation.artifactLocation.uri))
      .toEqual([`one/${WF}`, `two/${WF}`]);
  });
});

describe('fixes from diff hunks', () => {
  test('insertion, deletion and a last line without newline become line/column replacements', () => {
    const before = lines('a', 'b', 'c').slice(0, -1); // no final newline
    const after = 'a\nx\nb\ncc';
    const blocks = changeBlocks(unifiedDiff('f.yml', before, after));
    expect(blocks.map(replacementOf)).toEqual([
      { deletedRegion: { startLine: 2, startColumn: 1, endLine: 2, endColumn: 1 }, insertedContent: { text: 'x\n' } },
      { deletedRegion: { startLine: 3, startColumn: 1, endLine: 3, endColumn: 2 }, insertedContent: { text: 'cc' } },
    ]);
    expect(applyReplacements(before, blocks.map(replacementOf))).toBe(after);
  });

  test('over every changed corpus file, the results\' fixes together reproduce the fixed output (CRLF, BOM, no final newline)', () => {
    let dir: string;
    try {
      readdirSync(join(CORPUS, 'real'));
      dir = join(CORPUS, 'real');
    } catch {
      console.warn(`corpus not found at ${CORPUS}: skipped`);
      return;
    }
    let checked = 0;
    for (const name of readdirSync(dir).filter((f) => /\.ya?ml$/.test(f)).sort()) {
      const original = readFileSync(join(dir, name), 'utf8');
      const out = fixText(original);
      if (out.status !== 'changed') continue;
      const path = `.github/workflows/${name}`;
      const file = { path, absPath: `/repo/${path}`, diff: unifiedDiff(path, original, out.output), written: false, ...out };
      const log = sarifLog({ files: [file], errors: [] }, { toolVersion: '0', transforms: TRANSFORMS, cwd: '/repo' });
      expect(validate(log) ? [] : validate.errors).toEqual([]);
      const reps = log.runs[0]!.results.flatMap((x) => ('fixes' in x ? x.fixes![0]!.artifactChanges[0]!.replacements : []));
      expect({ name, fixed: applyReplacements(original, reps) === out.output }).toEqual({ name, fixed: true });
      checked++;
    }
    expect(checked).toBeGreaterThan(5);
  });
});
