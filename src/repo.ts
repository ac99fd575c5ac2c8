/** Repository facts from the file system. */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** Repository root of a file: nearest ancestor with .git, else the parent of .github. */
export function repositoryRoot(file: string): string {
  let cur = dirname(resolve(file));
  let githubParent: string | undefined;
  for (;;) {
    if (existsSync(join(cur, '.git'))) return cur;
    if (!githubParent && existsSync(join(cur, '.github'))) githubParent = cur;
    const up = dirname(cur);
    if (up === cur) return githubParent ?? dirname(resolve(file));
    cur = up;
  }
}
