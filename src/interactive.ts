/**
 * --interactive: review the fixes one at a time, as `git add -p` does.
 *
 * Each file is fixed by the engine with a predicate (ProcessOptions.accept)
 * that lets through only the fixes accepted so far. The next undecided fix
 * is shown as the hunk accepting it adds to the accepted state (the engine
 * run with it included), so every state shown and written has passed the
 * validation gate. Only accepted fixes are written (atomically, and only if
 * the file is still the bytes that were reviewed); a skipped fix stays
 * pending, so the next run offers it again.
 *
 * Keys: y apply, n skip, a apply this and every later fix of the same
 * transform (this file and the following), q quit (the fixes accepted in the
 * current file so far are written, as `git add -p` keeps what was staged;
 * later files are not reviewed), ? help. Ctrl-C or Ctrl-D aborts: the
 * current file is left as it was (files finished before it stay written).
 */
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { emitKeypressEvents } from 'node:readline';
import { addRepositoryFiles } from './actions/repository-files.js';
import { discover } from './discover.js';
import { unifiedDiff } from './diff.js';
import { isSourceFile } from './generators/locate.js';
import { displayPath } from './paths.js';
import { COLOR, colorDiff, findingLines, PLAIN, summaryLines, type Palette } from './report/text.js';
import { repositoryRoot } from './repo.js';
import { ConfigCache, exitCode, processFile, repositoryFileOptions, selectTransforms, type FileResult, type RunOptions, type RunResult } from './run.js';
import { processText, type FileOutcome, type ProcessOptions, type ReportedFinding } from './workflow/engine.js';
import { removeStaleTemps, writeIfUnchanged } from './write.js';

export const NO_TTY = 'wf-fix --interactive needs a terminal (stdin and stdout must be a TTY); '
  + 'without one, review the dry-run patch instead (wf-fix > fix.patch, then git apply fix.patch, or git add -p after --write)';

/** Flags --interactive cannot be combined with, and why; undefined when the combination is fine. */
export function interactiveConflict(a: { check?: boolean; format?: string; jobs?: number; patchDir?: string; gitBranch?: string; shard?: string; html?: string; trustPolicyDir?: string }): string | undefined {
  const bad = [
    a.check && '--check (--interactive writes what you accept)',
    a.format !== undefined && a.format !== 'text' && `--format ${a.format} (--interactive prints text)`,
    a.jobs !== undefined && a.jobs > 1 && '--jobs > 1 (--interactive runs in-process)',
    a.patchDir !== undefined && '--patch-dir',
    a.gitBranch !== undefined && '--git-branch',
    a.shard !== undefined && '--shard',
    a.html !== undefined && '--html',
    a.trustPolicyDir !== undefined && '--trust-policy-dir',
  ].filter((x): x is string => typeof x === 'string');
  return bad.length ? `--interactive cannot be combined with ${bad.join(', ')}` : undefined;
}

/** One key press: a printable character, or 'ctrl-c' / 'ctrl-d'. */
export interface KeySource {
  next(): Promise<string>;
}

export type Answer = 'y' | 'n' | 'a' | 'q' | 'abort';

export interface Offer {
  path: string;
  finding: ReportedFinding;
  /** The unified diff accepting this fix adds to the fixes accepted so far. */
  hunk: string;
  /** 1-based number of this offer in the file, and how many are known so far (later fixes may reveal more). */
  index: number;
  known: number;
}

export type Ask = (offer: Offer) => Promise<Answer>;

export interface FileReview {
  /** The state written: the engine's outcome with exactly the accepted fixes. */
  outcome: FileOutcome;
  accepted: number;
  skipped: number;
  /** How the review ended early, if it did. */
  stop?: 'quit' | 'abort';
}

type Engine = (accept: NonNullable<ProcessOptions['accept']>) => FileOutcome;

/**
 * Offer a file's fixes one at a time. `acceptAll`: transform ids answered
 * with `a` (shared across files; their fixes are taken without asking).
 * `say`: a line for the user (fixes taken without asking, fixes not offered).
 */
