/** Unified diffs that `git apply` accepts (a/ b/ prefixes, git header). */
import { createTwoFilesPatch } from 'diff';

export function unifiedDiff(relPath: string, before: string, after: string): string {
  if (before === after) return '';
  const p = relPath.split('\\').join('/');
  const patch = createTwoFilesPatch(`a/${p}`, `b/${p}`, before, after, undefined, undefined, { context: 3 });
  // Drop jsdiff's "Index:"/"====" preamble; git's own header instead.
  const body = patch.slice(patch.indexOf('--- '));
  return `diff --git a/${p} b/${p}\n${body}`;
}
