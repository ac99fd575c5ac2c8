/**
 * Strict mode for bash scripts: what the script's leading `set` lines already
 * enable, whether `-u` is provably safe, and the one-line edit that adds what
 * is missing.
 */
import { assignedBefore, isPositional, isSpecialParam, type ScriptFacts } from './script.js';

export type StrictOption = 'errexit' | 'nounset' | 'pipefail';

const SHORT: Record<string, StrictOption> = { e: 'errexit', u: 'nounset' };

/**
 * Variables every GitHub-hosted Linux/macOS runner step has, or bash sets
 * itself. GITHUB_TOKEN is deliberately absent (it is not a default variable).
 */
export const RUNNER_VARIABLES = new Set([
  'CI', 'HOME', 'PATH', 'PWD', 'SHELL', 'HOSTNAME', 'IFS', 'PPID', 'UID', 'EUID', 'RANDOM', 'LINENO', 'SECONDS', 'BASH',
  'BASHPID', 'BASH_VERSION', 'BASH_VERSINFO', 'BASH_SOURCE', 'FUNCNAME', 'PIPESTATUS', 'OSTYPE', 'HOSTTYPE', 'MACHTYPE', 'SHLVL',
  'GROUPS', 'SHELLOPTS', 'BASHOPTS', 'EPOCHSECONDS', 'EPOCHREALTIME', 'OPTIND', 'PS4',
  'GITHUB_ACTION', 'GITHUB_ACTIONS', 'GITHUB_ACTOR', 'GITHUB_ACTOR_ID', 'GITHUB_API_URL', 'GITHUB_BASE_REF', 'GITHUB_ENV',
  'GITHUB_EVENT_NAME', 'GITHUB_EVENT_PATH', 'GITHUB_GRAPHQL_URL', 'GITHUB_HEAD_REF', 'GITHUB_JOB', 'GITHUB_OUTPUT', 'GITHUB_PATH',
  'GITHUB_REF', 'GITHUB_REF_NAME', 'GITHUB_REF_PROTECTED', 'GITHUB_REF_TYPE', 'GITHUB_REPOSITORY', 'GITHUB_REPOSITORY_ID',
  'GITHUB_REPOSITORY_OWNER', 'GITHUB_REPOSITORY_OWNER_ID', 'GITHUB_RETENTION_DAYS', 'GITHUB_RUN_ATTEMPT', 'GITHUB_RUN_ID',
  'GITHUB_RUN_NUMBER', 'GITHUB_SERVER_URL', 'GITHUB_SHA', 'GITHUB_STATE', 'GITHUB_STEP_SUMMARY', 'GITHUB_TRIGGERING_ACTOR',
  'GITHUB_WORKFLOW', 'GITHUB_WORKFLOW_REF', 'GITHUB_WORKFLOW_SHA', 'GITHUB_WORKSPACE',
  'RUNNER_ARCH', 'RUNNER_ENVIRONMENT', 'RUNNER_NAME', 'RUNNER_OS', 'RUNNER_TEMP', 'RUNNER_TOOL_CACHE',
]);

export interface SetLine {
  /** Script line index. */
  line: number;
  tokens: string[];
}

export interface StrictState {
  enabled: Set<StrictOption>;
  /** Options a leading `set +x` turned off on purpose: never re-enabled. */
  disabled: Set<StrictOption>;
  setLines: SetLine[];
  /** Index of the first line that is not a shebang, blank, comment or `set` line. */
  firstLine: number;
}

const SET_LINE = /^\s*set((?:\s+(?:[-+][A-Za-z]+|pipefail|errexit|nounset|xtrace|noclobber|errtrace|functrace|noglob|verbose))+)\s*$/;

