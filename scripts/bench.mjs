#!/usr/bin/env node
/**
 * `npm run bench` (not a test): wall time, CPU time and peak RSS of
 * `wf-fix --check` over synthetic repositories built from ../shared/corpus,
 * with --jobs 1 and --jobs 2, next to
 *   - the floor: the same files read and yaml.parseDocument'ed in one node process;
 *   - jscodeshift running an identity transform (returns undefined without
 *     parsing) over the same directory: its runner's file walking, worker
 *     start-up and file reading, i.e. the cost of the jscodeshift harness alone.
 * Usage: node scripts/bench.mjs [--sizes 100x10,1000x10] [--keep] [--cli dist/bin/wf-fix.js] [--no-jscodeshift]
 *   --cli: the wf-fix build to measure; --base-cli: an earlier build (a copy of dist/) measured
 *   next to it, interleaved, in the same run.
 * Each measurement runs the command as a child under /usr/bin/time -v.
 * Last, scripts/shell-cost.mjs: what reading scripts with tree-sitter-bash costs
 * next to the hand-written reader it replaced, as a share of the --jobs 1 run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpus, tmpdir } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { NODE_ESM_BUNDLE } from './esbuild-options.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = resolve(ROOT, '../shared/corpus');
const JSCODESHIFT = join(ROOT, 'node_modules/jscodeshift/bin/jscodeshift.js');

const argv = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : dflt;
};
const sizes = opt('--sizes', '100x10,1000x10').split(',').map((s) => s.split('x').map(Number));
const keep = argv.includes('--keep');
const CLI = resolve(opt('--cli', join(ROOT, 'dist/bin/wf-fix.js')));
const BASE_CLI = opt('--base-cli') && resolve(opt('--base-cli'));
const withJscodeshift = !argv.includes('--no-jscodeshift');

if (!existsSync(CLI)) throw new Error('run `npm run build` first');
if (!existsSync('/usr/bin/time')) throw new Error('/usr/bin/time is missing: apt-get install -y time');

/** Corpus workflows (and the non-workflows wf-fix must skip), in a fixed order. */
function corpusFiles() {
  const out = [];
  for (const d of ['seed', 'real', 'real2', 'synth']) {
    const dir = join(CORPUS, d);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) if (/\.ya?ml$/.test(f)) out.push(join(dir, f));
  }
  if (!out.length) throw new Error(`no corpus at ${CORPUS}`);
  return out;
}

function buildRepos(base, repos, perRepo, corpus) {
  const list = [];
  for (let r = 0; r < repos; r++) {
    const wf = join(base, `repo-${String(r).padStart(4, '0')}`, '.github', 'workflows');
    mkdirSync(wf, { recursive: true });
    for (let k = 0; k < perRepo; k++) {
      const src = corpus[(r * perRepo + k) % corpus.length];
      const dst = join(wf, `w${k}.yml`);
      copyFileSync(src, dst);
      list.push(dst);
    }
  }
  return list;
}

const FLOOR = `
import { readFileSync } from 'node:fs';
import { parseDocument } from 'yaml';
const files = readFileSync(process.argv[2], "utf8").split('\\n').filter(Boolean);
let n = 0;
for (const f of files) { const doc = parseDocument(readFileSync(f, 'utf8')); n += doc.errors.length; }
process.stdout.write(String(n));
`;

/** Run under /usr/bin/time -v; returns wall, cpu (user+sys) seconds and peak RSS (MB, the largest process). */
function measure(cmd, args, cwd) {
  const r = spawnSync('/usr/bin/time', ['-v', cmd, ...args], { cwd, encoding: 'utf8', maxBuffer: 1 << 30, env: { ...process.env, CI: '1', NO_COLOR: '1' } });
  const get = (re) => {
    const m = re.exec(r.stderr);
    return m ? m[1] : undefined;
  };
  const wallText = get(/Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)/) ?? '0';
  const wall = wallText.split(':').reduce((acc, p) => acc * 60 + Number(p), 0);
  const cpu = Number(get(/User time \(seconds\): ([\d.]+)/)) + Number(get(/System time \(seconds\): ([\d.]+)/));
  const rss = Number(get(/Maximum resident set size \(kbytes\): (\d+)/)) / 1024;
  const exit = Number(get(/Exit status: (\d+)/));
  return { wall, cpu, rss, exit, stderrTail: r.stderr.split('\n').slice(-40, -24).join('\n') };
}

