/**
 * FIXES.md section 1 applied to the source of a cdk-pipelines-github
 * workflow ("Generated files"): long-lived keys -> OIDC in the TypeScript
 * that `npx cdk synth` turns into the YAML.
 *
 * - `new GitHubWorkflow(...)` without `awsCreds` (the implicit default is
 *   `AwsCredentials.fromGitHubSecrets()`), with the deprecated
 *   `awsCredentials: {...}` or the deprecated `gitHubActionRoleArn` prop ->
 *   `awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn: <role> })`.
 * - `AwsCredentials.fromGitHubSecrets(...)` anywhere (GitHubWorkflow,
 *   GitHubStage, addStageWithGitHubOptions, option constants) -> the same call.
 * - Raw `configure-aws-credentials` step objects (preBuildSteps/postBuildSteps)
 *   get the YAML fix: `role-to-assume` instead of keys, action >= v4.
 * - The `AwsCredentials` import is added or extended.
 * Left alone: `fromOpenIdConnect`, `runnerHasPreconfiguredCreds()`, files that
 * do not import `cdk-pipelines-github` (e.g. the library's own sources).
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Finding, TransformMeta } from '../../src/transform.js';
import type { TextEdit } from '../../src/workflow/edits.js';
import { EditRefused } from '../../src/workflow/primitives.js';
import {
  appendProps, bindingsOf, chooseRole, existingStepRoles, fixConfigureStepObject, getProp, importedModules, importIfUsed,
  isKeyConfigureStep, isObject, jscodeshiftSourceAdapter, keyName, keyStepMessage, memberName, properties, propValue,
  secretsNote, src, stringValue, unwrap, type Node, type SourceContext, type SourceTransform,
} from './shared.js';
import { strayKeyFindings } from './placement.js';

export const meta: TransformMeta = {
  id: 'cdk-pipelines-github-oidc',
  title: 'cdk-pipelines-github source: GitHub-secrets AWS keys -> AwsCredentials.fromOpenIdConnect',
  severity: 'error',
  fixesSection: '1. Long-lived keys -> OIDC (oidc-auth), Generated files',
  description:
    'Rewrites the TypeScript/JavaScript that generates a cdk-pipelines-github workflow: GitHubWorkflow/GitHubStage/'
    + 'addStageWithGitHubOptions credentials from GitHub secrets (explicit, implicit default or the deprecated '
    + 'awsCredentials prop) and the deprecated gitHubActionRoleArn prop become '
    + 'awsCreds: AwsCredentials.fromOpenIdConnect({ gitHubActionRoleArn }); raw configure-aws-credentials steps '
    + 'get role-to-assume instead of keys. Regenerate the YAML with `npx cdk synth`.',
};

export const MODULE = 'cdk-pipelines-github';
export const REGENERATE = 'npx cdk synth';

/**
 * First cdk-pipelines-github release line with `AwsCredentials.fromOpenIdConnect`
 * (the `awsCreds` prop, cdklabs/cdk-pipelines-github#372, Oct 2022, which
 * deprecated `awsCredentials` and `gitHubActionRoleArn`). Checked against the
 * published READMEs: 0.2.201 still documents `gitHubActionRoleArn`, 0.3.13
 * documents `awsCreds: AwsCredentials.fromOpenIdConnect(...)`; the prop arrived
 * with the 0.3 line.
 */
export const FROM_OPENID_CONNECT_SINCE = '0.3.0';

type Data =
  | { kind: 'implicit' | 'deprecated-keys' | 'deprecated-role'; props: Node }
  | { kind: 'secrets-call'; call: Node }
  | { kind: 'step'; step: Node };

const fromModule = (s: string) => s === MODULE;

function applies(ctx: SourceContext): boolean {
  return importedModules(ctx, fromModule).length > 0;
}

/** Is `callee` the imported `name` (directly or as `ns.name`)? */
function refersTo(ctx: SourceContext, callee: Node, name: string): boolean {
  callee = unwrap(callee);
  const bindings = bindingsOf(ctx, fromModule, name);
  if (callee?.type === 'Identifier') return bindings.some((b) => b.named === callee.name);
  const obj = unwrap(callee?.object);
  return memberName(callee) === name && obj?.type === 'Identifier' && bindings.some((b) => b.namespace === obj.name);
}

/** Source text that names AwsCredentials here: its local name, `ns.AwsCredentials`, or the bare name (import added later). */
function awsCredentialsRef(ctx: SourceContext): string {
  const b = bindingsOf(ctx, fromModule, 'AwsCredentials');
  const named = b.find((x) => x.named);
  if (named) return named.named!;
  const ns = b.find((x) => x.namespace);
  if (ns) return `${ns.namespace}.AwsCredentials`;
  return 'AwsCredentials';
}

function newWorkflows(ctx: SourceContext): Node[] {
  const out: Node[] = [];
  ctx.root.find(ctx.j.NewExpression).forEach((p) => {
    if (refersTo(ctx, (p.node as Node).callee, 'GitHubWorkflow')) out.push(p.node);
  });
  return out;
}

