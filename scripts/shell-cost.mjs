#!/usr/bin/env node
/**
 * The cost of reading `run:` scripts with tree-sitter-bash (issue 15) next to
 * the hand-written reader it replaced (kept for the differential test in
 * __tests__/legacy/script-reader.ts), over the bench mix (the workflow files
 * of ../shared/corpus/{seed,real,real2,synth}).
 *   1. Every file is processed once by the built engine with all transforms;
 *      the facts cache then holds every script text the transforms read
 *      (inputs, and the intermediate and final texts the fixes produce): a
 *      run reads each of them once.
 *   2. Those scripts are read again, uncached, by each reader in turn
 *      (ROUNDS interleaved rounds, the fastest kept).
 *   3. The grammar's one-off load (wasm) is timed in a fresh process.
 * Prints JSON: { scripts, chars, treeSitterMs, legacyMs, loadMs }.
 * Usage: node scripts/shell-cost.mjs   (after `npm run build`; scripts/bench.mjs calls it)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CORPUS = resolve(ROOT, '../shared/corpus');
const ROUNDS = 5;
const dist = (p) => pathToFileURL(join(ROOT, 'dist', p)).href;

if (!existsSync(join(ROOT, 'dist/transforms/index.js'))) throw new Error('run `npm run build` first');

// The legacy reader is test code: compile it (and what it imports) to a temporary directory.
const out = mkdtempSync(join(tmpdir(), 'wf-fix-legacy-reader-'));
try {
  execFileSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '--outDir', out, '--rootDir', ROOT, '--module', 'NodeNext', '--moduleResolution', 'NodeNext',
    '--target', 'ES2022', '--skipLibCheck', '--types', 'node', join(ROOT, '__tests__/legacy/script-reader.ts')], { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
  const { legacyAnalyseScript } = await import(pathToFileURL(join(out, '__tests__/legacy/script-reader.js')).href);
  const { processText } = await import(dist('src/workflow/engine.js'));
  const { defaultConfig } = await import(dist('src/config.js'));
  const { TRANSFORMS } = await import(dist('transforms/index.js'));
  const { cachedScripts, readScript } = await import(dist('transforms/shell/syntax.js'));

  for (const d of ['seed', 'real', 'real2', 'synth']) {
    const dir = join(CORPUS, d);
    if (!existsSync(dir)) continue;
    for (const f of readdirSync(dir).sort()) {
      if (!/\.ya?ml$/.test(f)) continue;
      processText(readFileSync(join(dir, f), 'utf8'), { config: defaultConfig(), transforms: TRANSFORMS, file: f, bashCheck: false });
    }
  }
  const scripts = cachedScripts();
  const time = (read) => {
    const t0 = performance.now();
    for (const s of scripts) read(s);
    return performance.now() - t0;
  };
  let treeSitterMs = Infinity;
  let legacyMs = Infinity;
  for (let r = 0; r < ROUNDS; r++) {
    treeSitterMs = Math.min(treeSitterMs, time(readScript));
    legacyMs = Math.min(legacyMs, time(legacyAnalyseScript));
  }
  const load = `const t0 = performance.now(); const m = await import(${JSON.stringify(dist('transforms/shell/syntax.js'))}); await m.bashGrammarReady; process.stdout.write(String(performance.now() - t0));`;
  const loadMs = Number(execFileSync(process.execPath, ['--input-type=module', '-e', load], { encoding: 'utf8' }));
  const chars = scripts.reduce((n, s) => n + s.length, 0);
  process.stdout.write(JSON.stringify({ scripts: scripts.length, chars, treeSitterMs, legacyMs, loadMs }) + '\n');
} finally {
  rmSync(out, { recursive: true, force: true });
}