const fmt = (n, d = 2) => n.toFixed(d);
const BUNDLED_FLOOR = 'floor, yaml as wf-fix bundles it';
const rows = [];
const corpus = corpusFiles();
const identity = join(tmpdir(), 'wf-fix-bench-identity.cjs');
writeFileSync(identity, 'module.exports = function identity() { return undefined; };\n');
const floorScript = join(ROOT, 'node_modules', '.wf-fix-bench-floor.mjs'); // inside the project, so `yaml` resolves
writeFileSync(floorScript, FLOOR);
// The same floor with yaml as the CLI bundle has it (no process.env read per token: scripts/yaml-debug-log-off.mjs),
// so the ratios can also be read against a parse as cheap as wf-fix's own.
const bundledFloor = join(ROOT, 'node_modules', '.wf-fix-bench-floor-bundled.mjs');
await build({ ...NODE_ESM_BUNDLE, entryPoints: [floorScript], outfile: bundledFloor });

for (const [repos, perRepo] of sizes) {
  const base = mkdtempSync(join(tmpdir(), 'wf-fix-bench-'));
  const files = buildRepos(base, repos, perRepo, corpus);
  const listFile = join(base, 'files.txt');
  writeFileSync(listFile, files.join('\n') + '\n');
  const n = files.length;
  const runs = [
    ['floor (read + parseDocument)', process.execPath, [floorScript, listFile]],
    [BUNDLED_FLOOR, process.execPath, [bundledFloor, listFile]],
    ...(BASE_CLI ? [['base --check --jobs 1', process.execPath, [BASE_CLI, '--check', '--jobs', '1', '.']]] : []),
    ['wf-fix --check --jobs 1', process.execPath, [CLI, '--check', '--jobs', '1', '.']],
    ...(BASE_CLI ? [['base --check --jobs 2', process.execPath, [BASE_CLI, '--check', '--jobs', '2', '.']]] : []),
    ['wf-fix --check --jobs 2', process.execPath, [CLI, '--check', '--jobs', '2', '.']],
    ['jscodeshift identity --cpus 1', process.execPath, [JSCODESHIFT, '-t', identity, '--extensions=yml,yaml', '--parser=babel', '--cpus=1', '--silent', '--ignore-pattern=files.txt', '.']],
    ['jscodeshift identity --cpus 2', process.execPath, [JSCODESHIFT, '-t', identity, '--extensions=yml,yaml', '--parser=babel', '--cpus=2', '--silent', '--ignore-pattern=files.txt', '.']],
  ].filter(([name]) => withJscodeshift || !name.startsWith('jscodeshift'));
  for (const [name, cmd, args] of runs) {
    const m = measure(cmd, args, base);
    rows.push({ files: n, name, ...m });
    process.stderr.write(`${n} files  ${name}: wall ${fmt(m.wall)} s, cpu ${fmt(m.cpu)} s, peak RSS ${fmt(m.rss, 0)} MB, exit ${m.exit}\n`);
  }
  if (keep) process.stderr.write(`kept ${base}\n`);
  else rmSync(base, { recursive: true, force: true });
}
rmSync(floorScript, { force: true });
rmSync(bundledFloor, { force: true });