export async function reviewFile(path: string, engine: Engine, ask: Ask, acceptAll: Set<string>, say: (line: string) => void): Promise<FileReview> {
  const accepted = new Set<string>();
  const declined = new Set<string>();
  /** The engine with the accepted fixes (and `extra`); the undecided fixes it was asked about, in the order asked. */
  const run = (extra?: string) => {
    const undecided = new Map<string, ReportedFinding>();
    const outcome = engine((f, key) => {
      if (accepted.has(key) || key === extra) return true;
      if (!declined.has(key) && !undecided.has(key)) undecided.set(key, f);
      return false;
    });
    return { outcome, undecided };
  };
  let state = run();
  let offered = 0;
  const review = (stop?: FileReview['stop']): FileReview => ({ outcome: state.outcome, accepted: accepted.size, skipped: declined.size, ...(stop ? { stop } : {}) });
  for (;;) {
    if (state.outcome.status === 'error' || state.outcome.status === 'skipped') return review();
    const next = [...state.undecided].find(([k]) => !declined.has(k));
    if (!next) return review();
    const [key, finding] = next;
    const trial = run(key);
    const where = `${path}:${finding.line}:${finding.column} [${finding.ruleId}] ${finding.message}`;
    // The trial's own report of this finding: after a bash -n failure the engine processes the file
    // again without the fix, so the object the predicate saw may not be the one reported.
    const same = (x: ReportedFinding) => x.ruleId === finding.ruleId && x.message === finding.message && x.line === finding.line && x.column === finding.column;
    const tried = trial.outcome.findings.find((x) => same(x) && x.rejected && !x.fixed);
    const refused = trial.outcome.status === 'error' ? trial.outcome.reason : tried?.skippedBecause;
    if (refused !== undefined) {
      declined.add(key);
      say(`not offered (the fix is refused): ${where}: ${refused}`);
      continue;
    }
    const take = () => {
      accepted.add(key);
      state = trial;
    };
    if (trial.outcome.output === state.outcome.output) {
      take();
      say(`applied (no further change): ${where}`);
      continue;
    }
    if (acceptAll.has(finding.ruleId)) {
      take();
      say(`applied (a, all ${finding.ruleId}): ${where}`);
      continue;
    }
    offered++;
    const known = offered + [...state.undecided.keys()].filter((k) => k !== key && !declined.has(k)).length;
    const answer = await ask({ path, finding, hunk: unifiedDiff(path, state.outcome.output, trial.outcome.output), index: offered, known });
    if (answer === 'abort') return review('abort');
    if (answer === 'q') return review('quit');
    if (answer === 'n') declined.add(key);
    else {
      if (answer === 'a') acceptAll.add(finding.ruleId);
      take();
    }
  }
}

export function helpText(ruleId: string): string {
  return [
    'y - apply this fix',
    'n - skip this fix (the next run offers it again)',
    `a - apply this fix and every remaining ${ruleId} fix, in this file and the following ones`,
    'q - quit: apply nothing more (the fixes accepted in this file so far are written)',
    '? - print this help',
    'Ctrl-C - abort: this file is left as it was',
  ].join('\n') + '\n';
}

/**
 * Text from the workflow as the terminal should show it: control characters
 * (an escape sequence in a step name or script could retitle the window or
 * rewrite the screen) in caret notation, ^[ for ESC; newlines and tabs kept.
 */
