/**
 * The `scripts` of a repository's package.json files, read-only, for the
 * transforms that follow `npm run X` to what X runs. Parsed with JSON.parse
 * only (never run, never required); a package.json that is too large,
 * malformed, or not inside the repository is ignored with the reason.
 */
import { lstatSync, readFileSync, realpathSync } from 'node:fs';
import { isAbsolute, join, posix, relative, sep } from 'node:path';
import type { PackageScripts, PackageScriptsLookup } from './transform.js';

/** Larger package.json files are not read (real ones are a few KiB). */
export const MAX_PACKAGE_JSON_BYTES = 1024 * 1024;

/** A repository-relative directory in normal form, or undefined when it leaves the repository. */
export function repoRelativeDir(dir: string): string | undefined {
  if (dir.includes('${{') || dir.includes('\0') || posix.isAbsolute(dir)) return undefined;
  const n = posix.normalize(dir.replace(/\\/g, '/')).replace(/\/+$/, '');
  if (n === '..' || n.startsWith('../')) return undefined;
  return n === '' ? '.' : n;
}

function read(root: string, dir: string): PackageScripts {
  const rel = repoRelativeDir(dir);
  const file = rel === undefined ? dir : posix.join(rel, 'package.json');
  if (rel === undefined) return { file, problem: 'the directory is outside the repository or not a literal path' };
  const abs = join(root, ...rel.split('/'), 'package.json');
  let size: number;
  try {
    const st = lstatSync(abs);
    if (!st.isFile()) return { file, problem: 'not a regular file' };
    size = st.size;
    const real = relative(realpathSync(root), realpathSync(abs));
    if (real === '..' || real.startsWith(`..${sep}`) || isAbsolute(real)) return { file, problem: 'resolves outside the repository' };
  } catch {
    return { file };
  }
  if (size > MAX_PACKAGE_JSON_BYTES) return { file, problem: `larger than ${MAX_PACKAGE_JSON_BYTES} bytes, not read` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(abs, 'utf8'));
  } catch (e) {
    return { file, problem: `not valid JSON (${(e as Error).message.slice(0, 80)})` };
  }
  const scripts = (parsed as { scripts?: unknown } | null)?.scripts;
  if (scripts === undefined) return { file, scripts: Object.create(null) as Record<string, string> };
  if (typeof scripts !== 'object' || scripts === null || Array.isArray(scripts)) return { file, problem: '"scripts" is not an object' };
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of Object.entries(scripts)) if (typeof v === 'string') out[k] = v;
  return { file, scripts: out };
}

/** A cached lookup of package.json scripts under one repository root. */
export function packageScriptsReader(root: string): PackageScriptsLookup {
  const cache = new Map<string, PackageScripts>();
  return (dir) => {
    const key = repoRelativeDir(dir) ?? `\0${dir}`;
    let hit = cache.get(key);
    if (!hit) cache.set(key, (hit = read(root, dir)));
    return hit;
  };
}

/** One reader per repository root for a whole run. */
export class PackageScriptsCache {
  private byRoot = new Map<string, PackageScriptsLookup>();
  forRoot(root: string): PackageScriptsLookup {
    let r = this.byRoot.get(root);
    if (!r) this.byRoot.set(root, (r = packageScriptsReader(root)));
    return r;
  }
}