function secretsCalls(ctx: SourceContext): Node[] {
  const out: Node[] = [];
  ctx.root.find(ctx.j.CallExpression).forEach((p) => {
    const callee = unwrap((p.node as Node).callee);
    if (memberName(callee) === 'fromGitHubSecrets' && refersTo(ctx, callee.object, 'AwsCredentials')) out.push(p.node);
  });
  return out;
}

function oidcRoleArgs(ctx: SourceContext): Node[] {
  const out: Node[] = [];
  ctx.root.find(ctx.j.CallExpression).forEach((p) => {
    const n = p.node as Node;
    const callee = unwrap(n.callee);
    if (memberName(callee) === 'fromOpenIdConnect' && refersTo(ctx, callee.object, 'AwsCredentials')) {
      const v = propValue(unwrap(n.arguments[0]), 'gitHubActionRoleArn');
      if (v) out.push(v);
    }
  });
  return out;
}

function role(ctx: SourceContext) {
  const trusted = [...oidcRoleArgs(ctx), ...newWorkflows(ctx).map((w) => propValue(unwrap(w.arguments[2]), 'gitHubActionRoleArn')).filter(Boolean)];
  return chooseRole(ctx, [...trusted.map((node) => ({ node, trusted: true })), ...existingStepRoles(ctx)]);
}

function workflowName(ctx: SourceContext, n: Node): string {
  const id = n.arguments[1];
  return stringValue(id) ?? (id ? src(ctx, id) : '?');
}

/** Where a fromGitHubSecrets() call sits, for the message. */
function callSite(ctx: SourceContext, call: Node): string {
  let site = 'a credentials provider';
  ctx.root.find(ctx.j.NewExpression).forEach((p) => {
    const n = p.node as Node;
    if (n.start < call.start && call.end < n.end && (refersTo(ctx, n.callee, 'GitHubStage') || refersTo(ctx, n.callee, 'GitHubWorkflow'))) {
      site = `${refersTo(ctx, n.callee, 'GitHubStage') ? 'GitHubStage' : 'GitHubWorkflow'} '${workflowName(ctx, n)}'`;
    }
  });
  ctx.root.find(ctx.j.CallExpression).forEach((p) => {
    const n = p.node as Node;
    if (n.start < call.start && call.end < n.end && memberName(n.callee) === 'addStageWithGitHubOptions') site = 'addStageWithGitHubOptions';
  });
  return site;
}

function find(ctx: SourceContext): Finding[] {
  const out: Finding[] = [];
  const push = (offset: number, message: string, data: Data | undefined, notes: string[] = []) =>
    out.push({ ruleId: meta.id, message, offset, path: [], fixable: !!data, data, notes });
  for (const wf of newWorkflows(ctx)) {
    const name = workflowName(ctx, wf);
    const props = unwrap(wf.arguments[2]);
    if (!isObject(props)) {
      push(wf.start, `GitHubWorkflow '${name}': props are not an object literal; check its awsCreds by hand`, undefined);
      continue;
    }
    if (getProp(props, 'awsCreds')) continue; // explicit provider: fromGitHubSecrets() is found below
    if (getProp(props, 'gitHubActionRoleArn')) {
      push(getProp(props, 'gitHubActionRoleArn').start, `GitHubWorkflow '${name}' uses the deprecated gitHubActionRoleArn prop; use awsCreds: AwsCredentials.fromOpenIdConnect()`, { kind: 'deprecated-role', props });
    } else if (getProp(props, 'awsCredentials')) {
      push(getProp(props, 'awsCredentials').start, `GitHubWorkflow '${name}' authenticates with long-lived keys from GitHub secrets (deprecated awsCredentials prop); use OIDC`, { kind: 'deprecated-keys', props });
    } else {
      push(wf.start, `GitHubWorkflow '${name}' has no awsCreds, so it authenticates with long-lived keys from GitHub secrets (the default); use OIDC`, { kind: 'implicit', props });
    }
  }
  for (const call of secretsCalls(ctx)) {
    push(call.start, `${callSite(ctx, call)} authenticates with AwsCredentials.fromGitHubSecrets() (long-lived keys); use OIDC`, { kind: 'secrets-call', call });
  }
  const steps = new Set<Node>();
  ctx.root.find(ctx.j.ObjectExpression).forEach((p) => {
    const step = p.node as Node;
    if (!isKeyConfigureStep(step)) return;
    steps.add(step);
    const name = stringValue(propValue(step, 'name')) ?? 'configure-aws-credentials';
    push(step.start, keyStepMessage(name), { kind: 'step', step },
      ['the step runs in the synth job, which gets id-token: write when the workflow\'s awsCreds is AwsCredentials.fromOpenIdConnect()']);
  });
  // Key inputs elsewhere, and AWS_ACCESS_KEY_ID/... from secrets in env (ShellStep, GitHubActionStep, jobSettings, ...): report.
  out.push(...strayKeyFindings(ctx, meta.id, steps));
  return out;
}

