#!/usr/bin/env node
/**
 * Part of `npm run build`, after tsc: bundles the compiled CLI and its worker
 * into dist/bin/wf-fix.js and dist/bin/worker.js, the files `wf-fix` runs.
 *
 * Why: Node 20 resolves, reads and links each ES module apart (there is no
 * module compile cache before Node 22). The CLI's ~100 modules and yargs'
 * cost about 0.15 s before the first file is read; one bundled file saves
 * ~0.1 s of a single-file dry run (issue 14, `npm run bench` prints both).
 *
 * Left outside the bundle, loaded from node_modules at run time:
 *   - web-tree-sitter and tree-sitter-bash: they locate their .wasm files next to their modules;
 *   - jscodeshift and diff2html: large, loaded only for TypeScript generator sources and the HTML report.
 * The worker stays a separate file beside wf-fix.js: src/bulk/pool.ts starts `./worker.js` next to itself.
 *
 * yaml's parser reads `process.env.LOG_TOKENS` for every token and its composer `process.env.LOG_STREAM`
 * for every document (debug logging). A `process.env` read is a call into Node's C++ environment
 * lookup, not a property read: it was a third of the time a parse takes (~30% over the corpus).
 * The bundle's copy of yaml reads `false` there instead (`yamlDebugLogOff`, scripts/yaml-debug-log-off.mjs). The build
 * fails if yaml's text no longer has those reads, so an upgrade cannot drop the patch unseen.
 */
import { build } from 'esbuild';
import { chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NODE_ESM_BUNDLE } from './esbuild-options.mjs';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

await build({
  ...NODE_ESM_BUNDLE,
  entryPoints: { 'wf-fix': join(ROOT, 'dist/src/cli.js'), worker: join(ROOT, 'dist/src/bulk/worker.js') },
  outdir: join(ROOT, 'dist/bin'),
  external: ['web-tree-sitter', 'tree-sitter-bash', 'jscodeshift', 'diff2html'],
});

// The bundle is the package's bin. The unbundled entry stays runnable too: npx links made before
// the bin moved (~/.npm/_npx caches of a local clone) still point at it.
chmodSync(join(ROOT, 'dist/bin/wf-fix.js'), 0o755);
chmodSync(join(ROOT, 'dist/src/cli.js'), 0o755);
