/**
 * 5. Hard-coded stack names (FIXES.md section 5).
 *
 * In jobs that deploy a CDK app (any wrapper, see shared/deploy.ts), finds literal `--stack-name X` (also
 * `--stack-name=X`, `--stack-names X`) in `aws cloudformation` read calls
 * (describe-*, list-*, get-*, detect-*, wait), and stack lists built with
 * `list-stacks ... contains(StackName, '...')` (matches unrelated stacks,
 * misses renamed ones). Names are read from the cloud assembly instead
 * (transforms/shell/stacks.ts: cdk.out/manifest.json, stage assemblies
 * included), one per line, and each rewritten command iterates its selection
 * quoted (`mapfile -t` into an array, `for ... in "${arr[@]}"`).
 *
 * How a literal maps to the discovered set: the command runs once per
 * selected stack, where a literal selects itself when the assembly declares a
 * stack of that name, and every declared stack otherwise (the literal was a
 * guess or is outdated). Commands whose output is captured, that continue a
 * pipeline, or that change stacks (deploy, delete, ...) are reported, not
 * rewritten: running them once per stack would change what they do.
 */
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import type { TextEdit } from '../src/workflow/edits.js';
import type { Job, Step } from '../src/workflow/model.js';
import { EditRefused } from '../src/workflow/primitives.js';
import { assemblyDirFor } from './shared/cdk.js';
import { deploySteps } from './shared/deploy.js';
import { runBlock, type LogicalLine, type RunBlock } from './shared/run-block.js';
import { discoverStackList, selectStacks, shellQuote, stacksFromList } from './shell/stacks.js';
import { analyseScript } from './shell/syntax.js';
import { CDK_STACKS_ID } from '../src/actions/cdk-stacks.js';
import { actionPath, usesReference } from '../src/actions/registry.js';
import { insertItems, insertPairs } from '../src/workflow/primitives.js';
import { getNode, scalarString } from '../src/yaml.js';
import { freeStepId, inlineReason, runWorkingDirectory, workspacePath } from './shared/local-action.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';

export const meta: TransformMeta = {
  id: 'stack-discovery',
  title: 'Hard-coded stack names -> discovery from cdk.out',
  severity: 'warning',
  fixesSection: '5. Hard-coded stack names (stack-discovery)',
  description:
    'In jobs that deploy a CDK app, replaces literal --stack-name values in aws cloudformation read calls and '
    + "list-stacks contains(StackName, ...) filters with the stack names declared in cdk.out/manifest.json "
    + '(stage assemblies included), iterated quoted; a literal keeps selecting its own stack when the app declares it.',
};