/** Secrets a GitHub-secrets provider read (props given as an object literal, else the defaults). */
function secretNames(obj: Node | undefined): string[] {
  const names = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY'];
  if (!isObject(obj)) return names;
  const out: string[] = [];
  for (const [prop, dflt] of [['accessKeyId', 'AWS_ACCESS_KEY_ID'], ['secretAccessKey', 'AWS_SECRET_ACCESS_KEY'], ['sessionToken', undefined]] as const) {
    const v = propValue(obj, prop);
    const s = v ? stringValue(v) : dflt;
    if (s) out.push(s);
  }
  return out;
}

function oidcCall(ref: string, roleText: string): string {
  return `${ref}.fromOpenIdConnect({ gitHubActionRoleArn: ${roleText} })`;
}

function fix(ctx: SourceContext, finding: Finding): { edits: TextEdit[] } {
  const data = finding.data as Data;
  const notes = finding.notes ?? (finding.notes = []);
  if (data.kind === 'step') return { edits: fixConfigureStepObject(ctx, data.step, role(ctx), notes) };
  if (data.kind === 'secrets-call') {
    const r = role(ctx);
    notes.push(r.note, secretsNote(secretNames(unwrap(data.call.arguments[0]))));
    return { edits: [{ start: data.call.start, end: data.call.end, text: oidcCall(src(ctx, unwrap(data.call.callee).object), r.text) }] };
  }
  const ref = awsCredentialsRef(ctx);
  const props = data.props;
  if (data.kind === 'implicit') {
    const r = role(ctx);
    notes.push(r.note, secretsNote(secretNames(undefined)));
    return { edits: [appendProps(ctx, props, [`awsCreds: ${oidcCall(ref, r.text)}`])] };
  }
  const roleProp = getProp(props, 'gitHubActionRoleArn');
  const keysProp = getProp(props, 'awsCredentials');
  const target = roleProp ?? keysProp;
  if (roleProp && keysProp) throw new EditRefused('both gitHubActionRoleArn and awsCredentials are set: choose one by hand');
  if (properties(props).length !== props.properties.length && props.properties.some((p: Node) => keyName(p) === undefined && p.type !== 'SpreadElement')) {
    throw new EditRefused('props have computed keys');
  }
  let roleText: string;
  if (data.kind === 'deprecated-role') {
    roleText = src(ctx, roleProp.value);
  } else {
    const r = role(ctx);
    roleText = r.text;
    notes.push(r.note, secretsNote(secretNames(unwrap(keysProp.value))));
  }
  return { edits: [{ start: target.start, end: target.end, text: `awsCreds: ${oidcCall(ref, roleText)}` }] };
}

function finish(ctx: SourceContext): TextEdit[] {
  const e = importIfUsed(ctx, MODULE, 'AwsCredentials');
  return e ? [e] : [];
}

// ---------------------------------------------------------------- library version

function parseVersion(v: string): number[] | undefined {
  const m = /(\d+)\.(\d+)\.(\d+)/.exec(v);
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

export function versionBefore(v: string, min: string): boolean {
  const a = parseVersion(v);
  const b = parseVersion(min)!;
  if (!a) return false;
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}

/** The cdk-pipelines-github version the project pins: package-lock first, else the package.json range's floor. */
export function installedVersion(file: string): { version: string; from: string } | undefined {
  let dir = dirname(resolve(file));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const lock = join(dir, 'package-lock.json');
        if (existsSync(lock)) {
          const l = JSON.parse(readFileSync(lock, 'utf8')) as { packages?: Record<string, { version?: string }>; dependencies?: Record<string, { version?: string }> };
          const v = l.packages?.[`node_modules/${MODULE}`]?.version ?? l.dependencies?.[MODULE]?.version;
          if (v) return { version: v, from: 'package-lock.json' };
        }
        const p = JSON.parse(readFileSync(pkg, 'utf8')) as Record<string, Record<string, string> | undefined>;
        for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
          const spec = p[field]?.[MODULE];
          if (spec) return { version: spec, from: 'package.json' };
        }
      } catch {
        return undefined;
      }
    }
    if (existsSync(join(dir, '.git'))) return undefined;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

function fileNotes(ctx: SourceContext, findings: readonly Finding[]): string[] {
  if (!findings.some((f) => f.fixable)) return [];
  const v = installedVersion(ctx.path);
  if (!v || !versionBefore(v.version, FROM_OPENID_CONNECT_SINCE)) return [];
  return [`${v.from} has ${MODULE} ${v.version}, which predates AwsCredentials.fromOpenIdConnect: upgrade to ${FROM_OPENID_CONNECT_SINCE} or later`];
}

export const transform: SourceTransform = { meta, applies, find, fix, finish, fileNotes };
export default jscodeshiftSourceAdapter(transform);
