/**
 * Atomic, careful writes: the file is re-read first and left alone if it
 * changed since it was read; the new content goes to a temp file in the same
 * directory (same file system, file mode kept) and is renamed over the old.
 */
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

/** Returns an error message, or undefined when the file was written. */
export function writeIfUnchanged(path: string, expected: Buffer, content: string): string | undefined {
  let now: Buffer;
  try {
    now = readFileSync(path);
  } catch (e) {
    return `cannot re-read before writing: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`;
  }
  if (!now.equals(expected)) return 'file changed on disk while wf-fix was processing it; left as it is now';
  let mode: number;
  try {
    mode = statSync(path).mode & 0o7777;
  } catch (e) {
    return `cannot stat: ${(e as NodeJS.ErrnoException).code}`;
  }
  const tmp = join(dirname(path), `.${basename(path)}.wf-fix-${process.pid}-${Date.now()}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', mode);
    writeSync(fd, content);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    chmodSync(tmp, mode);
    renameSync(tmp, path);
    return undefined;
  } catch (e) {
    if (fd !== undefined) try { closeSync(fd); } catch { /* already closed */ }
    try { unlinkSync(tmp); } catch { /* never created */ }
    const code = (e as NodeJS.ErrnoException).code;
    return `cannot write ${path}: ${code === 'EACCES' || code === 'EPERM' || code === 'EROFS' ? 'permission denied (read-only path)' : code ?? (e as Error).message}`;
  }
}
