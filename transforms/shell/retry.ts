/**
 * Bounded retries in bash: one function, defined once at the top of a
 * script, called in place of the command it retries (`wf_fix_retry npx cdk
 * deploy ...`). The command runs as an `if` condition, so `set -e` never ends
 * the loop early; after the last attempt the function returns the last exit
 * status, which fails the step under GitHub's `bash -e`.
 */
import type { ScriptFacts, SimpleCommand, Word } from './script.js';

export const RETRY_FUNCTION = 'wf_fix_retry';

export interface RetryPolicy {
  attempts: number;
  delaySeconds: number;
  backoff: 'exponential' | 'fixed';
}

/** The function's lines (no trailing newline). */
export function retryFunction(p: RetryPolicy): string[] {
  const wait = p.backoff === 'exponential' ? `${p.delaySeconds}s between attempts, doubling each time` : `${p.delaySeconds}s between attempts`;
  return [
    `# wf-fix: run a command up to ${p.attempts} times, waiting ${wait}.`,
    `${RETRY_FUNCTION}() {`,
    `  local attempt=1 delay=${p.delaySeconds} status=0`,
    '  while true; do',
    '    if "$@"; then return 0; else status=$?; fi',
    `    if [ "$attempt" -ge ${p.attempts} ]; then`,
    '      echo "wf-fix: \'$*\' failed after $attempt attempts (exit $status)" >&2',
    '      return "$status"',
    '    fi',
    '    echo "wf-fix: attempt $attempt failed (exit $status); retrying in ${delay}s" >&2',
    '    sleep "$delay"',
    `    attempt=$((attempt + 1))${p.backoff === 'exponential' ? ' delay=$((delay * 2))' : ''}`,
    '  done',
    '}',
  ];
}

/** How each deploy tool is recognised: the tool words, then the subcommand path. */
const TOOLS: { tool: RegExp; sub: string[] }[] = [
  { tool: /^(?:\.\/node_modules\/\.bin\/)?(?:cdk|cdktf|aws-cdk(?:@\S+)?)$/, sub: ['deploy'] },
  { tool: /^aws$/, sub: ['cloudformation', 'deploy'] },
  { tool: /^sam$/, sub: ['deploy'] },
  { tool: /^(?:serverless|sls)$/, sub: ['deploy'] },
];
/** Package runners that put the tool after themselves: `npx cdk`, `yarn cdk`, `pnpm exec cdk`. */
const RUNNERS = /^(?:npx|pnpx|bunx|yarn|pnpm|npm)$/;
const RUNNER_SUB = new Set(['exec', 'dlx', 'x', '--']);
/** External wrappers the retry function can call through (`wf_fix_retry timeout 30m cdk deploy`). */
const WRAPPERS = /^(?:timeout|env|nice|sudo|stdbuf|nohup)$/;

/** Index of the first word after options (and a value after a `--long` option). */
function subcommandMatch(words: string[], from: number, sub: string[]): number | undefined {
  let k = from;
  for (const want of sub) {
    while (k < words.length && words[k]!.startsWith('-')) {
      const opt = words[k]!;
      k++;
      if (opt.startsWith('--') && !opt.includes('=') && k < words.length && !words[k]!.startsWith('-') && words[k] !== want) k++;
    }
    if (words[k] !== want) return undefined;
    k++;
  }
  return k;
}

export interface DeployCall {
  command: SimpleCommand;
  /** Script offset where `wf_fix_retry ` goes. */
  insertAt: number;
  /** The deploy command as written (first words), for messages. */
  label: string;
}

/** Position of the deploy tool in a command's words, and where the wrapper call goes. */
function deployIn(words: Word[]): { insert: number; tool: number; end: number } | undefined {
  const text = words.map((w) => w.text);
  let k = 0;
  while (text[k] === 'time' || text[k] === '!' || (text[k - 1] === 'time' && text[k] === '-p')) k++;
  const insert = k;
  if (text[k] !== undefined && WRAPPERS.test(text[k]!)) {
    k++;
    while (k < text.length && (text[k]!.startsWith('-') || /^[A-Za-z_]\w*=/.test(text[k]!) || /^\d+[smhd]?$/.test(text[k]!))) k++;
  }
  let tool = k;
  if (text[k] !== undefined && RUNNERS.test(text[k]!)) {
    k++;
    while (k < text.length && (text[k]!.startsWith('-') || RUNNER_SUB.has(text[k]!))) {
      if (text[k] === '-p' || text[k] === '--package') k++;
      k++;
    }
    tool = k;
  }
  for (const t of TOOLS) {
    if (text[tool] === undefined || !t.tool.test(text[tool]!)) continue;
    const end = subcommandMatch(text, tool + 1, t.sub);
    if (end !== undefined) return { insert, tool, end };
  }
  return undefined;
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

export function scanDeploys(facts: ScriptFacts): DeployScan {
  const out: DeployScan = { bare: [], wrapped: 0, refused: [] };
  for (const c of facts.commands) {
    if (c.words[0]?.text === 'exec' && deployIn(c.words.slice(1))) {
      out.refused.push({ label: facts.script.slice(c.start, c.end), reason: 'exec replaces the shell; a retry cannot come back to it' });
      continue;
    }
    const hit = deployIn(c.words);
    if (!hit) {
      // `retry 3 npx cdk deploy`, `wf_fix_retry cdk deploy`: a helper already retries it.
      const k = c.words.findIndex((w) => /retry/i.test(w.text));
      if (k >= 0 && deployIn(c.words.slice(k + 1))) out.wrapped++;
      continue;
    }
    const label = facts.script.slice(c.words[hit.insert]!.start, c.words[hit.end - 1]!.end);
    if (retryingFrame(facts, c)) { out.wrapped++; continue; }
    out.bare.push({ command: c, insertAt: c.words[hit.insert]!.start, label });
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
  return facts.frames.some((f) => f.kind === 'func' && f.name === RETRY_FUNCTION);
}

/** The script with every bare deploy call wrapped, and the function defined once. */
export function wrapDeploys(facts: ScriptFacts, calls: DeployCall[], policy: RetryPolicy): string {
  let s = facts.script;
  for (const call of [...calls].sort((a, b) => b.insertAt - a.insertAt)) {
    s = s.slice(0, call.insertAt) + `${RETRY_FUNCTION} ` + s.slice(call.insertAt);
  }
  if (definesRetryFunction(facts)) return s;
  const lines = s.split('\n');
  const at = functionLine(facts);
  lines.splice(at, 0, ...retryFunction(policy));
  return lines.join('\n');
}
