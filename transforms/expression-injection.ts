/**
 * 9. Expression injection (expression-injection) (FIXES.md section 9).
 *
 * `${{ }}` inside code is pasted into the code text before the interpreter
 * reads it, so a branch name like `a";touch /tmp/pwn;"` becomes code. Finds
 * untrusted `${{ }}` expressions (expressions.ts decides which) in `run:`
 * scripts and in `with:` inputs that actions run as code
 * (shared/code-inputs.ts), moves each one into the step's `env:` (created
 * before `run:`/`with:` when missing) under a name derived from the whole
 * expression (GITHUB_EVENT_PULL_REQUEST_TITLE, STEPS_DEPLOY_OUTPUTS_URL),
 * and reads it back the language's way:
 * - bash/sh: quoted for where it stood: `"$NAME"` in plain text, `${NAME}`
 *   inside double quotes or an unquoted heredoc, `'"$NAME"'` inside single
 *   quotes; `${{ env.FOO }}` becomes `"$FOO"` directly (`${FOO-}` when no env:
 *   declares FOO); quoted heredocs, `$'...'`, backticks, arithmetic and an
 *   expression standing as the command itself are refused with the reason;
 * - PowerShell, JavaScript (github-script), Python: code-readers.ts;
 * - yq command lines: sh quoting, and `strenv(NAME)`/`env(NAME)` inside the yq
 *   expression.
 * A `github.X` whose runner variable holds the same value (github.actor ->
 * $GITHUB_ACTOR) is read from that variable with no new env: line. Names never
 * collide with env: at step/job/workflow level, runner variables or the
 * script's own variables; an existing env entry with the same expression is
 * reused, and the same expression twice is one variable. cmd scripts are
 * reported only: cmd expands %NAME% before parsing the line, so the value
 * would still be read as code.
 */
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import type { TextEdit } from '../src/workflow/edits.js';
import type { Job, Step, Workflow } from '../src/workflow/model.js';
import { EditRefused, insertPairs } from '../src/workflow/primitives.js';
import { getPair, isScalar, keyString, scalarString, type YamlNode, type YAMLMap } from '../src/yaml.js';
import { codeInputsOf, type CodeInputLanguage } from './shared/code-inputs.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';
import { rewriteCode, type CodeItem } from './shell/code-readers.js';
import { findExpressions, parseExpression, expressionBody, type FoundExpression } from './shell/expr-lexer.js';
import { classifyExpression, CONTEXT_NAMES, expressionKey, matrixTrust, readVariable, sameExpression, type MatrixTrust } from './shell/expressions.js';
import { editScriptValue, stepShell, textOffset } from './shell/run-step.js';
import { namesUsed, type ScriptFacts } from './shell/script.js';
import { analyseScript } from './shell/syntax.js';
import { RUNNER_VARIABLES } from './shell/strict.js';

export const meta: TransformMeta = {
  id: 'expression-injection',
  title: 'Expression injection -> env:',
  severity: 'error',
  fixesSection: '9. Expression injection (expression-injection)',
  description:
    'Moves ${{ github.* }}, ${{ steps.*.outputs.* }}, ${{ needs.*.outputs.* }}, ${{ inputs.* }}, ${{ secrets.* }} and matrix values '
    + 'built from them out of run: scripts and code-running action inputs (github-script, azure/cli, ...) into the step\'s env:, '
    + 'and reads them as environment variables, so their values reach the code as data, not code.',
};

function envPairs(map: YAMLMap | undefined): [string, string][] {
  if (!map) return [];
  return map.items.flatMap((p) => {
    const k = keyString(p);
    return k === undefined ? [] : [[k, scalarString(p.value) ?? ''] as [string, string]];
  });
}

/** Effective env of the step (step over job over workflow), and every name declared anywhere. */
function stepEnv(wf: Workflow, job: Job, step: Step): { effective: Map<string, string>; declared: Set<string> } {
  const levels = [wf.kind === 'workflow' ? wf.env : undefined, job.env, step.env];
  const effective = new Map<string, string>();
  for (const level of levels) for (const [k, v] of envPairs(level)) effective.set(k, v);
  return { effective, declared: new Set(effective.keys()) };
}

