/** Paths as wf-fix shows them: forward slashes on every platform. */
import { relative } from 'node:path';

export const slash = (p: string): string => p.split('\\').join('/');

/** `abs` relative to `cwd` (absolute when outside it), as in the diff headers. */
export function displayPath(cwd: string, abs: string): string {
  const rel = relative(cwd, abs);
  return slash(rel.startsWith('..') ? abs : rel);
}