export function visible(s: string): string {
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g, (ch) => {
    const code = ch.charCodeAt(0);
    return code < 0x20 ? `^${String.fromCharCode(code + 64)}` : code === 0x7f ? '^?' : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** The prompt: the finding, its notes and the coloured hunk, then one key (as `git add -p`). */
export function terminalAsk(keys: KeySource, write: (s: string) => void, c: Palette): Ask {
  return async (o) => {
    const f = o.finding;
    write(`\n${c.bold(visible(`${o.path}:${f.line}:${f.column}`))} [${f.ruleId}] ${visible(f.message)}\n`);
    for (const n of f.notes) write(`    note: ${visible(n)}\n`);
    const hunk = visible(o.hunk.slice(o.hunk.indexOf('\n@@') + 1));
    write(colorDiff(hunk.endsWith('\n') ? hunk : hunk + '\n', c));
    for (;;) {
      write(c.cyan(`(${o.index}/${o.known}) Apply this fix [y,n,a,q,?]? `));
      const k = await keys.next();
      if (k === 'ctrl-c' || k === 'ctrl-d') {
        write('^C\n');
        return 'abort';
      }
      const key = k.toLowerCase();
      write(`${/^[\x20-\x7e]$/.test(key) ? key : ''}\n`);
      if (key === 'y' || key === 'n' || key === 'a' || key === 'q') return key;
      write(key === '?' ? helpText(f.ruleId) : c.red(`unknown answer; ? for help\n`));
    }
  };
}

/** Key presses from a TTY in raw mode, one at a time (typed-ahead keys are queued). */
export function ttyKeys(input: NodeJS.ReadStream): KeySource & { close(): void } {
  emitKeypressEvents(input);
  input.setRawMode(true);
  input.resume();
  const queue: string[] = [];
  let waiting: ((k: string) => void) | undefined;
  const onKey = (str: string | undefined, key: { name?: string; ctrl?: boolean } | undefined) => {
    const k = key?.ctrl && (key.name === 'c' || key.name === 'd') ? `ctrl-${key.name}` : str ?? key?.name ?? '';
    if (waiting) {
      const w = waiting;
      waiting = undefined;
      w(k);
    } else queue.push(k);
  };
  input.on('keypress', onKey);
  return {
    next: () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise((res) => { waiting = res; })),
    close: () => {
      input.off('keypress', onKey);
      input.setRawMode(false);
      input.pause();
    },
  };
}

export interface InteractiveResult extends RunResult {
  stop?: 'quit' | 'abort';
  /** Discovered files not reviewed because the review stopped. */
  notReviewed: number;
  accepted: number;
  skipped: number;
}

/**
 * The review over every discovered file: workflow YAML only (generator
 * sources are reported as skipped). Repository files the accepted fixes
 * need are created or updated as --write does.
 */
export async function runInteractive(opts: RunOptions, ask: Ask, say: (line: string) => void): Promise<InteractiveResult> {
  const errors: string[] = [];
  const { files, missing } = discover(opts.paths, opts.cwd);
  for (const m of missing) errors.push(`${m}: no such file or directory`);
  const configs = new ConfigCache(opts);
  const acceptAll = new Set<string>();
  const results: FileResult[] = [];
  const out: InteractiveResult = { files: results, errors, notReviewed: 0, accepted: 0, skipped: 0 };
  for (const [i, f] of files.entries()) {
    if (out.stop) {
      out.notReviewed = files.length - i;
      break;
    }
    const skipReason = f.skip ?? (isSourceFile(f.path) ? 'generator source: --interactive reviews workflow YAML only (use --write for generator sources)' : undefined);
    // Everything but the review itself (read, decode, config, skips) as a dry run does it.
    const probe = processFile(f.path, opts.cwd, configs, { ...opts, write: false, diffs: false }, skipReason);
    if (probe.status !== 'changed') {
      results.push(probe);
      continue;
    }
    const path = displayPath(opts.cwd, f.path);
    let bytes: Buffer;
    try {
      bytes = readFileSync(f.path);
    } catch (e) {
      results.push({ ...probe, status: 'error', reason: `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, findings: [] });
      continue;
    }
    const raw = bytes.toString('utf8');
    const config = configs.forFile(f.path);
    const transforms = selectTransforms(config, opts.only, opts.skip, opts.transforms);
    const packageScripts = configs.packageScripts.forRoot(repositoryRoot(f.path));
    const engine: Engine = (accept) => processText(raw, { config, transforms, file: path, bashCheck: opts.bashCheck, packageScripts, accept });
    const r = await reviewFile(path, engine, ask, acceptAll, say);
    if (r.stop) out.stop = r.stop;
    if (r.stop !== 'abort') out.accepted += r.accepted;
    out.skipped += r.skipped;
    const { original: _original, output, ...rest } = r.outcome;
    const base = { path, absPath: f.path, diff: '', written: false };
    if (r.stop === 'abort') {
      results.push({ ...base, ...rest, status: 'unchanged', findings: rest.findings.map((x) => ({ ...x, fixed: false })), repositoryFiles: undefined });
      continue;
    }
    const result: FileResult = { ...base, ...rest };
    if (r.outcome.status === 'changed') {
      removeStaleTemps(dirname(f.path));
      const err = writeIfUnchanged(f.path, bytes, output);
      if (err) {
        results.push({ ...result, status: 'error', reason: err, repositoryFiles: undefined });
        continue;
      }
      result.written = true;
    }
    results.push(result);
  }
  const withFiles = addRepositoryFiles(results, repositoryFileOptions({ ...opts, write: true }));
  return { ...out, files: withFiles.files, errors: [...errors, ...withFiles.errors] };
}

export interface InteractiveIo {
  stdin: NodeJS.ReadStream;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  /** --color / --no-color; default: colour (both ends are a terminal). */
  color?: boolean;
  verbose: boolean;
}

/** The exit code of a review aborted with Ctrl-C (128 + SIGINT, as a shell reports it). */
export const EXIT_ABORTED = 130;

/** wf-fix --interactive: refuse without a terminal, review, then report as --write does. */
export async function interactiveMain(opts: RunOptions, io: InteractiveIo): Promise<number> {
  if (!io.stdin.isTTY || !io.stdout.isTTY) {
    io.stderr.write(`${NO_TTY}\n`);
    return 2;
  }
  const c = (io.color ?? true) ? COLOR : PLAIN;
  const write = (s: string) => { io.stdout.write(s); };
  const keys = ttyKeys(io.stdin);
  let result: InteractiveResult;
  try {
    result = await runInteractive({ ...opts, write: true }, terminalAsk(keys, write, c), (l) => write(`${c.dim(visible(l))}\n`));
  } finally {
    keys.close();
  }
  write('\n');
  for (const f of result.files) for (const l of findingLines(f, c, io.verbose)) io.stderr.write(l + '\n');
  for (const l of summaryLines(result, 'write', c)) io.stderr.write(l + '\n');
  const how = result.stop === 'abort' ? 'aborted: the file under review was left as it was; '
    : result.stop === 'quit' ? 'quit: ' : '';
  const later = result.notReviewed ? `, ${result.notReviewed} file(s) not reviewed` : '';
  io.stderr.write(`${how}${result.accepted} fix(es) accepted, ${result.skipped} skipped (a later run offers the skipped ones again)${later}\n`);
  return result.stop === 'abort' ? EXIT_ABORTED : exitCode(result, false);
}