/** `--stack-name X`, `--stack-name=X`, `--stack-names X` with a literal X. */
const LITERAL = /--stack-names?(?:=|[ \t]+)('[^'$\\\n]*'|"[^"$`\\\n]*"|[A-Za-z][\w-]*)(?=[\s;|&)]|$)/g;
const READ_CALL = /^\s*aws\s+(?:--[\w-]+(?:[ =][^\s-]\S*)?\s+)*cloudformation\s+(?:describe|list|get|detect|validate)-[\w-]+\b|^\s*aws\s+(?:--[\w-]+(?:[ =][^\s-]\S*)?\s+)*cloudformation\s+wait\b/;
const CONTAINS = /contains\(\s*StackName\b/;
const CONTAINS_ASSIGN = /^(\s*)([A-Za-z_]\w*)=\$\(\s*aws\s+cloudformation\s+list-stacks\b[\s\S]*\)\s*$/;
const ENDS_CHAINED = /(\|\||&&|\|)\s*(#.*)?$/;

interface Data {
  job: Job;
  step: Step;
  dir: string;
  /** Why the discovery stays inline; undefined: the step reads the cdk-stacks action's output. */
  inline?: string;
  /** Position among the job's findings, so fixes applied in one pass pick different step ids. */
  ordinal: number;
}

/** The step output reaches the script through this env: variable (never `${{ }}` inside the script). */
export const STACK_NAMES_ENV = 'CDK_STACK_NAMES';
export const DISCOVERY_STEP_NAME = 'Discover CDK stacks';
/** Without the action, the names the inline discovery reads, one per line. */
const INLINE_LIST = 'cdk_stacks_list';
const USES = usesReference(actionPath(CDK_STACKS_ID));

function concerns(step: Step): boolean {
  const s = step.script ?? '';
  return /--stack-names?[= \t]/.test(s) && [...s.matchAll(LITERAL)].length > 0 || CONTAINS.test(s);
}

function literalsIn(step: Step): string[] {
  return [...(step.script ?? '').matchAll(LITERAL)].map((m) => m[1]!);
}

function find(ctx: TransformContext): Finding[] {
  const out: Finding[] = [];
  for (const job of ctx.wf.jobs) {
    const deploy = deploySteps(ctx, job, (d) => d.id === 'cdk')[0]?.step;
    if (!deploy) continue;
    let ordinal = 0;
    for (const step of job.steps) {
      if (!step.script || !concerns(step)) continue;
      const names = literalsIn(step);
      const what = [
        ...names.map((n) => `--stack-name ${n}`),
        ...(CONTAINS.test(step.script) ? ['list-stacks filtered by contains(StackName, ...)'] : []),
      ].join(', ');
      const dir = assemblyDirFor(deploy, step);
      const inline = inlineReason(ctx, job, step.index);
      out.push({
        ruleId: meta.id,
        message: `step '${step.name ?? step.id ?? step.index + 1}' hard-codes stack names (${what}); read them from the cloud assembly`,
        offset: (step.run?.range ?? step.node.range!)[0],
        path: [...step.path, 'run'],
        fixable: dir !== undefined,
        notes: dir === undefined
          ? [`cannot tell where the cloud assembly is from this step (its working-directory differs from the deploy step '${deploy.name ?? deploy.index + 1}')`]
          : [
            `stack names come from ${dir}/manifest.json (stage assemblies included)${inline ? '' : `, read by the step ${USES} before it`}; a literal name selects its own stack when the app declares it, otherwise every stack the app declares`,
            ...(inline ? [inline] : []),
          ],
        data: { job, step, dir: dir ?? '', inline, ordinal: ordinal++ } satisfies Data,
      });
    }
  }
  return out;
}

function uniqueName(script: string, candidates: string[]): string {
  const free = candidates.find((c) => !new RegExp(`\\b${c}\\b`).test(script));
  if (!free) throw new EditRefused(`the script already uses ${candidates.join(', ')}`);
  return free;
}

/** A standalone read-only aws cloudformation command that can run once per stack. */
function loopable(block: RunBlock, i: number): string | undefined {
  const l = block.logical[i]!;
  if (!l.clean) return 'it sits inside a multi-line string or after a heredoc';
  if (!READ_CALL.test(l.text)) return 'it is not a standalone aws cloudformation read call (its output may be captured, or it changes stacks)';
  if (ENDS_CHAINED.test(l.text)) return 'it continues into a pipeline or && / || chain on the next line';
  const prev = block.logical.slice(0, i).reverse().find((p) => p.text.trim() !== '' && !/^\s*#/.test(p.text));
  if (prev && ENDS_CHAINED.test(prev.text)) return 'it continues a pipeline or && / || chain from the line before';
  if ([...l.text.matchAll(LITERAL)].length !== 1) return 'it names more than one stack';
  return undefined;
}

interface Rewrite {
  index: number;
  lines: string[];
  /** Reads the array CDK_STACKS (a list-stacks contains() rewrite). */
  needsArray: boolean;
}

/** Shell variable names a rewrite introduces, unused by the script. */
interface Names {
  loop: string;
  selected: string;
  /** The variable holding the discovered names, one per line. */
  list: string;
}

/** The command, once per stack the literal selects: `mapfile` of the selection, then the loop. */
function rewriteLiteral(l: LogicalLine, names: Names): Rewrite['lines'] {
  const m = [...l.text.matchAll(LITERAL)][0]!;
  const literal = m[1]!;
  const replaced = l.text.slice(0, m.index!) + m[0]!.slice(0, m[0]!.length - literal.length) + `"$${names.loop}"` + l.text.slice(m.index! + m[0]!.length);
  return [
    `${l.indent}${selectStacks(names.selected, names.list, literal)}`,
    `${l.indent}for ${names.loop} in "\${${names.selected}[@]}"; do`,
    ...replaced.split('\n').map((t) => `  ${t}`),
    `${l.indent}done`,
  ];
}

function plan(step: Step, block: RunBlock, list: string): Rewrite[] {
  const script = step.script!;
  const rewrites: Rewrite[] = [];
  const names: Names = {
    loop: uniqueName(script, ['stack_name', 'cdk_stack_name', 'cdk_selected_stack']),
    selected: uniqueName(script, ['cdk_selected', 'cdk_selected_stacks']),
    list,
  };
  const arrays = new Set<string>();
  block.logical.forEach((l, i) => {
    if (!CONTAINS.test(l.text)) return;
    const m = CONTAINS_ASSIGN.exec(l.text);
    if (!m || !l.clean) throw new EditRefused('contains(StackName, ...) is used outside a plain VAR=$(aws cloudformation list-stacks ...) assignment');
    const [, indent, name] = m;
    arrays.add(name!);
    // Keep the variable as a space-joined string for any other use of it.
    const otherUse = block.logical.some((o, j) => j !== i && new RegExp(`\\$\\{?${name}\\b`).test(o.text)
      && !new RegExp(`^\\s*for\\s+\\w+\\s+in\\s+\\$\\{?${name}\\}?\\s*;\\s*do\\b`).test(o.text));
    rewrites.push({ index: i, lines: otherUse ? [`${indent}${name}="\${CDK_STACKS[*]}"`] : [], needsArray: true });
  });
  block.logical.forEach((l, i) => {
    for (const name of arrays) {
      const loop = new RegExp(`^(\\s*for\\s+\\w+\\s+in\\s+)\\$\\{?${name}\\}?(\\s*;\\s*do\\b.*)$`).exec(l.text);
      if (loop && l.clean && l.lines.length === 1) rewrites.push({ index: i, lines: [`${loop[1]}"\${CDK_STACKS[@]}"${loop[2]}`], needsArray: true });
    }
    if (!new RegExp(LITERAL.source).test(l.text)) return;
    const why = loopable(block, i);
    if (why) throw new EditRefused(`the command naming ${[...l.text.matchAll(LITERAL)].map((x) => x[1]).join(', ')} is left alone: ${why}`);
    rewrites.push({ index: i, lines: rewriteLiteral(l, names), needsArray: false });
  });
  return rewrites.sort((a, b) => a.index - b.index);
}

/**
 * The discovery step before `step`: an existing cdk-stacks step right before
 * it reading the same assembly (a second run), else a new one.
 */
function discoveryStep(ctx: TransformContext, data: Data): { id: string; edits: TextEdit[] } {
  const { job, step, dir, ordinal } = data;
  const assembly = workspacePath(runWorkingDirectory(ctx, job, step), dir);
  const prev = job.steps[step.index - 1];
  const prevAssembly = scalarString(getNode(prev?.with, 'assembly')) ?? 'cdk.out';
  if (prev?.uses?.trim() === USES && prev.id && prevAssembly === assembly && prev.if === step.if) return { id: prev.id, edits: [] };
  if (!job.stepsNode) throw new EditRefused(`job '${job.id}' has no steps list`);
  const id = freeStepId(job, 'cdk-stacks', ordinal + 1);
  // The step's own if: too, so the names are there whenever the step runs (e.g. if: always()).
  const value = { name: DISCOVERY_STEP_NAME, id, ...(step.if !== undefined ? { if: step.if } : {}), uses: USES, ...(assembly === 'cdk.out' ? {} : { with: { assembly } }) };
  return { id, edits: insertItems(ctx.text, job.stepsNode, step.index, [value], ctx.wf.indentUnit) };
}

/** `CDK_STACK_NAMES: ${{ steps.<id>.outputs.stacks }}` in the step's env:. */
function stackNamesEnv(ctx: TransformContext, step: Step, id: string): TextEdit[] {
  const value = `\${{ steps.${id}.outputs.stacks }}`;
  if (step.env) {
    const have = scalarString(getNode(step.env, STACK_NAMES_ENV));
    if (have === value) return [];
    if (have !== undefined || getNode(step.env, STACK_NAMES_ENV) !== undefined) throw new EditRefused(`the step already sets ${STACK_NAMES_ENV} in env:`);
    return insertPairs(ctx.text, step.env, { [STACK_NAMES_ENV]: value }, ctx.wf.indentUnit);
  }
  const keys = step.node.items.map((p) => scalarString(p.key));
  const before = keys[keys.indexOf('run') - 1];
  return insertPairs(ctx.text, step.node, { env: { [STACK_NAMES_ENV]: value } }, ctx.wf.indentUnit, before ? { after: before } : {});
}

function fix(ctx: TransformContext, finding: Finding): Fix | undefined {
  const data = finding.data as Data;
  const { job, step, dir, inline } = data;
  const block = runBlock(ctx.text, step.run ?? undefined);
  if (!block) throw new EditRefused('run: is not a literal block scalar (run: |); rewrite it as one to get the fix');
  const problem = analyseScript(step.script ?? '').problems[0];
  if (problem) throw new EditRefused(problem);
  const list = inline ? INLINE_LIST : STACK_NAMES_ENV;
  const rewrites = plan(step, block, list);
  if (!rewrites.length) return undefined;
  const first = rewrites[0]!;
  const indent = block.logical[first.index]!.indent;
  const action = inline ? undefined : discoveryStep(ctx, data);
  const prelude = [
    ...(inline ? discoverStackList(shellQuote(dir), INLINE_LIST) : []),
    ...(rewrites.some((r) => r.needsArray) ? stacksFromList(list) : []),
  ].map((l) => indent + l);
  first.lines = [...prelude, ...first.lines];
  const pad = ' '.repeat(block.col);
  const edits: TextEdit[] = rewrites.map((r) => {
    const l = block.logical[r.index]!;
    const end = l.lines[l.lines.length - 1]!.end;
    if (!r.lines.length) return { start: l.lines[0]!.start, end: end + 1, text: '' };
    return { start: l.lines[0]!.start, end, text: r.lines.map((t) => (t === '' ? '' : pad + t)).join('\n') };
  });
  const byIndex = new Map(rewrites.map((r) => [r.index, r.lines]));
  const script = block.logical.flatMap((l, i) => byIndex.get(i) ?? [l.text]).join('\n') + '\n';
  if (!action) return { edits, declares: [{ path: [...step.path, 'run'] }], scripts: [script] };
  edits.push(...action.edits, ...stackNamesEnv(ctx, step, action.id));
  return { edits, declares: [{ path: [...job.path, 'steps'] }], scripts: [script], repositoryFiles: [CDK_STACKS_ID] };
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
