/**
 * An esbuild plugin for scripts/bundle.mjs (the CLI bundle) and scripts/bench.mjs (the floor as
 * bundled): yaml's parser reads `process.env.LOG_TOKENS` for every token and its composer
 * `process.env.LOG_STREAM` for every document, to turn on debug logging. A `process.env` read is a
 * call into Node's C++ environment lookup, not a property read; the plugin makes those reads `false`.
 * It throws if yaml's text no longer has them, so a yaml upgrade cannot drop the patch unseen.
 */
import { readFileSync } from 'node:fs';

/** yaml's per-token / per-document debug switches, by the module that reads them. */
const YAML_DEBUG_READS = [
  [/[\\/]yaml[\\/]dist[\\/]parse[\\/]parser\.js$/, 'node_process.env.LOG_TOKENS'],
  [/[\\/]yaml[\\/]dist[\\/]compose[\\/]composer\.js$/, 'node_process.env.LOG_STREAM'],
];

/** Replaces yaml's debug-logging environment reads with `false`. */
export const yamlDebugLogOff = {
  name: 'yaml-debug-log-off',
  setup(b) {
    b.onLoad({ filter: /[\\/]yaml[\\/]dist[\\/](parse[\\/]parser|compose[\\/]composer)\.js$/ }, ({ path }) => {
      const [, read] = YAML_DEBUG_READS.find(([file]) => file.test(path));
      const text = readFileSync(path, 'utf8');
      if (!text.includes(read)) throw new Error(`${path} no longer reads ${read}: update YAML_DEBUG_READS in scripts/yaml-debug-log-off.mjs`);
      return { contents: text.replaceAll(read, 'false'), loader: 'js' };
    });
  },
};
