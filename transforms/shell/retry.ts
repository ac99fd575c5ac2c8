/**
 * Bounded retries in bash. Where the repository is checked out, the deploy
 * line calls the repository's generated retry script
 * (`bash "$GITHUB_WORKSPACE"/.github/actions/wf-fix-retry/retry.sh --attempts
 * 3 --delay 30 -- npx cdk deploy ...`, src/actions/retry.ts). Elsewhere, the
 * inline form: one function, defined once at the top of the script, called in
 * place of the command it retries (`wf_fix_retry npx cdk deploy ...`). Both
 * run the command as a loop condition, so `set -e` never ends the loop early,
 * and fail with the last exit status after the last attempt.
 */
import { RETRY_PATH } from '../../src/actions/retry.js';
import { commandWords, deployCommands, deployIn, type DeployHit, type DeployScope } from '../shared/deploy.js';
import type { ScriptFacts, SimpleCommand } from './script.js';

export const RETRY_FUNCTION = 'wf_fix_retry';

export interface RetryPolicy {
  attempts: number;
  delaySeconds: number;
  backoff: 'exponential' | 'fixed';
}

/**
 * The function's lines (no trailing newline): seven lines, inline in the
 * script that uses it, so it runs in any job (no checkout needed), in
 * reusable workflows and composite actions alike, and the reviewer reads
 * all of it in the diff. `until "$@"` runs the command as a condition, so
 * `set -e` does not end the loop; `$?` in the body is the command's status.
 */
export function retryFunction(p: RetryPolicy): string[] {
  const wait = p.backoff === 'exponential' ? `${p.delaySeconds}s apart, doubling` : `${p.delaySeconds}s apart`;
  return [
    `# wf-fix: run a command up to ${p.attempts} times, ${wait}; fail with its last exit status.`,
    `${RETRY_FUNCTION}() {`,
    `  local attempt=1 delay=${p.delaySeconds} status`,
    '  until "$@"; do',
    `    status=$?; echo "wf-fix: attempt $attempt of ${p.attempts} failed (exit $status): $*" >&2`,
    `    if [ "$attempt" -ge ${p.attempts} ]; then return "$status"; fi`,
    `    sleep "$delay"; attempt=$((attempt + 1))${p.backoff === 'exponential' ? ' delay=$((delay * 2))' : ''}`,
    '  done',
    '}',
  ];
}

/** What goes in front of a deploy command to retry it with the repository's retry.sh. */
export function retryFileCall(p: RetryPolicy): string {
  const backoff = p.backoff === 'fixed' ? ' --backoff fixed' : '';
  return `bash "$GITHUB_WORKSPACE"/${RETRY_PATH} --attempts ${p.attempts} --delay ${p.delaySeconds}${backoff} -- `;
}

/** Every retryFileCall in a text, whatever its policy. */
const RETRY_FILE_CALLS = new RegExp(
  `bash "\\$GITHUB_WORKSPACE"/${RETRY_PATH.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} --attempts \\d+ --delay \\d+(?: --backoff fixed)? -- `, 'g');

/** The text with every retryFileCall taken out (what the deploy lines were before deploy-retry). */
export function withoutRetryFileCalls(text: string): string {
  return text.replace(RETRY_FILE_CALLS, '');
}

export interface DeployCall {
  command: SimpleCommand;
  /** Script offset where the retry call (`wf_fix_retry `, `bash .../retry.sh ... -- `) goes. */
  insertAt: number;
  /** The deploy command as written (first words), for messages. */
  label: string;
  hit: DeployHit;
}

/** Loops or functions that already retry what they contain. */
function retryingFrame(facts: ScriptFacts, c: SimpleCommand): boolean {
  return c.frames.some((f) => {
    if (f.kind === 'func') return /retry|attempt/i.test(f.name ?? '');
    if (f.kind !== 'loop') return false;
    return /retr|attempt|tries|\bsleep\b|max_?try/i.test(facts.script.slice(f.start, f.end));
  });
}

export interface DeployScan {
  /** Deploy commands without a retry around them. */
  bare: DeployCall[];
  /** Deploy commands already retried (by a loop, a retry helper or wf_fix_retry). */
  wrapped: number;
  /** Deploy commands that cannot be wrapped, with the reason. */
  refused: { label: string; reason: string }[];
}

export function scanDeploys(facts: ScriptFacts, scope: DeployScope): DeployScan {
  const out: DeployScan = { bare: [], wrapped: 0, refused: [] };
  const hits = new Map(deployCommands(facts, scope).map((d) => [d.command, d.hit]));
  for (const c of facts.commands) {
    const words = commandWords(facts, c);
    if (words[0] === 'exec' && deployIn(words.slice(1), scope)) {
      out.refused.push({ label: facts.script.slice(c.start, c.end), reason: 'exec replaces the shell; a retry cannot come back to it' });
      continue;
    }
    const hit = hits.get(c);
    if (!hit) continue;
    if (hit.retried) { out.wrapped++; continue; }
    if (hit.xargs) {
      out.refused.push({ label: facts.script.slice(c.start, c.end), reason: 'xargs reads its arguments from stdin once; a retry would run without them' });
      continue;
    }
    const label = facts.script.slice(c.words[hit.insert]!.start, c.words[hit.end - 1]!.end);
    if (retryingFrame(facts, c)) { out.wrapped++; continue; }
    out.bare.push({ command: c, insertAt: c.words[hit.insert]!.start, label, hit });
  }
  return out;
}

/** Where the function goes: after a shebang and the leading `set` lines, so `set` stays first. */
export function functionLine(facts: ScriptFacts): number {
  const lines = facts.script.split('\n');
  let k = 0;
  if (lines[0]?.startsWith('#!')) k = 1;
  while (k < lines.length && /^\s*set\s+[-+]/.test(lines[k]!) && !/[;&|]/.test(lines[k]!)) k++;
  return k;
}

export function definesRetryFunction(facts: ScriptFacts): boolean {
  return definedFunctions(facts).has(RETRY_FUNCTION);
}

/** Shell functions the script defines (a command of that name runs the function, which another process cannot). */
export function definedFunctions(facts: ScriptFacts): Set<string> {
  return new Set(facts.frames.flatMap((f) => (f.kind === 'func' && f.name ? [f.name] : [])));
}

/**
 * The script with every bare deploy call wrapped: `inline` defines the
 * function once and calls it; otherwise each call runs through the
 * repository's retry.sh.
 */
export function wrapDeploys(facts: ScriptFacts, calls: DeployCall[], policy: RetryPolicy, inline = true): string {
  let s = facts.script;
  const prefix = inline ? `${RETRY_FUNCTION} ` : retryFileCall(policy);
  for (const call of [...calls].sort((a, b) => b.insertAt - a.insertAt)) {
    s = s.slice(0, call.insertAt) + prefix + s.slice(call.insertAt);
  }
  if (!inline || definesRetryFunction(facts)) return s;
  const lines = s.split('\n');
  const at = functionLine(facts);
  lines.splice(at, 0, ...retryFunction(policy));
  return lines.join('\n');
}
