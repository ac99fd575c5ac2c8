/**
 * A read-only model of a GitHub workflow or composite action over the parsed
 * YAML nodes: jobs, steps, `with`, `env`, `permissions`, each with its path
 * and its node (and so its source range).
 */
import {
  getNode,
  getPair,
  isMap,
  isScalar,
  isSeq,
  keyString,
  scalarString,
  type Document,
  type Pair,
  type YamlNode,
  type YAMLMap,
  type YAMLSeq,
} from '../yaml.js';
import { sharedNodes, type SharedNode } from './anchors.js';
import { columnAt } from './lines.js';

export type Path = (string | number)[];

export interface Step {
  index: number;
  path: Path;
  node: YAMLMap;
  id?: string;
  name?: string;
  /** `uses:` as written, e.g. `aws-actions/configure-aws-credentials@v4`. */
  uses?: string;
  /** `owner/repo[/path]` part of `uses`, lower-cased. */
  action?: string;
  /** Ref after `@`, as written. */
  ref?: string;
  with?: YAMLMap;
  env?: YAMLMap;
  run?: YamlNode;
  /** `run:` text, when it is a scalar. */
  script?: string;
  shell?: string;
  if?: string;
}

export interface Job {
  id: string;
  path: Path;
  node: YAMLMap;
  name?: string;
  environment?: string;
  /** The job calls a reusable workflow (`uses:` at job level). */
  usesWorkflow?: string;
  permissions?: Pair;
  env?: YAMLMap;
  steps: Step[];
  stepsNode?: YAMLSeq;
  runsOn?: string;
  /** job.defaults.run.shell, when set. */
  defaultShell?: string;
}

export interface Workflow {
  kind: 'workflow' | 'composite';
  doc: Document.Parsed;
  root: YAMLMap;
  text: string;
  jobs: Job[];
  env?: YAMLMap;
  permissions?: Pair;
  /** workflow-level defaults.run.shell */
  defaultShell?: string;
  /** Indentation unit used by the file (2 if it cannot tell). */
  indentUnit: number;
  /**
   * Nodes the file shows at several paths through `&anchor` / `*alias`. An
   * edit inside one changes all of them: a fix that is right for every use
   * declares the alias paths too, else the engine refuses it with the reason.
   */
  shared: SharedNode[];
}

function asMap(node: unknown): YAMLMap | undefined {
  return isMap(node) ? (node as YAMLMap) : undefined;
}

function defaultShellOf(node: unknown): string | undefined {
  const defaults = asMap(getNode(node, 'defaults'));
  return scalarString(getNode(asMap(getNode(defaults, 'run')), 'shell'));
}

export function modelStep(node: YAMLMap, index: number, parent: Path): Step {
  const uses = scalarString(getNode(node, 'uses'));
  const at = uses?.lastIndexOf('@') ?? -1;
  const run = getNode(node, 'run') ?? undefined;
  return {
    index,
    path: [...parent, index],
    node,
    id: scalarString(getNode(node, 'id')),
    name: scalarString(getNode(node, 'name')),
    uses,
    action: uses ? (at >= 0 ? uses.slice(0, at) : uses).toLowerCase() : undefined,
    ref: uses && at >= 0 ? uses.slice(at + 1) : undefined,
    with: asMap(getNode(node, 'with')),
    env: asMap(getNode(node, 'env')),
    run,
    script: scalarString(run),
    shell: scalarString(getNode(node, 'shell')),
    if: scalarString(getNode(node, 'if')),
  };
}

function modelSteps(seq: unknown, parent: Path): Step[] {
  if (!isSeq(seq)) return [];
  const out: Step[] = [];
  (seq as YAMLSeq).items.forEach((item, i) => {
    if (isMap(item)) out.push(modelStep(item as YAMLMap, i, parent));
  });
  return out;
}

function environmentName(node: unknown): string | undefined {
  if (isScalar(node)) return scalarString(node);
  return scalarString(getNode(node, 'name'));
}

function detectIndentUnit(text: string, root: YAMLMap): number {
  const jobs = asMap(getNode(root, 'jobs')) ?? asMap(getNode(root, 'runs'));
  const first = jobs?.items[0]?.key as YamlNode | undefined;
  if (jobs && !jobs.flow && first?.range) {
    const col = columnAt(text, first.range[0]);
    if (col >= 1 && col <= 8) return col;
  }
  return 2;
}

