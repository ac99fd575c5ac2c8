/**
 * The esbuild options every bundle of this project shares: the CLI and its
 * worker (scripts/bundle.mjs) and the bench's floor parsed with yaml as the
 * CLI has it (scripts/bench.mjs), so that floor is built exactly as the CLI is.
 */
import { yamlDebugLogOff } from './yaml-debug-log-off.mjs';

export const NODE_ESM_BUNDLE = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  // CommonJS dependencies (yaml) call require() for Node's own modules: give the ES module bundle one.
  banner: { js: "import { createRequire as wfFixCreateRequire } from 'node:module';\nconst require = wfFixCreateRequire(import.meta.url);" },
  plugins: [yamlDebugLogOff],
  logLevel: 'warning',
};