const out = ['| files | command | wall s | cpu s | peak RSS MB | ms/file (wall) | wall / floor |', '|---:|---|---:|---:|---:|---:|---:|'];
for (const r of rows) {
  const floor = rows.find((x) => x.files === r.files && x.name.startsWith('floor'));
  out.push(`| ${r.files} | ${r.name} | ${fmt(r.wall)} | ${fmt(r.cpu)} | ${fmt(r.rss, 0)} | ${fmt((r.wall * 1000) / r.files, 2)} | ${fmt(r.wall / floor.wall, 1)}x |`);
}
const j = (n, k) => rows.find((r) => r.files === n && r.name === `wf-fix --check --jobs ${k}`);
const sizesN = [...new Set(rows.map((r) => r.files))];
out.push('', `machine: ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), node ${process.version}`);
for (const n of sizesN) {
  const floor = rows.find((x) => x.files === n && x.name.startsWith('floor'));
  const bundled = rows.find((x) => x.files === n && x.name === BUNDLED_FLOOR);
  out.push(`${n} files: sequential wall / floor = ${fmt(j(n, 1).wall / floor.wall, 2)} (target <= 2.5, stretch 2.0; against the floor with yaml as bundled ${fmt(j(n, 1).wall / bundled.wall, 2)}); jobs 1 / jobs 2 = ${fmt(j(n, 1).wall / j(n, 2).wall, 2)} (target >= 1.6); peak RSS jobs 1 / 2 = ${fmt(j(n, 1).rss, 0)} / ${fmt(j(n, 2).rss, 0)} MB (target <= 300 at 10,000)`);
}
if (sizesN.length > 1) {
  const [a, b] = [sizesN[0], sizesN[sizesN.length - 1]];
  out.push(`per-file cost (jobs 1) at ${b} / at ${a} = ${fmt((j(b, 1).wall / b) / (j(a, 1).wall / a), 2)} (target <= 1.2)`);
}

// Issue 15: the cost of the tree-sitter-bash reader over the same mix (each distinct script is read once a process).
const shell = JSON.parse(execFileSync(process.execPath, [join(ROOT, 'scripts/shell-cost.mjs')], { encoding: 'utf8' }));
const last = j(sizesN[sizesN.length - 1], 1);
const extraS = (shell.treeSitterMs - shell.legacyMs + shell.loadMs) / 1000;
out.push(`shell reader over ${shell.scripts} distinct scripts (${shell.chars} chars): tree-sitter-bash ${fmt(shell.treeSitterMs, 0)} ms + grammar load ${fmt(shell.loadMs, 0)} ms, hand-written reader ${fmt(shell.legacyMs, 0)} ms; `
  + `the switch costs ${fmt(extraS, 2)} s = ${fmt((100 * extraS) / last.cpu, 1)}% of the --jobs 1 CPU (${fmt((100 * extraS) / last.wall, 1)}% of its wall) at ${last.files} files (target <= 5%)`);

// A single-file dry run (issue 14: under 0.5 s wall): examples/cdk-pipeline, as a user runs it, interleaved
// with the unbundled entry (dist/src/cli.js, the modules tsc writes) and --base-cli, 11 runs each.
const SINGLE_RUNS = 11;
const singles = [['wf-fix (bundle)', CLI], ['dist/src/cli.js (modules)', join(ROOT, 'dist/src/cli.js')], ...(BASE_CLI ? [['base', BASE_CLI]] : [])];
const singleWalls = singles.map(() => []);
for (let i = 0; i < SINGLE_RUNS; i++) {
  singles.forEach(([, cli], k) => {
    const t = process.hrtime.bigint();
    spawnSync(process.execPath, [cli, 'examples/cdk-pipeline'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26, env: { ...process.env, CI: '1', NO_COLOR: '1' } });
    singleWalls[k].push(Number(process.hrtime.bigint() - t) / 1e9);
  });
}
out.push(`single-file dry run (examples/cdk-pipeline), ${SINGLE_RUNS} runs: ` + singles.map(([name], k) => {
  const w = [...singleWalls[k]].sort((a, b) => a - b);
  return `${name} median ${fmt(w[w.length >> 1])} s, max ${fmt(w[w.length - 1])} s`;
}).join('; ') + ' (target < 0.5 s)');
process.stdout.write(out.join('\n') + '\n');
