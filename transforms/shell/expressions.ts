/**
 * GitHub `${{ }}` expressions inside shell scripts: which ones carry data an
 * attacker (or a secret) controls, the env name each one moves to, and the
 * shell text that reads that variable back in each quoting context.
 */
import { chain, expressionBody, findExpressions, nameWords, normalisedBody, parseExpression, references, type Expr, type Reference } from './expr-lexer.js';
import type { QuoteContext } from './script.js';
import { matrixValues } from '../../src/workflow/matrix.js';
import type { Job } from '../../src/workflow/model.js';

/** Where the values of `matrix.<key>` may come from untrusted data (a predicate per job). */
export type MatrixTrust = (key: string) => boolean;

/**
 * Contexts treated as untrusted when they appear inside code. All of
 * `github.*` is moved (generous: branch names, PR titles, commit messages,
 * `github.event.*` are attacker-controlled, and moving the trusted rest costs
 * nothing), plus step/job outputs, workflow/action inputs, secrets, and
 * `matrix.X` where the matrix values come from such data. `vars`, `runner`,
 * `job`, `strategy`, `steps.*.outcome`, `needs.*.result`, static matrices and
 * literals stay.
 */
export function untrustedReference(ref: Reference, matrixUntrusted: MatrixTrust = () => false): boolean {
  const [root, second, third] = ref.map((w) => w.toLowerCase());
  switch (root) {
    case 'github': case 'inputs': case 'secrets': return true;
    case 'steps': case 'needs': return third === 'outputs' || (second === '*' || third === '*');
    case 'matrix': return second === undefined || second === '*' || matrixUntrusted(ref[1]!);
    default: return false;
  }
}

/** The expression is untrusted text: any of its references is (matrix judged by the predicate). */
export function isUntrustedText(text: string, matrixUntrusted?: MatrixTrust): boolean {
  return findExpressions(text).some((e) => {
    try {
      return references(parseExpression(expressionBody(e.text))).some((r) => untrustedReference(r, matrixUntrusted));
    } catch {
      return /\b(github|inputs|secrets|steps|needs)\b/.test(e.text);
    }
  });
}

export { expressionBody };

/** One key per meaning: `matrix['target']` and `matrix.target` agree; other expressions compare token by token. */
export function expressionKey(text: string): string {
  try {
    const tree = parseExpression(expressionBody(text.trim()));
    const ref = chain(tree);
    if (ref && !ref.includes('*')) {
      const [root, ...rest] = ref;
      return `ref:${root!.toLowerCase()}.${(root!.toLowerCase() === 'env' ? rest : rest.map((w) => w.toLowerCase())).join('.')}`;
    }
  } catch { /* compared as text */ }
  return normalisedBody(text);
}

export function sameExpression(a: string, b: string): boolean {
  return /^\$\{\{[\s\S]*\}\}$/.test(a.trim()) && expressionKey(a) === expressionKey(b);
}

export type ExpressionKind =
  | { kind: 'env'; name: string }
  | { kind: 'move'; name: string; runnerVariable?: string }
  | { kind: 'leave' }
  | { kind: 'unreadable'; reason: string };

/**
 * `github.X` whose runner variable `GITHUB_X` holds the same value in every
 * step (the runner's documented defaults; github.workspace, event_path and
 * action_path differ inside containers and are left out).
 */
const RUNNER_DEFAULTS = new Set([
  'action', 'actor', 'actor_id', 'api_url', 'base_ref', 'event_name', 'graphql_url', 'head_ref', 'job', 'ref', 'ref_name',
  'ref_protected', 'ref_type', 'repository', 'repository_id', 'repository_owner', 'repository_owner_id', 'retention_days',
  'run_attempt', 'run_id', 'run_number', 'server_url', 'sha', 'triggering_actor', 'workflow', 'workflow_ref', 'workflow_sha',
]);

/** `GITHUB_ACTOR` for `github.actor`: the default variable that already holds the expression's value. */
export function runnerVariableFor(tree: Expr): string | undefined {
  const [root, name, ...rest] = chain(tree) ?? [];
  if (root?.toLowerCase() !== 'github' || !name || rest.length || !RUNNER_DEFAULTS.has(name.toLowerCase())) return undefined;
  return `GITHUB_${name.toUpperCase()}`;
}

/** Env name for a whole expression: `fromJSON(steps.runs.outputs.data).workflow_runs[0].id` -> STEPS_RUNS_OUTPUTS_DATA_WORKFLOW_RUNS_0_ID. */
export function envNameFor(tree: Expr): string {
  const name = nameWords(tree).join('_').toUpperCase().replace(/[^A-Z0-9_]+/g, '_').replace(/_+/g, '_').replace(/^_+|_+$/g, '').slice(0, 80).replace(/_+$/, '');
  return /^[0-9]/.test(name) ? `_${name}` : name || 'WF_FIX_VALUE';
}

/** What to do with one `${{ }}` found in code. */
export function classifyExpression(text: string, matrixUntrusted?: MatrixTrust): ExpressionKind {
  let tree: Expr;
  try {
    tree = parseExpression(expressionBody(text));
  } catch (e) {
    return isUntrustedText(text, matrixUntrusted) ? { kind: 'unreadable', reason: `${text} is not an expression wf-fix can read (${(e as Error).message})` } : { kind: 'leave' };
  }
  const refs = references(tree);
  const ref = chain(tree);
  if (ref?.length === 2 && ref[0]!.toLowerCase() === 'env' && /^[A-Za-z_][A-Za-z0-9_]*$/.test(ref[1]!)) return { kind: 'env', name: ref[1]! };
  if (!refs.some((r) => untrustedReference(r, matrixUntrusted))) return { kind: 'leave' };
  return { kind: 'move', name: envNameFor(tree), runnerVariable: runnerVariableFor(tree) };
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

/** Which `matrix.X` of a job carry untrusted data: values (or the fromJSON source) built from untrusted contexts. */
export function matrixTrust(job: Job): MatrixTrust {
  const cache = new Map<string, boolean>();
  return (key) => {
    let v = cache.get(key);
    if (v === undefined) {
      v = (matrixValues(job, key)?.expressions ?? []).some((text) => isUntrustedText(text));
      cache.set(key, v);
    }
    return v;
  };
}