/** Where code sits in a step: `run:`, or a `with:` input an action runs. */
interface Target {
  map: YAMLMap;
  key: string;
  node: YamlNode;
  script: string;
  language: CodeInputLanguage | 'sh' | 'cmd' | 'other';
  /** `run:` or `with.script (actions/github-script)`, for messages. */
  where: string;
  /** Shell description for report-only messages. */
  shell?: string;
}

interface Plan {
  /** Expressions to report (as written). */
  found: string[];
  /** Script offset of the first expression found. */
  firstAt: number;
  script: string;
  newEnv: Record<string, string>;
  refused?: string;
}

const LANGUAGE_NAMES: Record<Target['language'], string> = {
  bash: 'shell code', sh: 'shell code', pwsh: 'PowerShell code', cmd: 'cmd code', js: 'JavaScript code', python: 'Python code', yq: 'shell and yq code', other: 'code',
};

function targetsOf(wf: Workflow, job: Job, step: Step): Target[] {
  if (step.run && isScalar(step.run) && typeof step.script === 'string') {
    const shell = stepShell(wf, job, step);
    const language: Target['language'] = shell.family === 'bash' ? 'bash' : shell.family === 'sh' ? 'sh' : shell.family === 'pwsh' ? 'pwsh'
      : shell.family === 'python' ? 'python' : shell.family === 'cmd' ? 'cmd' : 'other';
    return [{ map: step.node, key: 'run', node: step.run, script: step.script, language, where: 'run: script', shell: shell.shell }];
  }
  const out: Target[] = [];
  for (const input of codeInputsOf(step.action)) {
    const pair = step.with?.items.find((p) => keyString(p)?.toLowerCase() === input.input.toLowerCase());
    const node = pair?.value as YamlNode | null | undefined;
    if (!pair || !node || !isScalar(node) || typeof node.value !== 'string') continue;
    out.push({ map: step.with!, key: keyString(pair)!, node, script: node.value, language: input.language, where: `with.${keyString(pair)} (${input.action})` });
  }
  return out;
}

/**
 * Inside shell single quotes in a yq command line the text is a yq
 * expression: `"${{ x }}"` -> strenv(NAME), a key `."${{ x }}"` ->
 * `.[strenv(NAME)]`, a bare value -> env(NAME) (parsed as YAML, as the pasted
 * text was).
 */