/** The `set` lines at the head of the script (after a shebang, blank and comment lines). */
export function strictState(script: string): StrictState {
  const lines = script.split('\n');
  const enabled = new Set<StrictOption>();
  const disabled = new Set<StrictOption>();
  const setLines: SetLine[] = [];
  let k = 0;
  for (; k < lines.length; k++) {
    const l = lines[k]!;
    if (l.trim() === '' || /^\s*#/.test(l)) continue;
    const m = SET_LINE.exec(l);
    if (!m) break;
    const tokens = m[1]!.trim().split(/\s+/);
    setLines.push({ line: k, tokens });
    for (let t = 0; t < tokens.length; t++) {
      const tok = tokens[t]!;
      const on = tok.startsWith('-');
      const apply = (o: StrictOption | undefined) => {
        if (!o) return;
        if (on) { enabled.add(o); disabled.delete(o); } else { disabled.add(o); enabled.delete(o); }
      };
      if (/^[-+][A-Za-z]+$/.test(tok)) {
        const letters = tok.slice(1);
        for (const ch of letters) if (ch !== 'o') apply(SHORT[ch]);
        if (letters.includes('o')) apply(({ pipefail: 'pipefail', errexit: 'errexit', nounset: 'nounset' } as Record<string, StrictOption>)[tokens[++t] ?? '']);
      }
    }
  }
  let firstLine = 0;
  if (lines[0]?.startsWith('#!')) firstLine = 1;
  return { enabled, disabled, setLines, firstLine };
}

/** Why `-u` could make this script fail, or undefined when every read is provably set. */
export function nounsetRisk(facts: ScriptFacts, envNames: ReadonlySet<string>): string | undefined {
  if (facts.problems.length) return facts.problems[0];
  const opaque = facts.opaque.find((o) => !o.name || facts.reads.some((r) => r.name === o.name));
  if (opaque) return `it ${opaque.reason}`;
  for (const r of facts.reads) {
    if (r.safe || r.name === '0' || r.name === '_') continue;
    if (r.name === '!') {
      if (facts.backgrounds.some((b) => b < r.offset)) continue;
      return 'it reads $!, which is unset until a command runs in the background';
    }
    if (isSpecialParam(r.name)) continue;
    if (isPositional(r.name)) {
      if (functionArgumentSet(facts, r.frames, Number(r.name))) continue;
      return `it reads the positional parameter $${r.name}, which may be unset`;
    }
    if (RUNNER_VARIABLES.has(r.name) || envNames.has(r.name) || assignedBefore(facts, r)) continue;
    return `it reads $${r.name}, which is neither in env: nor assigned before it is read`;
  }
  return undefined;
}

/** `$n` inside a function that every call in the script gives at least n plain arguments. */
function functionArgumentSet(facts: ScriptFacts, frames: number[], n: number): boolean {
  const fn = facts.frames.filter((f) => f.kind === 'func' && frames.includes(f.id)).pop();
  if (!fn?.name) return false;
  const calls = facts.commands.filter((c) => c.words[0]?.text === fn.name);
  return calls.length > 0 && calls.every((c) => c.words.length > n && c.words.slice(1, n + 1).every((w) => !/\$\{?[@*]/.test(w.text)));
}

/** The options a `set` line must add; rendered as one `set` command. */
export function renderSet(options: StrictOption[]): string {
  const letters = (['errexit', 'nounset'] as const).filter((o) => options.includes(o)).map((o) => (o === 'errexit' ? 'e' : 'u')).join('');
  const pf = options.includes('pipefail');
  if (letters && pf) return `set -${letters}o pipefail`;
  if (letters) return `set -${letters}`;
  return 'set -o pipefail';
}

/**
 * The new text of a leading `set` line with `missing` added: a lone short
 * group is merged (`set -e` -> `set -euo pipefail`), anything else gets the
 * missing flags appended (`set -o errexit -u -o pipefail`).
 */
export function extendSetLine(line: string, missing: StrictOption[]): string {
  const m = /^(\s*)set\s+-([A-Za-z]+)\s*$/.exec(line);
  if (m && !m[2]!.includes('o')) {
    let letters = m[2]!;
    if (missing.includes('errexit')) letters = 'e' + letters;
    if (missing.includes('nounset')) {
      const at = letters.indexOf('e');
      letters = at >= 0 ? letters.slice(0, at + 1) + 'u' + letters.slice(at + 1) : 'u' + letters;
    }
    return `${m[1]}set -${letters}${missing.includes('pipefail') ? 'o pipefail' : ''}`;
  }
  const short = missing.filter((o) => o !== 'pipefail');
  const parts = [line.trimEnd()];
  if (short.length) parts.push('-' + short.map((o) => (o === 'errexit' ? 'e' : 'u')).join(''));
  if (missing.includes('pipefail')) parts.push('-o pipefail');
  return parts.join(' ');
}
