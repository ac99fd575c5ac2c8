/**
 * Where a key usage sits in a generator source, for messages and refusals:
 * the chain of option names above an object literal (`buildWorkflowOptions.
 * preBuildSteps`, `new GitHubActionStep('Deploy', { env })`), the projen
 * step-list option a step is passed through, and the catch-all that reports
 * every access-key object literal no transform finding covers (never passed
 * over silently).
 */
import type { Finding } from '../../src/transform.js';
import { CONFIGURE_ACTION, KEY_INPUTS } from '../shared/aws.js';
import {
  isCall, isKeyConfigureStep, isObject, keyEnvProps, keyName, memberName, propValue, src, stringValue, unwrap,
  type Node, type SourceContext,
} from './shared.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type NodePath = any;

/** The NodePath of an object literal (jscodeshift paths carry the parents). */
export function objectPath(ctx: SourceContext, node: Node): NodePath | undefined {
  let found: NodePath | undefined;
  ctx.root.find(ctx.j.ObjectExpression).forEach((p) => { if (p.node === node) found = p; });
  return found;
}

const WRAPPERS = new Set(['TSAsExpression', 'TSSatisfiesExpression', 'TSNonNullExpression', 'TSTypeAssertion', 'ParenthesizedExpression']);

/** `callee` of a call / new as written (`awscdk.AwsCdkTypeScriptApp`, `project.buildWorkflow?.addPostBuildJob`), short. */
function calleeText(ctx: SourceContext, call: Node): string {
  const c = unwrap(call.callee);
  const name = c?.type === 'Identifier' ? c.name : memberName(c);
  const text = name ?? src(ctx, c);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

export interface Placement {
  /** Property names from the outermost option object down, e.g. ['buildWorkflowOptions', 'preBuildSteps']. */
  keys: string[];
  /** The call or `new` whose argument holds it, e.g. `new awscdk.AwsCdkTypeScriptApp(...)`. */
  call?: { text: string; isNew: boolean; id?: string };
  /** Name of the const the outermost object initialises. */
  constName?: string;
}

/** Walk up from an object literal through properties, arrays and TS wrappers. */
export function placementOf(ctx: SourceContext, path: NodePath): Placement {
  const keys: string[] = [];
  let p = path;
  for (;;) {
    const parent = p.parent;
    if (!parent) break;
    const n = parent.node;
    if (WRAPPERS.has(n.type) || n.type === 'ArrayExpression' || n.type === 'ObjectExpression') { p = parent; continue; }
    if ((n.type === 'ObjectProperty' || n.type === 'Property') && n.value === p.node) {
      const k = keyName(n);
      if (k !== undefined) keys.unshift(k);
      p = parent;
      continue;
    }
    if (isCall(n) || n.type === 'NewExpression') {
      const args: Node[] = n.arguments ?? [];
      const i = args.indexOf(p.node);
      if (i < 0) break;
      const id = i > 0 ? stringValue(args[0]) : undefined;
      return { keys, call: { text: calleeText(ctx, n), isNew: n.type === 'NewExpression', id } };
    }
    if (n.type === 'VariableDeclarator' && n.init === p.node && n.id?.type === 'Identifier') return { keys, constName: n.id.name };
    break;
  }
  return { keys };
}

/** `buildWorkflowOptions.preBuildSteps of new awscdk.AwsCdkTypeScriptApp(...)`, for messages. */
export function describePlacement(pl: Placement): string {
  const where = pl.keys.length ? `\`${pl.keys.join('.')}\`` : '';
  const call = pl.call ? `${pl.call.isNew ? 'new ' : ''}${pl.call.text}(${pl.call.id !== undefined ? `'${pl.call.id}', ` : ''}...)` : pl.constName ? `'${pl.constName}'` : '';
  if (where && call) return `${where} of ${call}`;
  return where || call || 'an object';
}

/**
 * projen options that take a list of steps and copy it into jobs projen builds
 * itself (names checked against projen's API docs: NodeProjectOptions,
 * BuildWorkflowCommonOptions, ReleaseProjectOptions, CommonPublishOptions,
 * TaskWorkflowJobOptions). The value says which jobs receive it.
 */
export const PROJEN_STEP_OPTIONS: Readonly<Record<string, string>> = {
  workflowBootstrapSteps: 'every job projen bootstraps the project in (build, release, upgrade and others)',
  preBuildSteps: 'the build job',
  postBuildSteps: 'the build or release job, after the build',
  releaseWorkflowSetupSteps: 'the release job',
  prePublishSteps: 'the publish jobs',
  postPublishSteps: 'the publish jobs',
  preCheckoutSteps: 'the task workflow job',
};

/** The step-list option (`workflowBootstrapSteps`, ...) an object literal is an element of, if any. */
export function stepListOption(pl: Placement): string | undefined {
  const last = pl.keys[pl.keys.length - 1];
  return last !== undefined && /Steps$/.test(last) ? last : undefined;
}

/** Why a key step passed through a step-list option is not fixed in place. */
export function stepListRefusal(pl: Placement): string | undefined {
  const option = stepListOption(pl);
  if (!option) return undefined;
  const jobs = PROJEN_STEP_OPTIONS[option] ?? 'jobs the generator builds';
  return `the step is passed in ${describePlacement(pl)}, which puts it into ${jobs}; wf-fix cannot grant those jobs `
    + 'id-token: write from this option, and without it role-to-assume fails: replace the keys with role-to-assume by hand '
    + 'and grant each of those jobs id-token: write (e.g. through addOverride(\'jobs.<id>.permissions.id-token\', \'write\'))';
}

/** Is the node (a property value) a literal string or template that reads a secret? */
function readsSecret(n: Node): boolean {
  const v = unwrap(n);
  const text = stringValue(v) ?? (v?.type === 'TemplateLiteral' ? v.quasis.map((q: Node) => q.value.raw).join('') : '');
  return /\$\{\{\s*secrets\./.test(text);
}

/** The `aws-access-key-id` / `aws-secret-access-key` / `aws-session-token` properties of an object literal. */
export function keyInputEntries(obj: Node): Node[] {
  return (obj?.properties ?? []).filter((p: Node) => (KEY_INPUTS as readonly string[]).includes(keyName(p) ?? ''));
}

/**
 * Report-only findings for every object literal with access-key inputs or
 * key env entries from secrets that `covered` (objects a transform already
 * reported or fixed) does not hold: file and line, never silently passed over.
 */
export function strayKeyFindings(ctx: SourceContext, ruleId: string, covered: ReadonlySet<Node>): Finding[] {
  const out: Finding[] = [];
  ctx.root.find(ctx.j.ObjectExpression).forEach((p) => {
    const obj = p.node as Node;
    if (covered.has(obj)) return;
    const inputs = keyInputEntries(obj);
    const env = keyEnvProps(obj);
    if (!inputs.length && !env.length) return;
    // The `with` of a configure step object is covered by that step's finding.
    const owner = p.parent?.parent?.node;
    if (inputs.length && isObject(owner) && propValue(owner, 'with') === obj && (covered.has(owner) || isKeyConfigureStep(owner))) return;
    // The env / with of a step object: name the step and the option it is passed in.
    const ownerPath = p.parent?.parent;
    const isStep = isObject(owner) && (propValue(owner, 'env') === obj || propValue(owner, 'with') === obj)
      && (propValue(owner, 'uses') !== undefined || propValue(owner, 'run') !== undefined);
    const stepName = isStep ? stringValue(propValue(owner, 'name')) ?? stringValue(propValue(owner, 'uses')) : undefined;
    const pl = placementOf(ctx, stepName !== undefined ? ownerPath : p);
    const where = `${stepName !== undefined ? `step '${stepName}' in ` : ''}${describePlacement(pl)}`;
    const option = stepListOption(pl);
    const reach = option
      ? `it runs in ${PROJEN_STEP_OPTIONS[option] ?? 'the jobs the generator builds from that list'}, whose permissions wf-fix cannot set from there`
      : 'wf-fix cannot tell which job it reaches';
    const action = isStep ? stringValue(propValue(owner, 'uses'))?.split('@')[0] : undefined;
    const keys = `${inputs.map(keyName).join(', ')} (long-lived access keys${inputs.some((x: Node) => readsSecret(x.value)) ? ' from secrets' : ''})`;
    const message = inputs.length && action !== undefined && action !== CONFIGURE_ACTION
      ? `${where} passes ${keys} to ${action}, which wf-fix cannot switch to a role: configure credentials through OIDC `
        + 'in a step before it (or use a role input the action supports) and grant the job id-token: write by hand'
      : inputs.length
      ? `${where} passes ${keys}; ${reach}: replace the keys with role-to-assume and grant the job id-token: write by hand`
      : `${where} sets ${env.map(keyName).join(', ')} from secrets; ${reach}: replace it with an OIDC configure step and id-token: write by hand`;
    out.push({ ruleId, message, offset: obj.start, path: [], fixable: false, notes: [] });
  });
  return out;
}
