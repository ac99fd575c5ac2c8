/**
 * The one way wf-fix runs git. The repositories it runs in are not trusted:
 * their `.git/config` can name programs for git to start (fsmonitor, hooks,
 * filters, pagers, credential helpers, signing programs, external diffs).
 * Every call therefore:
 * - runs `git` through execFileSync (no shell) with arguments wf-fix made,
 *   never text read from a file;
 * - pins every setting that could start a program to an inert value with
 *   `-c` (command-line settings win over the repository's own), including
 *   the clean/smudge/process commands of each filter driver the
 *   repository's configuration names;
 * - uses no pager and no terminal prompt, and never talks to a remote
 *   (`protocol.allow=never`);
 * - leaves git's `safe.directory` check alone: a repository owned by another
 *   user is refused with a message saying so, never trusted silently.
 */
import { execFileSync } from 'node:child_process';

export class GitError extends Error {}

/** git refused the repository: it belongs to another user and is not listed in safe.directory. */
export class UntrustedRepository extends GitError {}

/** Settings that would let a repository start a program, pinned for every call. */
const INERT_CONFIG = [
  'core.fsmonitor=false',
  'core.hooksPath=/dev/null', // no hook runs: post-checkout, pre-commit, commit-msg, reference-transaction, pre-auto-gc, ...
  'core.pager=cat',
  'credential.helper=', // an empty value clears the list of helpers
  'commit.gpgSign=false',
  'tag.gpgSign=false',
  'gc.auto=0',
  'maintenance.auto=false',
  'submodule.recurse=false',
  'protocol.allow=never',
];

const ENV: NodeJS.ProcessEnv = { ...process.env, GIT_PAGER: 'cat', PAGER: 'cat', GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0' };

const configArgs = (settings: readonly string[]) => settings.flatMap((s) => ['-c', s]);

function exec(root: string, settings: readonly string[], args: readonly string[]): string {
  try {
    return execFileSync('git', ['--no-pager', '-C', root, ...configArgs(settings), ...args], {
      encoding: 'utf8',
      env: ENV,
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 64 << 20,
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    const stderr = err.stderr ?? '';
    if (/dubious ownership/.test(stderr)) {
      throw new UntrustedRepository(
        `git refuses ${root}: the repository is owned by another user (git's safe.directory check); wf-fix does not override it. If you trust it, run: git config --global --add safe.directory ${root}`,
      );
    }
    const detail = stderr.trim().split('\n').filter(Boolean).pop() ?? err.message;
    throw new GitError(`git ${args[0]} failed: ${detail}`);
  }
}

/**
 * `-c` settings that empty the commands of every filter driver the
 * repository's configuration defines (`filter.<name>.clean|smudge|process`),
 * so `git add` and `git status` never run one. Reading the configuration
 * starts no program.
 */
function inertFilters(root: string): string[] {
  let listed: string;
  try {
    listed = exec(root, INERT_CONFIG, ['config', '--null', '--name-only', '--get-regexp', '^filter\\.']);
  } catch {
    return []; // none defined (exit 1), or not a repository: the real call reports that
  }
  const names = new Set<string>();
  for (const key of listed.split('\0')) {
    const m = /^filter\.(.+)\.[^.]+$/s.exec(key);
    if (m) names.add(m[1]!);
  }
  return [...names].flatMap((n) => [`filter.${n}.clean=`, `filter.${n}.smudge=`, `filter.${n}.process=`, `filter.${n}.required=false`]);
}

/** Filter settings by repository root: read once a run (wf-fix itself never changes a repository's config). */
const filtersByRoot = new Map<string, string[]>();

/** Runs `git -C root ARGS` hardened as above; stdout, or a GitError with git's last line of stderr. */
export function git(root: string, args: readonly string[]): string {
  let filters = filtersByRoot.get(root);
  if (!filters) filtersByRoot.set(root, (filters = inertFilters(root)));
  return exec(root, [...INERT_CONFIG, ...filters], args);
}

/** Like `git`, but undefined instead of an error (for questions whose answer may be "none"). */
export function gitQuery(root: string, args: readonly string[]): string | undefined {
  try {
    return git(root, args).trim();
  } catch {
    return undefined;
  }
}
