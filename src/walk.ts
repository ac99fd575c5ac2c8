/**
 * Depth-first directory walk in name order (deterministic output), never
 * following directory symlinks; unreadable directories are passed over.
 */
import { readdirSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

export interface Walker {
  /** Descend into this directory? */
  enter(name: string): boolean;
  /** Every entry that is not a directory; return false to end the whole walk. */
  visit(path: string, entry: Dirent): boolean | void;
}

/** Walk below `dir`; returns false when `visit` ended the walk. */
export function walkSorted(dir: string, walker: Walker): boolean {
  let entries: Dirent[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return true;
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (walker.enter(e.name) && !walkSorted(p, walker)) return false;
    } else if (walker.visit(p, e) === false) {
      return false;
    }
  }
  return true;
}
