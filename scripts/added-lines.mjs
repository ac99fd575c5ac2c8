#!/usr/bin/env node
/**
 * `npm run added-lines` (not a test): how much wf-fix adds to workflow files,
 * the measure of issue 13 ("reviewable diffs"). Runs the built CLI's dry run
 * (`wf-fix <dirs...>`, nothing written) over
 *   (a) examples/cdk-pipeline, and
 *   (b) the workflow files of ../shared/corpus/{seed,real,synth}, each copied
 *       into its own temporary repository (`<repo>/.github/workflows/<file>`),
 * and counts the `+` lines of the patch in workflow files. New generated
 * files (`new file mode` hunks, e.g. .github/actions/wf-fix-<id>/action.yml)
 * are counted apart: they are written once per repository and reviewed by
 * their sha256, not per workflow.
 * Prints, per set: files, changed files, input lines (all files and changed
 * files), added lines, added / input lines of the changed files (the issue's
 * figure) and of all files, the largest single-file addition, and the added lines by what
 * they are (the FIXES.md entry that asks for each, or a line a fix changed).
 * Usage: node scripts/added-lines.mjs [--json] [-- <wf-fix options, e.g. --only deploy-retry>]
 * (WF_FIX_CORPUS=<dir> reads another corpus; WF_FIX_SHOW_OTHER=1 prints the lines counted as
 * 'other' to stderr)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = resolve(process.env.WF_FIX_CORPUS ?? join(ROOT, '../shared/corpus'));
const CLI = join(ROOT, 'dist/bin/wf-fix.js');
const dashes = process.argv.indexOf('--');
const own = dashes < 0 ? process.argv.slice(2) : process.argv.slice(2, dashes);
/** Arguments after `--` go to wf-fix (e.g. `-- --only deploy-retry`). */
const cliArgs = dashes < 0 ? [] : process.argv.slice(dashes + 1);
const json = own.includes('--json');

if (!existsSync(CLI)) throw new Error('run `npm run build` first');

// The project's own recognisers of what strict-shell and deploy-retry write (the build's modules).
const dist = (p) => import(pathToFileURL(join(ROOT, 'dist', p)).href);
const { withoutLeadingSet } = await dist('src/workflow/engine.js');
const { withoutRetryFileCalls } = await dist('transforms/shell/retry.js');

const lineCount = (text) => (text === '' ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0));

/**
 * What an added workflow line is, by the FIXES.md entry that asks for it (first match wins).
 * `replaces a line` comes first: a + line in a run of - and + lines with the key (or first word) of one
 * of its - lines stands for a line the fix changed (an action's version, a script line with a retry
 * call or an env reference), not a new one.
 */
