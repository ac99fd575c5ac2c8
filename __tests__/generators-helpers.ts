/** Helpers for the generator-source tests. */
import { defaultConfig, type Config } from '../src/config.js';
import { runSourceTransform, type SourceOutcome, type SourceTransform } from '../transforms/generators/shared.js';

export function runSource(t: SourceTransform, text: string, path = 'src/pipeline.ts', config: Partial<Config> = {}): SourceOutcome {
  return runSourceTransform(t, text, path, { ...defaultConfig(), ...config });
}

/** Output of a source transform; fails on error, checks idempotence. */
export function srcFixed(t: SourceTransform, text: string, path = 'src/pipeline.ts', config: Partial<Config> = {}): string {
  const out = runSource(t, text, path, config);
  if (out.status === 'error') throw new Error(`unexpected error: ${out.reason}`);
  const again = runSource(t, out.output, path, config);
  if (again.output !== out.output) throw new Error(`not idempotent:\n${out.output}\n---\n${again.output}`);
  return out.output;
}
