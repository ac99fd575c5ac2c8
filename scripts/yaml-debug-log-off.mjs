/**
 * An esbuild plugin in every bundle of this project (scripts/esbuild-options.mjs: the CLI and the
 * bench's bundled floor): yaml's parser reads `process.env.LOG_TOKENS` for every token and its composer
 * `process.env.LOG_STREAM` for every document, to turn on debug logging. A `process.env` read is a
 * call into Node's C++ environment lookup, not a property read; the plugin makes those reads `false`.
 * The build fails if a module no longer has its read or was not bundled, so a yaml upgrade cannot
 * drop the patch unseen.
 */
import { readFileSync } from 'node:fs';

/** yaml's per-token / per-document debug switches, by the module (under yaml/dist/) that reads them. */
const YAML_DEBUG_READS = {
  'parse/parser.js': 'node_process.env.LOG_TOKENS',
  'compose/composer.js': 'node_process.env.LOG_STREAM',
};

const UPDATE = 'update YAML_DEBUG_READS in scripts/yaml-debug-log-off.mjs';
/** yaml/dist/<module> as an esbuild path filter; group 1 is the module (with the platform's separators). */
const MODULES = new RegExp(`[\\\\/]yaml[\\\\/]dist[\\\\/](${Object.keys(YAML_DEBUG_READS).map((m) => m.replace(/[.]/g, '\\.').replace(/\//g, '[\\\\/]')).join('|')})$`);

/** Replaces yaml's debug-logging environment reads with `false`. */
export const yamlDebugLogOff = {
  name: 'yaml-debug-log-off',
  setup(b) {
    const patched = new Set();
    b.onStart(() => patched.clear());
    b.onLoad({ filter: MODULES }, ({ path }) => {
      const module = MODULES.exec(path)[1].replaceAll('\\', '/');
      const read = YAML_DEBUG_READS[module];
      const text = readFileSync(path, 'utf8');
      if (!text.includes(read)) throw new Error(`${path} no longer reads ${read}: ${UPDATE}`);
      patched.add(module);
      return { contents: text.replaceAll(read, 'false'), loader: 'js' };
    });
    b.onEnd((result) => {
      const missing = Object.keys(YAML_DEBUG_READS).filter((m) => !patched.has(m));
      if (result.errors.length || !missing.length) return undefined;
      return { errors: [{ text: `yaml/dist/${missing.join(', yaml/dist/')} was not bundled: ${UPDATE}` }] };
    });
  },
};
