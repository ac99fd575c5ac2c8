/**
 * GitHub `${{ }}` expressions inside shell scripts: which ones carry data an
 * attacker (or a secret) controls, the env name each one moves to, and the
 * shell text that reads that variable back in each quoting context.
 */
import type { QuoteContext } from './script.js';

/**
 * Contexts treated as untrusted when they appear inside `run:`. All of
 * `github.*` is moved (generous: branch names, PR titles, commit messages,
 * `github.event.*` are attacker-controlled, and moving the trusted rest costs
 * nothing), plus step/job outputs, workflow/action inputs and secrets.
 * `matrix`, `vars`, `runner`, `job`, `strategy`, `steps.*.outcome`,
 * `needs.*.result`, function calls without such references and literals stay.
 */
const UNTRUSTED = [
  /(?<![\w.-])github\b(?:\.[\w-]+|\[[^\]]*\]|\.\*)*/g,
  /(?<![\w.-])steps\.[\w-]+\.outputs\b(?:\.[\w-]+|\[[^\]]*\])*/g,
  /(?<![\w.-])needs\.[\w-]+\.outputs\b(?:\.[\w-]+|\[[^\]]*\])*/g,
  /(?<![\w.-])inputs\b(?:\.[\w-]+|\[[^\]]*\])*/g,
  /(?<![\w.-])secrets\b(?:\.[\w-]+|\[[^\]]*\])*/g,
];

/** The expression between `${{` and `}}`, trimmed, whitespace runs collapsed outside string literals. */
export function expressionBody(text: string): string {
  return text.replace(/^\$\{\{\s*/, '').replace(/\s*\}\}$/, '');
}

export function sameExpression(a: string, b: string): boolean {
  const norm = (s: string) => expressionBody(s.trim()).replace(/\s+/g, ' ');
  return /^\$\{\{[\s\S]*\}\}$/.test(a.trim()) && norm(a) === norm(b);
}

export type ExpressionKind =
  | { kind: 'env'; name: string }
  | { kind: 'move'; ref: string }
  | { kind: 'leave' };

/** What to do with one `${{ }}` found in a script. */
export function classifyExpression(text: string): ExpressionKind {
  const body = expressionBody(text);
  const env = /^env\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(body);
  if (env) return { kind: 'env', name: env[1]! };
  const code = body.replace(/'(?:[^']|'')*'/g, "''");
  for (const re of UNTRUSTED) {
    const m = code.match(re);
    if (m) return { kind: 'move', ref: m[0] };
  }
  return { kind: 'leave' };
}

/** `github.event.pull_request.title` -> `GITHUB_EVENT_PULL_REQUEST_TITLE`. */
export function envNameFor(ref: string): string {
  const name = ref.replace(/\[\s*'([^']*)'\s*\]/g, '.$1').replace(/\[[^\]]*\]/g, '').toUpperCase().replace(/[^A-Z0-9_]+/g, '_').replace(/^_+|_+$/g, '');
  return /^[0-9]/.test(name) ? `_${name}` : name || 'WF_FIX_VALUE';
}

/**
 * Shell text reading `$NAME` where an expression stood, by quoting context;
 * undefined where no safe rewrite exists.
 */
export function readVariable(name: string, ctx: QuoteContext, fallbackEmpty = false): string | undefined {
  const ref = fallbackEmpty ? `\${${name}-}` : `$${name}`;
  const braced = fallbackEmpty ? ref : `\${${name}}`;
  switch (ctx) {
    case 'none': return `"${ref}"`;
    case 'double': case 'heredoc': case 'param-double': return braced;
    case 'param': return `"${braced}"`;
    case 'single': return `'"${ref}"'`;
    case 'comment': return ref;
    default: return undefined;
  }
}

export const CONTEXT_NAMES: Partial<Record<QuoteContext, string>> = {
  ansi: "inside a $'...' string",
  'heredoc-literal': 'inside a quoted heredoc (no expansion there)',
  backtick: 'inside `backticks`',
  arith: 'inside arithmetic, where a variable would be evaluated as code too',
};
