/**
 * `bash -n` for the validation gate, without ever running a script.
 *
 * Each script is written to its own file in a private temporary directory and
 * parsed by its own `bash --norc --noprofile -n FILE` process: noexec mode reads
 * and parses commands but never executes one, and the script text reaches bash
 * only as a file to parse, never as part of a command line or an `eval`.
 * One `xargs -0 -P 2` process starts those bash processes for the whole batch
 * (about 1 ms a script instead of about 6 ms for a spawn from node each); the
 * only thing xargs reads is the list of our own temp file names. A script that
 * xargs reports failing is confirmed with a `bash -n` of its own, which also
 * gives the message. Both children get a minimal environment, so no
 * `BASH_ENV`, `ENV`, `SHELLOPTS` or `BASHOPTS` of the caller applies.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const BASH_NOEXEC = ['bash', '--norc', '--noprofile', '-n'];

/** The environment of every syntax-check child: a PATH to find bash, and the C locale for stable messages. */
const childEnv = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LC_ALL: 'C' });

/** `bash -n` results by script text (a run meets the same generated scripts many times). */
const results = new Map<string, string | undefined>();
const CACHE_MAX = 5000;

function remember(script: string, result: string | undefined): void {
  if (results.size >= CACHE_MAX) results.clear();
  results.set(script, result);
}

/** The first line of bash's complaint, without the temp file name it starts with. */
function message(stderr: string, file: string): string {
  const first = stderr.trim().split('\n')[0] ?? '';
  return (first.startsWith(`${file}: `) ? `bash: ${first.slice(file.length + 2)}` : first) || 'bash -n failed';
}

/** Below this many scripts, starting xargs costs more than it saves: each gets its own `bash -n`. */
const XARGS_FROM = 3;

/** xargs running one `bash -n` per NUL-separated file name on its stdin, two at a time. */
const XARGS = ['-0', '-P', '2', '-n', '1', ...BASH_NOEXEC];

/** What a child did: exit status and stderr; `error` when it could not start. */
interface ChildRun {
  status: number | null;
  stderr: string;
  error?: Error;
}

/** Indexes of the files xargs' bash processes complained about; every index when xargs could not run. */
function flaggedBy(files: readonly string[], xargs: ChildRun): Set<number> {
  const all = new Set(files.map((_, i) => i));
  if (xargs.error || xargs.status === null) return all;
  if (xargs.status === 0) return new Set();
  const out = new Set<number>();
  files.forEach((f, i) => {
    if (xargs.stderr.includes(`${f}: `)) out.add(i);
  });
  // A failure with no file named (xargs itself failed): check each on its own.
  return out.size ? out : all;
}

/** A flagged file's result from its own `bash -n`: undefined when it parses, or when there is no bash to check with. */
function resultOf(own: ChildRun, file: string): string | undefined {
  return own.error || own.status === 0 ? undefined : message(own.stderr, file);
}

/** The scripts written to files of a new private temp directory (the caller removes it). */
function scriptFiles(scripts: readonly string[]): { dir: string; files: string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'wf-fix-bash-n-'));
  const files = scripts.map((s, i) => {
    const f = join(dir, `${i}.sh`);
    writeFileSync(f, s, { mode: 0o600 });
    return f;
  });
  return { dir, files };
}

/**
 * Parses every script not checked before; afterwards `bashSyntaxError` answers
 * for each. Without bash on the machine nothing is checked (and nothing fails).
 */
export function checkScripts(scripts: readonly string[]): void {
  const todo = [...new Set(scripts)].filter((s) => !results.has(s));
  if (!todo.length) return;
  const { dir, files } = scriptFiles(todo);
  try {
    const flagged = files.length < XARGS_FROM ? flaggedBy(files, { status: null, stderr: '' })
      : flaggedBy(files, spawnSync('xargs', XARGS, { input: files.join('\0'), encoding: 'utf8', env: childEnv(), maxBuffer: 64 << 20 }));
    todo.forEach((s, i) => {
      if (!flagged.has(i)) return remember(s, undefined);
      remember(s, resultOf(spawnSync(BASH_NOEXEC[0]!, [...BASH_NOEXEC.slice(1), files[i]!], { encoding: 'utf8', env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] }), files[i]!));
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Run a child without blocking; resolves once it has exited. */
function runAsync(cmd: string, args: readonly string[], input?: string): Promise<ChildRun> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { env: childEnv(), stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });
    let stderr = '';
    let error: Error | undefined;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (d: string) => { stderr += d; });
    child.on('error', (e) => { error = e; });
    child.on('close', (status) => resolve({ status, stderr, ...(error ? { error } : {}) }));
    if (input !== undefined) {
      child.stdin!.on('error', () => {}); // a child that exits early (no xargs) closes the pipe
      child.stdin!.end(input);
    }
  });
}

/** Checks started by checkScriptsAsync and not finished yet, by script. */
const inFlight = new Map<string, Promise<string | undefined>>();

/**
 * checkScripts without blocking: the same children (one xargs for the
 * scripts, a `bash -n` of its own for each one it flags), started now, so
 * the caller processes more files while they run. Resolves to each script's
 * result (also cached, as checkScripts caches it); a script already being
 * checked is not checked twice.
 */
export function checkScriptsAsync(scripts: readonly string[]): Promise<Map<string, string | undefined>> {
  const unique = [...new Set(scripts)];
  const todo = unique.filter((s) => !results.has(s) && !inFlight.has(s));
  if (todo.length) {
    const { dir, files } = scriptFiles(todo);
    const flagged = files.length < XARGS_FROM ? Promise.resolve(flaggedBy(files, { status: null, stderr: '' }))
      : runAsync('xargs', XARGS, files.join('\0')).then((r) => flaggedBy(files, r));
    const each = todo.map((_, i) => flagged.then(async (set) =>
      (set.has(i) ? resultOf(await runAsync(BASH_NOEXEC[0]!, [...BASH_NOEXEC.slice(1), files[i]!]), files[i]!) : undefined)));
    const done = Promise.all(each).finally(() => rmSync(dir, { recursive: true, force: true }));
    todo.forEach((s, i) => inFlight.set(s, done.then((all) => {
      inFlight.delete(s);
      remember(s, all[i]);
      return all[i];
    })));
  }
  return Promise.all(unique.map(async (s): Promise<[string, string | undefined]> => [s, results.has(s) && !inFlight.has(s) ? results.get(s) : await inFlight.get(s)!])).then((pairs) => new Map(pairs));
}

/** Cache results another thread checked (a worker's scripts are checked by the main thread, whose cache all workers share). */
export function rememberAll(checked: ReadonlyMap<string, string | undefined>): void {
  for (const [script, result] of checked) remember(script, result);
}

/** Why `script` fails `bash -n` (its first line), or undefined when it parses or was not checked. */
export function bashSyntaxError(script: string): string | undefined {
  return results.get(script);
}

/** `script` has a cached `bash -n` result (checkScripts saw it, and the cache kept it). */
export function isChecked(script: string): boolean {
  return results.has(script);
}