/** Aliased nodes; a file without `*` has none (no walk). */
function sharedOf(doc: Document.Parsed, text: string): SharedNode[] {
  return text.includes('*') ? sharedNodes(doc) : [];
}

/**
 * Classify a parsed document. Returns the model, or a reason why the file is
 * not a GitHub workflow or composite action.
 */
export function modelWorkflow(doc: Document.Parsed, text: string): Workflow | { skip: string } {
  const root = doc.contents;
  if (!isMap(root)) return { skip: 'not a mapping at the top level' };
  const rootMap = root as YAMLMap;
  const runs = asMap(getNode(rootMap, 'runs'));
  const indentUnit = detectIndentUnit(text, rootMap);
  if (runs && scalarString(getNode(runs, 'using')) === 'composite') {
    const stepsNode = getNode(runs, 'steps');
    if (!isSeq(stepsNode)) return { skip: 'composite action without a steps list' };
    const job: Job = {
      id: '(composite)',
      path: ['runs'],
      node: runs,
      steps: modelSteps(stepsNode, ['runs', 'steps']),
      stepsNode: stepsNode as YAMLSeq,
    };
    return { kind: 'composite', doc, root: rootMap, text, jobs: [job], indentUnit, shared: sharedOf(doc, text) };
  }
  if (runs) return { skip: `action with runs.using ${scalarString(getNode(runs, 'using')) ?? '?'} (no steps to fix)` };
  if (getPair(rootMap, 'AWSTemplateFormatVersion') || getPair(rootMap, 'Resources')) return { skip: 'CloudFormation template' };
  if (getPair(rootMap, 'stages') || getPair(rootMap, 'include') && !getPair(rootMap, 'jobs')) return { skip: 'GitLab CI file' };
  const jobsNode = getNode(rootMap, 'jobs');
  const hasOn = !!getPair(rootMap, 'on');
  if (!isMap(jobsNode)) {
    if (getPair(rootMap, 'jobs')) return { skip: '`jobs` is not a mapping' };
    return { skip: 'no `jobs` mapping: not a GitHub workflow' };
  }
  if (!hasOn) {
    // GitLab files have top-level job mappings with `script:`; workflows need `on`.
    return { skip: 'no `on` trigger: not a GitHub workflow' };
  }
  const jobs: Job[] = [];
  for (const pair of (jobsNode as YAMLMap).items) {
    const id = keyString(pair);
    const node = asMap(pair.value);
    if (!id || !node) continue;
    const stepsNode = getNode(node, 'steps');
    jobs.push({
      id,
      path: ['jobs', id],
      node,
      name: scalarString(getNode(node, 'name')),
      environment: environmentName(getNode(node, 'environment')),
      usesWorkflow: scalarString(getNode(node, 'uses')),
      permissions: getPair(node, 'permissions') as Pair | undefined,
      env: asMap(getNode(node, 'env')),
      steps: modelSteps(stepsNode, ['jobs', id, 'steps']),
      stepsNode: isSeq(stepsNode) ? (stepsNode as YAMLSeq) : undefined,
      runsOn: scalarString(getNode(node, 'runs-on')),
      defaultShell: defaultShellOf(node),
    });
  }
  return {
    kind: 'workflow',
    doc,
    root: rootMap,
    text,
    jobs,
    env: asMap(getNode(rootMap, 'env')),
    permissions: getPair(rootMap, 'permissions') as Pair | undefined,
    defaultShell: defaultShellOf(rootMap),
    indentUnit,
    shared: sharedOf(doc, text),
  };
}

export function isSkip(m: Workflow | { skip: string }): m is { skip: string } {
  return 'skip' in m;
}

/**
 * How a finding names a step: its name, else its id, else its `uses` or the
 * first line of its script. Never its index: the credential step this fix
 * inserts shifts indices, and a finding must read the same in every pass.
 */
export function stepLabel(step: Step): string {
  if (step.name !== undefined) return `step '${step.name}'`;
  if (step.id !== undefined) return `step id '${step.id}'`;
  if (step.uses !== undefined) return `step '${step.uses}'`;
  const line = step.script?.split('\n').find((l) => l.trim())?.trim();
  if (line !== undefined) return `step 'run: ${line.length > 40 ? `${line.slice(0, 39)}…` : line}'`;
  return 'a step';
}

/** Steps that use a given action (owner/repo, case-insensitive). */
export function stepsUsing(job: Job, action: string): Step[] {
  const a = action.toLowerCase();
  return job.steps.filter((s) => s.action === a);
}