const KINDS = [
  ['set line (strict-shell, FIXES.md 8)', (l) => withoutLeadingSet(l) === ''],
  ['permissions block (oidc-auth, FIXES.md 1)', (l) => /^(permissions:|id-token: write|contents: read|[a-z-]+: (read|write))$/.test(l)],
  ['role-to-assume / session name / chaining (FIXES.md 1, 4)', (l) => /^(role-to-assume|role-session-name|role-chaining|role-duration-seconds):/.test(l)],
  ['credential step of a chain (role-chaining, FIXES.md 4)', (l) => /^(- )?(name: Configure (base )?AWS credentials|uses: aws-actions\/configure-aws-credentials|aws-region:)/.test(l)],
  ['step calling a generated action (FIXES.md 2, 3, 5, 7)', (l) => /^(- )?(uses: \.\/\.github\/actions\/wf-fix-|name: (Encrypt|Decrypt) .* with KMS|name: Discover CDK stacks|name: Roll back failed production deploy|id: cdk-stacks|mode: (en|de)crypt|path:|ciphertext-dir:|restore-path:|kms-key-alias:|assembly:|stacks:|if: \$\{\{ \(failure\(\))/.test(l)],
  ['env: entry (expression-injection, stack names; FIXES.md 9, 5)', (l) => /^(env:|[A-Z_][A-Z0-9_]*: \$\{\{.*\}\})$/.test(l)],
  ['loop over discovered stacks (stack-discovery, FIXES.md 5)', (l) => /^(mapfile -t cdk_selected |for stack_name in |done$)/.test(l)],
  ['id: of a deploy step (prod-rollback)', (l) => /^id: [\w-]+$/.test(l)],
  ['with: / blank', (l) => l === 'with:' || l === ''],
];
const REPLACES = 'replaces a line (versions, retry calls, env references, script lines)';
const OTHER = 'other (inline retry fallbacks, script lines, run: headers)';
const SHOW_OTHER = Boolean(process.env.WF_FIX_SHOW_OTHER);

/** The key of a YAML line or the first word of a script line: a + line replaces a - line of its run with the same one. */
const head = (line) => /^\s*(?:- )?([^\s:]+)/.exec(withoutRetryFileCalls(line))?.[1] ?? '';

function kindOf(line) {
  const l = line.trim();
  const kind = KINDS.find(([, test]) => test(l))?.[0] ?? OTHER;
  if (kind === OTHER && SHOW_OTHER) process.stderr.write(`${l}\n`);
  return kind;
}

/** Split a multi-file patch into per-file parts: { path, isNew, added, kinds }. */
function patchFiles(patch) {
  const out = [];
  let cur;
  /** The - lines of the current run of - and + lines not yet paired with a + line. */
  let removed = [];
  for (const line of patch.split('\n')) {
    const diffHead = /^diff --git a\/(.*) b\/(.*)$/.exec(line);
    if (diffHead) {
      cur = { path: diffHead[2], isNew: false, added: 0, kinds: {} };
      out.push(cur);
      removed = [];
      continue;
    }
    if (!cur) continue;
    if (line.startsWith('new file mode')) cur.isNew = true;
    else if (line.startsWith('-') && !line.startsWith('--- ')) removed.push(head(line.slice(1)));
    else if (line.startsWith('+') && !line.startsWith('+++ ')) {
      cur.added++;
      const at = removed.indexOf(head(line.slice(1)));
      if (at >= 0) removed.splice(at, 1);
      const kind = at >= 0 ? REPLACES : cur.isNew ? 'generated file' : kindOf(line.slice(1));
      cur.kinds[kind] = (cur.kinds[kind] ?? 0) + 1;
    } else removed = [];
  }
  return out;
}

/** Dry-run the CLI over repository directories under `base`; `inputs` maps a repository-relative workflow path to its line count. */
function measure(name, base, repos, inputs) {
  const r = spawnSync(process.execPath, [CLI, ...cliArgs, ...repos], { cwd: base, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  // 2: some file could not be processed (invalid YAML in the corpus), 3: a fix was rejected; the others still count.
  if (r.status === null || r.status > 3 || !r.stdout && r.status === 2 && !/file\(s\) scanned/.test(r.stderr)) throw new Error(`${name}: wf-fix exited ${r.status ?? r.signal ?? r.error?.message}: ${(r.stderr ?? '').slice(-2000)}`);
  const summary = /^wf-fix: .*file\(s\) scanned.*$/m.exec(r.stderr)?.[0];
  const files = patchFiles(r.stdout);
  const workflows = files.filter((f) => !f.isNew);
  const generated = files.filter((f) => f.isNew);
  const added = workflows.reduce((n, f) => n + f.added, 0);
  const changedInput = workflows.reduce((n, f) => n + (inputs.get(f.path) ?? 0), 0);
  const allInput = [...inputs.values()].reduce((a, b) => a + b, 0);
  const largest = workflows.reduce((m, f) => (f.added > (m?.added ?? -1) ? f : m), undefined);
  return {
    set: name,
    exitCode: r.status,
    summary,
    files: inputs.size,
    changedFiles: workflows.length,
    inputLines: allInput,
    changedInputLines: changedInput,
    addedLines: added,
    percentOfChanged: changedInput ? +(100 * added / changedInput).toFixed(1) : 0,
    percentOfAll: allInput ? +(100 * added / allInput).toFixed(1) : 0,
    largest: largest ? { path: largest.path, added: largest.added, inputLines: inputs.get(largest.path) ?? 0 } : undefined,
    generatedFiles: [...new Set(generated.map((f) => f.path.replace(/^[^/]+\/(?=\.github\/)/, '')))].sort(),
    generatedLines: generated.reduce((n, f) => n + f.added, 0),
    byKind: workflows.reduce((acc, f) => {
      for (const [k, n] of Object.entries(f.kinds)) acc[k] = (acc[k] ?? 0) + n;
      return acc;
    }, {}),
  };
}

const work = mkdtempSync(join(tmpdir(), 'wf-fix-added-lines-'));
const results = [];
try {
  // (a) examples/cdk-pipeline
  const example = join(work, 'cdk-pipeline');
  cpSync(join(ROOT, 'examples/cdk-pipeline/.github'), join(example, '.github'), { recursive: true });
  mkdirSync(join(example, '.git'));
  const exInputs = new Map();
  for (const f of readdirSync(join(example, '.github/workflows'))) {
    exInputs.set(`cdk-pipeline/.github/workflows/${f}`, lineCount(readFileSync(join(example, '.github/workflows', f), 'utf8')));
  }
  results.push(measure('examples/cdk-pipeline', work, ['cdk-pipeline'], exInputs));

  // (b) the corpus, one repository per workflow file
  const corpus = join(work, 'corpus');
  const inputs = new Map();
  const repos = [];
  for (const set of ['seed', 'real', 'synth']) {
    const dir = join(CORPUS, set);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).filter((n) => /\.ya?ml$/.test(n)).sort()) {
      const repo = `${set}-${f.replace(/\.ya?ml$/, '')}`;
      const text = readFileSync(join(dir, f), 'utf8');
      mkdirSync(join(corpus, repo, '.github/workflows'), { recursive: true });
      mkdirSync(join(corpus, repo, '.git'));
      writeFileSync(join(corpus, repo, '.github/workflows', f), text);
      inputs.set(`${repo}/.github/workflows/${f}`, lineCount(text));
      repos.push(repo);
    }
  }
  if (!repos.length) throw new Error(`no workflow files under ${CORPUS}/{seed,real,synth}`);
  results.push(measure('corpus (seed, real, synth)', corpus, repos, inputs));
} finally {
  rmSync(work, { recursive: true, force: true });
}

if (json) {
  process.stdout.write(JSON.stringify(results, null, 2) + '\n');
} else {
  for (const r of results) {
    console.log(`${r.set}: ${r.files} workflow file(s), ${r.changedFiles} changed (exit ${r.exitCode}; ${r.summary})`);
    console.log(`  input lines:   ${r.inputLines} (changed files: ${r.changedInputLines})`);
    console.log(`  added lines:   ${r.addedLines} to workflow files = ${r.percentOfChanged}% of the changed files' lines, ${r.percentOfAll}% of all input lines`);
    if (r.largest) console.log(`  largest:       +${r.largest.added} in ${r.largest.path} (${r.largest.inputLines} lines)`);
    console.log(`  generated:     ${r.generatedFiles.length ? r.generatedFiles.join(', ') : 'none'} (${r.generatedLines} lines over all repositories, not counted above)`);
    console.log('  added lines by what they are:');
    for (const [k, n] of Object.entries(r.byKind).sort((a, b) => b[1] - a[1])) {
      console.log(`    ${String(n).padStart(6)}  ${r.changedInputLines ? (100 * n / r.changedInputLines).toFixed(1).padStart(4) : '   0'}%  ${k}`);
    }
  }
}
