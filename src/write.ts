/**
 * Atomic, careful writes: the file is re-read first and left alone if it
 * changed since it was read; the new content goes to a temp file in the same
 * directory (same file system, file mode and owner kept, fsynced) and is
 * renamed over the old, so a reader (or a killed run) sees the old or the new
 * bytes, never a mix. A symlink (inside the repository: discover() refuses
 * the others) is written through, so the link stays a link.
 *
 * Temp files are named `.<name>.wf-fix-<pid>-<n>.tmp`. A run killed with
 * SIGKILL between creating and renaming one leaves it behind; the next
 * `--write` over that directory removes such files whose pid is no longer
 * running (removeStaleTemps). No other file is ever deleted.
 */
import { accessSync, chmodSync, closeSync, constants, existsSync, fchownSync, fsyncSync, linkSync, openSync, readdirSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const TEMP_NAME = /^\..+\.wf-fix-(\d+)-\d+\.tmp$/;
let tempCounter = 0;

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.wf-fix-${process.pid}-${++tempCounter}.tmp`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Remove wf-fix temp files left in `dir` by runs that no longer exist; returns their paths. */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m || Number(m[1]) === process.pid || pidAlive(Number(m[1]))) continue;
    try {
      unlinkSync(join(dir, name));
      removed.push(join(dir, name));
    } catch { /* gone already, or not ours to remove */ }
  }
  return removed;
}

/** Test seam: runs after the re-read check, just before the temp file is written. */
export const writeHooks: { beforeWrite?: (path: string) => void } = {};

const CHANGED_ON_DISK = 'file changed on disk while wf-fix was processing it; left as it is now';

function cannotWrite(path: string, e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  const denied = code === 'EACCES' || code === 'EPERM' || code === 'EROFS';
  return `cannot write ${path}: ${denied ? 'permission denied (read-only path)' : code ?? (e as Error).message}`;
}

/** Returns an error message, or undefined when the file was written. */
export function writeIfUnchanged(given: string, expected: Buffer, content: string): string | undefined {
  let path = given;
  try {
    path = realpathSync(given);
  } catch { /* reported by the read below */ }
  let now: Buffer;
  try {
    now = readFileSync(path);
  } catch (e) {
    return `cannot re-read before writing: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
  if (!now.equals(expected)) return CHANGED_ON_DISK;
  let st;
  try {
    st = statSync(path);
    accessSync(path, constants.W_OK);
  } catch (e) {
    return cannotWrite(given, e);
  }
  const mode = st.mode & 0o7777;
  writeHooks.beforeWrite?.(path);
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', mode);
    try {
      fchownSync(fd, st.uid, st.gid); // only root may give a file away; others keep their own
    } catch { /* not permitted: the temp file keeps the writer's owner */ }
    writeSync(fd, content);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    chmodSync(tmp, mode);
    const again = readFileSync(path);
    if (!again.equals(expected)) {
      unlinkSync(tmp);
      return CHANGED_ON_DISK;
    }
    renameSync(tmp, path);
    return undefined;
  } catch (e) {
    if (fd !== undefined) try { closeSync(fd); } catch { /* already closed */ }
    try { unlinkSync(tmp); } catch { /* never created */ }
    return cannotWrite(given, e);
  }
}

/**
 * Create a new file atomically: the content goes to a temp file in the same
 * directory (fsynced, mode 0644 less the umask) that is hard-linked to its
 * name, so a reader sees no file or the whole file, and a file created
 * meanwhile by someone else is never overwritten. The directory must exist.
 * Returns an error message, or undefined when the file was created.
 */
export function createNew(path: string, content: string): string | undefined {
  const tmp = tempPathFor(path);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o644);
    writeSync(fd, content);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    try {
      linkSync(tmp, path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') throw e;
      // A file system without hard links: rename, after one more look.
      if (existsSync(path)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
      renameSync(tmp, path);
      return undefined;
    }
    unlinkSync(tmp);
    return undefined;
  } catch (e) {
    if (fd !== undefined) try { closeSync(fd); } catch { /* already closed */ }
    try { unlinkSync(tmp); } catch { /* never created, or renamed */ }
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return 'file appeared on disk while wf-fix was processing it; left as it is now';
    return cannotWrite(path, e);
  }
}