function yqRead(script: string, facts: ScriptFacts, e: FoundExpression, name: string): { start: number; end: number; text: string } | string {
  let from = e.start;
  while (from > 0 && facts.contextAt(from - 1) === 'single') from--;
  const before = script.slice(from, e.start).replace(/\\./g, '');
  if ((before.match(/"/g)?.length ?? 0) % 2 === 0) return { start: e.start, end: e.end, text: `env(${name})` };
  if (script[e.start - 1] === '"' && script[e.end] === '"') {
    return { start: e.start - 1, end: e.end + 1, text: script[e.start - 2] === '.' ? `[strenv(${name})]` : `strenv(${name})` };
  }
  return `${e.text} stands inside a longer yq string; move it to env: by hand`;
}

/** The expression is the command word of a simple command, unquoted: its value runs as a command line. */
function standsAsCommand(facts: ScriptFacts, e: FoundExpression): boolean {
  return facts.contextAt(e.start) === 'none' && facts.commands.some((c) => c.words[0] !== undefined && c.words[0].start <= e.start && e.start < c.words[0].end);
}

const NUMERIC = /(^|_)(NUMBER|ID|RUN_NUMBER|RUN_ATTEMPT|COUNT)$/;

function planTarget(wf: Workflow, job: Job, step: Step, target: Target, trust: MatrixTrust): Plan {
  const { script, language } = target;
  const shellLike = language === 'bash' || language === 'sh' || language === 'yq';
  const facts = shellLike ? analyseScript(script) : undefined;
  const { effective, declared } = stepEnv(wf, job, step);
  const assigned = new Set(facts?.assigns.map((a) => a.name) ?? []);
  const used = facts ? namesUsed(facts) : new Set<string>();
  const taken = new Set([...declared, ...used, ...RUNNER_VARIABLES]);
  const byExpression = new Map<string, string>();
  const newEnv: Record<string, string> = {};
  const readOutsideComments = new Set<string>();
  const found: string[] = [];
  const replacements: { start: number; end: number; text: string }[] = [];
  const codeItems: CodeItem[] = [];
  let refused: string | undefined;
  let firstAt = 0;

  const nameFor = (text: string, base: string, runnerVariable: string | undefined): string => {
    const key = expressionKey(text);
    const known = byExpression.get(key);
    if (known) return known;
    const reuse = [...effective].find(([n, v]) => sameExpression(v, text) && !assigned.has(n) && /^[A-Za-z_]\w*$/.test(n))?.[0];
    let name = reuse;
    if (!name && runnerVariable && !used.has(runnerVariable)) name = runnerVariable;
    if (!name) {
      name = base;
      for (let k = 2; taken.has(name); k++) name = `${base}_${k}`;
      taken.add(name);
      newEnv[name] = text.includes('\n') ? `\${{ ${expressionBody(text).replace(/\s*\n\s*/g, ' ')} }}` : text;
    }
    byExpression.set(key, name);
    return name;
  };

  for (const e of findExpressions(script)) {
    const cls = classifyExpression(e.text, trust);
    if (cls.kind === 'leave') continue;
    if (cls.kind === 'env' && !shellLike) continue;
    if (!found.length) firstAt = e.start;
    found.push(e.multiLine ? `\${{ ${normalised(e.text)} }}` : e.text);
    if (cls.kind === 'unreadable') { refused ??= cls.reason; continue; }
    if (language === 'cmd' || language === 'other') continue;
    if (!facts) {
      const name = nameFor(e.text, cls.kind === 'move' ? cls.name : cls.name, cls.kind === 'move' ? cls.runnerVariable : undefined);
      readOutsideComments.add(name);
      const tree = parseExpression(expressionBody(e.text));
      codeItems.push({ start: e.start, end: e.end, text: e.text, name, numeric: NUMERIC.test(name), json: tree.type === 'call' && tree.name.toLowerCase() === 'tojson' });
      continue;
    }
    if (facts.problems.length) { refused ??= facts.problems[0]; continue; }
    const ctx = facts.contextAt(e.start);
    if (standsAsCommand(facts, e)) {
      refused ??= `${e.text} stands as the command itself (its value runs as a command line); quoting it would change what the script does, so review it by hand`;
      continue;
    }
    const direct = cls.kind === 'env' && !assigned.has(cls.name);
    const name = cls.kind === 'env' ? (direct ? cls.name : nameFor(e.text, cls.name, undefined)) : nameFor(e.text, cls.name, cls.runnerVariable);
    if (language === 'yq' && ctx === 'single') {
      const r = yqRead(script, facts, e, name);
      if (typeof r === 'string') { refused ??= r; continue; }
      readOutsideComments.add(name);
      replacements.push(r);
      continue;
    }
    if (language === 'yq' && (ctx === 'double' || ctx === 'param-double')) {
      refused ??= `${e.text} stands in a double-quoted argument of the yq command line, which may be the yq expression; move it to env: and read it with strenv() by hand`;
      continue;
    }
    const text = direct ? readVariable(name, ctx, !declared.has(name)) : readVariable(name, ctx);
    if (text === undefined) {
      refused ??= `${e.text} stands ${CONTEXT_NAMES[ctx] ?? `in a ${ctx} context`}; move it to env: by hand`;
      continue;
    }
    if (ctx !== 'comment') readOutsideComments.add(name);
    replacements.push({ start: e.start, end: e.end, text });
  }
  let prelude: string | undefined;
  if (codeItems.length && (language === 'js' || language === 'python' || language === 'pwsh')) {
    const r = rewriteCode(language, script, codeItems);
    if (r.refused) refused ??= r.refused;
    replacements.push(...r.replacements);
    prelude = r.prelude;
    if (prelude && /^\s*from\s+__future__\s+import/m.test(script)) refused ??= 'the Python script has a `from __future__` import, so `import os` cannot go first; move the expressions to env: by hand';
  }
  if (language === 'cmd' && found.length) refused ??= 'cmd expands %NAME% before it parses the line, so a value read from env: would still run as code; move the expressions to env: and read them in a PowerShell or bash step';
  if (language === 'other' && found.length) refused ??= `the step runs ${target.shell}: move the expressions to env: and read them as environment variables by hand`;
  let next = script;
  for (const r of replacements.sort((a, b) => b.start - a.start)) next = next.slice(0, r.start) + r.text + next.slice(r.end);
  if (prelude) next = `${prelude}\n${next}`;
  for (const n of Object.keys(newEnv)) if (!readOutsideComments.has(n)) delete newEnv[n];
  return { found: [...new Set(found)], firstAt, script: next, newEnv, refused };
}

function normalised(text: string): string {
  return expressionBody(text).replace(/\s+/g, ' ');
}

function find(ctx: TransformContext): Finding[] {
  const out: Finding[] = [];
  for (const job of ctx.wf.jobs) {
    const trust = matrixTrust(job);
    for (const step of job.steps) {
      for (const target of targetsOf(ctx.wf, job, step)) {
        if (!target.script.includes('${{')) continue;
        const p = planTarget(ctx.wf, job, step, target, trust);
        if (!p.found.length) continue;
        const where = `step '${step.name ?? step.id ?? step.index}'`;
        const fixable = target.language !== 'cmd' && target.language !== 'other';
        out.push({
          ruleId: meta.id,
          message: `${where} pastes ${p.found.join(', ')} into its ${target.where}, where the value becomes ${LANGUAGE_NAMES[target.language]}; pass it through env:`,
          offset: textOffset(ctx.text, step, p.firstAt, target.node),
          path: step.path,
          fixable,
          notes: fixable ? [] : [p.refused ?? ''],
          data: { step, target, plan: p },
        });
      }
    }
  }
  return out;
}

/** Place new env entries: into the step's env:, else a new env: before the key holding the code. */
function envEdits(ctx: TransformContext, step: Step, entries: Record<string, string>, codeKey: string): TextEdit[] {
  if (!Object.keys(entries).length) return [];
  if (step.env) {
    if (step.env.items.length === 0) throw new EditRefused('the step has an empty env: mapping');
    return insertPairs(ctx.text, step.env, entries, ctx.wf.indentUnit);
  }
  if (step.node.items.some((p) => keyString(p) === 'env')) throw new EditRefused('the step env: is not a mapping');
  const keys = step.node.items.map((p) => keyString(p));
  const at = keys.indexOf(codeKey);
  const after = at > 0 ? keys[at - 1] : codeKey;
  return insertPairs(ctx.text, step.node, { env: entries }, ctx.wf.indentUnit, { after });
}

/** Uses the plan find made: fix runs on the same context, so the script is not analysed again. */
function fix(ctx: TransformContext, finding: Finding): Fix | undefined {
  const { step, target, plan: p } = finding.data as { step: Step; target: Target; plan: Plan };
  if (p.refused) throw new EditRefused(p.refused);
  if (p.script === target.script) return undefined;
  const inRun = target.key === 'run' && target.map === step.node;
  const codeKey = inRun ? 'run' : 'with';
  const codePath = inRun ? [...step.path, 'run'] : [...step.path, 'with', target.key];
  if (!inRun && !getPair(step.node, 'with')) throw new EditRefused('with: is not where expected');
  // Script edits first: when the code is a one-line scalar followed by the new env:, both insert at the same offset.
  const edits = [...editScriptValue(ctx.text, target.map, target.key, p.script, ctx.wf.indentUnit), ...envEdits(ctx, step, p.newEnv, codeKey)];
  return {
    edits,
    declares: [{ path: codePath }, { path: [...step.path, 'env'] }],
    scripts: target.language === 'bash' || target.language === 'sh' ? [p.script] : [],
  };
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
