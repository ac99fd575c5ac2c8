/**
 * Runs a composite action's steps the way the runner does: the `inputs`
 * context is the action's input defaults overlaid with the calling step's
 * `with:` (composite actions get no INPUT_* variables), each step's `if:` and
 * `env:` expressions are evaluated against it (and `runner.temp`), and each
 * `run:` goes through `bash --noprofile --norc -eo pipefail {0}` with that env.
 * A failing step skips the rest (their `if:` carries the implicit success()).
 * Only what the generated actions use is evaluated: literals, context members,
 * `! == != && ||` and parentheses; anything else throws.
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { findExpressions, parseExpression, type Expr } from '../../transforms/shell/expr-lexer.js';
import { parseYaml, toPlain } from '../../src/yaml.js';

type Value = string | boolean | null;
type Contexts = Record<string, Record<string, string>>;

const truthy = (v: Value): boolean => v !== null && v !== false && v !== '';
const asString = (v: Value): string => (v === null ? '' : String(v));

function evaluate(e: Expr, ctx: Contexts): Value {
  switch (e.type) {
    case 'literal': return e.raw === 'true' ? true : e.raw === 'false' ? false : e.raw === 'null' ? null : e.value;
    case 'member': {
      if (e.object.type !== 'ident' || !(e.object.name in ctx)) throw new Error(`unsupported reference ${JSON.stringify(e)}`);
      return ctx[e.object.name]![e.name] ?? null;
    }
    case 'unary': return !truthy(evaluate(e.arg, ctx));
    case 'binary': {
      const l = evaluate(e.left, ctx);
      if (e.op === '&&') return truthy(l) ? evaluate(e.right, ctx) : l;
      if (e.op === '||') return truthy(l) ? l : evaluate(e.right, ctx);
      const r = evaluate(e.right, ctx);
      // Strings compare case-insensitively.
      if (e.op === '==') return asString(l).toLowerCase() === asString(r).toLowerCase();
      if (e.op === '!=') return asString(l).toLowerCase() !== asString(r).toLowerCase();
      throw new Error(`unsupported operator ${e.op}`);
    }
    default: throw new Error(`unsupported expression ${e.type}`);
  }
}

/** A value with `${{ }}` parts replaced by their results. */
export function interpolate(text: string, ctx: Contexts): string {
  let out = '';
  let last = 0;
  for (const x of findExpressions(text)) {
    out += text.slice(last, x.start) + asString(evaluate(parseExpression(x.text.slice(3, -2)), ctx));
    last = x.end;
  }
  return out + text.slice(last);
}

/** An `if:` (with or without `${{ }}`): true when absent. */
function condition(text: string | undefined, ctx: Contexts): boolean {
  if (text === undefined) return true;
  const t = text.trim();
  const body = t.startsWith('${{') && t.endsWith('}}') ? t.slice(3, -2) : t;
  return truthy(evaluate(parseExpression(body), ctx));
}

interface ActionStep { name?: string; if?: string; shell?: string; env?: Record<string, string>; run?: string; uses?: string }
interface ActionFile { inputs?: Record<string, { default?: string; required?: boolean }>; runs: { using: string; steps: ActionStep[] } }

export interface CompositeRun {
  status: number;
  stdout: string;
  stderr: string;
  /** Names of the steps that ran, in order. */
  ran: string[];
  /** Each run step's env as the script saw it (its own env: only). */
  envs: Record<string, string>[];
}

/** Run bash with `args` in `cwd`, collecting its output. */
export function runBash(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    const child = spawn('bash', args, { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('error', fail);
    child.on('close', (code) => ok({ status: code ?? -1, stdout, stderr }));
  });
}

/** Run the composite action `actionText` (no header needed) called with `withValues`, in `cwd`. */
export async function runComposite(actionText: string, withValues: Record<string, string>, cwd: string, env: NodeJS.ProcessEnv): Promise<CompositeRun> {
  const action = toPlain(parseYaml(actionText).docs[0]!) as ActionFile;
  if (action.runs.using !== 'composite') throw new Error('not a composite action');
  const runner = { temp: env.RUNNER_TEMP! };
  const inputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(action.inputs ?? {})) inputs[k] = v.default ?? '';
  for (const [k, v] of Object.entries(withValues)) {
    if (!(k in inputs)) throw new Error(`the action has no input ${k}`);
    inputs[k] = interpolate(v, { runner });
  }
  for (const [k, v] of Object.entries(action.inputs ?? {})) if (v.required && inputs[k] === '') throw new Error(`input ${k} is required`);
  const ctx: Contexts = { inputs, runner };
  const out: CompositeRun = { status: 0, stdout: '', stderr: '', ran: [], envs: [] };
  for (const [i, step] of action.runs.steps.entries()) {
    if (!condition(step.if, ctx)) continue;
    if (step.uses || step.run === undefined) throw new Error('only run steps are supported');
    if (step.shell !== 'bash') throw new Error(`step ${i} has shell ${step.shell}`);
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, interpolate(String(v), ctx)]));
    out.ran.push(step.name ?? `step ${i}`);
    out.envs.push(stepEnv);
    const file = join(env.RUNNER_TEMP!, `composite-${i}-${process.hrtime.bigint()}.sh`);
    writeFileSync(file, step.run);
    const r = await runBash(['--noprofile', '--norc', '-eo', 'pipefail', file], cwd, { ...env, ...stepEnv });
    out.stdout += r.stdout;
    out.stderr += r.stderr;
    if (r.status !== 0) return { ...out, status: r.status };
  }
  return out;
}
