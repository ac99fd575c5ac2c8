/** Shared test helpers: run transforms over text, run the built CLI. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultConfig, type Config } from '../src/config.js';
import { processText, type FileOutcome } from '../src/workflow/engine.js';
import { TRANSFORMS } from '../transforms/index.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI = join(ROOT, 'dist/bin/wf-fix.js');
export const SHARED = resolve(ROOT, '../shared');
export const CORPUS = join(SHARED, 'corpus');

/** Run the named transforms (default: all) over a text. */
export function fixText(text: string, ids?: string[], config: Partial<Config> = {}): FileOutcome {
  const transforms = ids ? TRANSFORMS.filter((t) => ids.includes(t.meta.id)) : TRANSFORMS;
  return processText(text, { config: { ...defaultConfig(), ...config }, transforms, file: 'test.yml' });
}

/** Output of the named transforms (the input itself when nothing changed). */
export function fixed(text: string, ids?: string[], config: Partial<Config> = {}): string {
  const out = fixText(text, ids, config);
  if (out.status === 'error') throw new Error(`unexpected error: ${out.reason}`);
  return out.output;
}

/** Join lines with LF and a final newline: readable golden inputs. */
export function lines(...ls: string[]): string {
  return ls.join('\n') + '\n';
}

export interface CliResult {
  status: number;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], cwd: string, input?: string): CliResult {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', input, env: { ...process.env, NO_COLOR: '1' } });
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function tempDir(prefix = 'wf-fix-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}
