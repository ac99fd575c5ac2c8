/**
 * FIXES.md section 1 applied to a projen source (`.projenrc.ts` / `.projenrc.js`,
 * or any TS/JS that builds workflow objects): long-lived keys -> OIDC in the
 * object literals that `npx projen` turns into the YAML.
 *
 * - Step objects using `aws-actions/configure-aws-credentials` with key inputs:
 *   `role-to-assume` instead of the keys, action >= v4. A step held in a shared
 *   constant is fixed once, for every job that lists it.
 * - Step/job `env` objects with `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`
 *   from secrets: the entries go and an OIDC configure step is inserted before.
 * - `X.addOverride('jobs.<id>.env', {...})`: the entries go, and the job gets
 *   `X.addOverride('jobs.<id>.permissions.id-token', 'write')` plus a configure
 *   step through `X.patch(JsonPatch.add('/jobs/<id>/steps/0', {...}))`.
 * - Every job that then assumes a role gets `idToken: JobPermission.WRITE` and
 *   `contents: JobPermission.READ` (merged; never lowering what it had).
 * A step whose job cannot be found (built by functions) is reported, not fixed:
 * without id-token: write the converted step would fail.
 */
import type { Finding, TransformMeta } from '../../src/transform.js';
import type { TextEdit } from '../../src/workflow/edits.js';
import { EditRefused } from '../../src/workflow/primitives.js';
import { CONFIGURE_ACTION, KEY_ENV_VARS } from '../shared/aws.js';
import {
  appendProps, chooseRole, existingStepRoles, fixConfigureStepObject, getProp, importIfUsed, indentOf, indentUnit,
  insertElements, isBound, isConfigureStepObject, isKeyConfigureStep, isObject, isOidcConfigureStep, isStringNode,
  jscodeshiftSourceAdapter, keyEnvProps, keyName, keyStepMessage, keyText, lit, memberName, MIN_CONFIGURE_MAJOR, properties,
  propValue, removeElement, removeProp, renderObject, secretsNote, secretsReadBy, src, stringValue, unwrap, usesTrailingCommas,
  type Node, type SourceContext, type SourceRole, type SourceTransform,
} from './shared.js';
import { describePlacement, objectPath, placementOf, stepListRefusal, strayKeyFindings } from './placement.js';

export const meta: TransformMeta = {
  id: 'projen-oidc',
  title: 'projen source: long-lived AWS keys -> OIDC role-to-assume',
  severity: 'error',
  fixesSection: '1. Long-lived keys -> OIDC (oidc-auth), Generated files',
  description:
    'Rewrites the projen source (.projenrc.ts/.projenrc.js) of a generated workflow: configure-aws-credentials step '
    + 'objects with access keys get role-to-assume, AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY env entries (also via '
    + 'addOverride) are replaced by an OIDC configure step, and the jobs get idToken: JobPermission.WRITE and '
    + 'contents: JobPermission.READ. Regenerate the YAML with `npx projen`.',
};

export const REGENERATE = 'npx projen';
const WORKFLOWS_MODEL = 'projen/lib/github/workflows-model';

type Owner = { kind: 'job'; job: Node } | { kind: 'override'; receiver: string; jobId: string; statement: Node };

type Data =
  | { kind: 'step'; step: Node }
  | { kind: 'step-env'; step: Node; env: Node; steps: Node; job: Node }
  | { kind: 'job-env'; job: Node; env: Node }
  | { kind: 'override-env'; call: Node; obj: Node; jobId: string; statement: Node }
  | { kind: 'permissions'; job: Node };

function applies(): boolean {
  return true;
}

// ---------------------------------------------------------------- structure

/**
 * `buildWorkflowOptions` objects (projen BuildWorkflowCommonOptions): their
 * `preBuildSteps` run in the build job and their `permissions` are that job's
 * (projen's default: contents: write), so they are read as a job. Filled by
 * jobObjects() for the nodes of the parse at hand.
 */
const BUILD_OPTIONS = new WeakSet<Node>();

function isBuildOptionsPath(p: Node): boolean {
  const parent = p.parent?.node;
  return (parent?.type === 'ObjectProperty' || parent?.type === 'Property') && parent.value === p.node && keyName(parent) === 'buildWorkflowOptions';
}

function stepsArray(job: Node): Node | undefined {
  const s = unwrap(propValue(job, BUILD_OPTIONS.has(job) ? 'preBuildSteps' : 'steps'));
  return s?.type === 'ArrayExpression' ? s : undefined;
}

/** `const X = {...}` / `const X: T = {...}` object initialisers by name. */
function constObjects(ctx: SourceContext): Map<string, Node> {
  const out = new Map<string, Node>();
  ctx.root.find(ctx.j.VariableDeclarator).forEach((p) => {
    const d = p.node as Node;
    const init = unwrap(d.init);
    if (d.id?.type === 'Identifier' && isObject(init)) out.set(d.id.name, init);
  });
  return out;
}

/** A steps-array element as an object literal (inline or a const it names). */
function resolveElement(el: Node, consts: Map<string, Node>): Node | undefined {
  el = unwrap(el);
  if (isObject(el)) return el;
  if (el?.type === 'Identifier') return consts.get(el.name);
  return undefined;
}

/** Object literals with a literal `steps` array: jobs (or shared job templates). */
function jobObjects(ctx: SourceContext): Node[] {
  const out: Node[] = [];
  ctx.root.find(ctx.j.ObjectExpression).forEach((p) => {
    if (isBuildOptionsPath(p)) BUILD_OPTIONS.add(p.node);
    if (stepsArray(p.node)) out.push(p.node);
  });
  return out;
}

/** Name of the const a node initialises, if any. */
function constNameOf(ctx: SourceContext, node: Node): string | undefined {
  let name: string | undefined;
  ctx.root.find(ctx.j.VariableDeclarator).forEach((p) => {
    const d = p.node as Node;
    if (unwrap(d.init) === node && d.id?.type === 'Identifier') name = d.id.name;
  });
  return name;
}

/** The statement holding `node` (for inserting sibling statements after it). */
function enclosingStatement(ctx: SourceContext, node: Node): Node | undefined {
  let best: Node | undefined;
  ctx.root.find(ctx.j.ExpressionStatement).forEach((p) => {
    const s = p.node as Node;
    if (s.start <= node.start && node.end <= s.end && (!best || s.start >= best.start)) best = s;
  });
  return best;
}

/** `R.method(args)`: the receiver as written, including `?.` / `!.`. */
function receiverText(ctx: SourceContext, call: Node): string | undefined {
  const callee = call.callee;
  if (!callee?.property) return undefined;
  const text = ctx.text.slice(callee.start, callee.property.start);
  return text.replace(/\??\.\s*$/, '');
}

function accessor(ctx: SourceContext, call: Node): string {
  return /\?\.\s*$/.test(ctx.text.slice(call.callee.start, call.callee.property.start)) ? '?.' : '.';
}

/** Jobs that run a step object: its own steps array, the jobs listing the const holding it, or a JsonPatch target. */
function ownersOf(ctx: SourceContext, step: Node): Owner[] {
  const out: Owner[] = [];
  const consts = constObjects(ctx);
  const name = constNameOf(ctx, step);
  for (const job of jobObjects(ctx)) {
    const arr = stepsArray(job)!;
    if (arr.elements.some((el: Node) => unwrap(el) === step || (name && unwrap(el)?.type === 'Identifier' && unwrap(el).name === name && consts.get(name) === step))) {
      out.push({ kind: 'job', job });
    }
  }
  // R.patch(JsonPatch.add('/jobs/<id>/steps/<n>', step))
  ctx.root.find(ctx.j.CallExpression).forEach((p) => {
    const add = p.node as Node;
    if (memberName(add.callee) !== 'add' || unwrap(add.arguments[1]) !== step) return;
    const m = /^\/jobs\/([^/]+)\/steps\/\d+$/.exec(stringValue(add.arguments[0]) ?? '');
    if (!m) return;
    ctx.root.find(ctx.j.CallExpression).forEach((q) => {
      const patch = q.node as Node;
      if (memberName(patch.callee) === 'patch' && patch.arguments.some((a: Node) => unwrap(a) === add)) {
        const receiver = receiverText(ctx, patch);
        const statement = enclosingStatement(ctx, patch);
        if (receiver && statement) out.push({ kind: 'override', receiver: receiver + accessor(ctx, patch), jobId: m[1]!, statement });
      }
    });
  });
  return out;
}

/** How to name a job object in messages: its key, addJob id or const name. */
function jobLabel(ctx: SourceContext, job: Node): string {
  if (BUILD_OPTIONS.has(job)) return 'the build job (buildWorkflowOptions)';
  let label = constNameOf(ctx, job);
  ctx.root.find(ctx.j.ObjectExpression).forEach((p) => {
    for (const prop of properties(p.node)) if (unwrap(prop.value) === job) label = keyName(prop);
  });
  ctx.root.find(ctx.j.CallExpression).forEach((p) => {
    const c = p.node as Node;
    if (memberName(c.callee) === 'addJob' && unwrap(c.arguments[1]) === job) label = stringValue(c.arguments[0]) ?? label;
  });
  return label ? `job '${label}'` : 'job';
}

function environmentOf(job: Node): string | undefined {
  const e = unwrap(propValue(job, 'environment'));
  return stringValue(e) ?? stringValue(propValue(e, 'name'));
}

function roleFor(ctx: SourceContext, owners: Owner[]): SourceRole {
  const envs = new Set(owners.map((o) => (o.kind === 'job' ? environmentOf(o.job) : undefined)));
  return chooseRole(ctx, existingStepRoles(ctx), envs.size === 1 ? [...envs][0] : undefined);
}

// ---------------------------------------------------------------- permissions

interface PermStyle {
  key: string;
  write: string;
  read: string;
}

/** projen style (`idToken: JobPermission.WRITE`) or raw workflow style (`'id-token': 'write'`), as the file writes it. */
function permStyle(ctx: SourceContext, job: Node): PermStyle {
  const perms = unwrap(propValue(job, 'permissions'));
  const raw = !!getProp(job, 'runs-on') || properties(perms).some((p) => (keyName(p) ?? '').includes('-'));
  const key = raw ? 'id-token' : 'idToken';
  const values = properties(perms).map((p) => unwrap(p.value));
  const strings = raw || (values.length ? values.every(isStringNode) : !ctx.typescript && !isBound(ctx, 'JobPermission'));
  if (strings) {
    const q = values.find(isStringNode) ? (ctx.text[values.find(isStringNode).start] as '"' | "'") : ctx.quote;
    return { key, write: lit('write', q), read: lit('read', q) };
  }
  const enumRef = values.find((v) => v?.type === 'MemberExpression' && /^(WRITE|READ|NONE)$/.test(memberName(v) ?? ''));
  const name = enumRef ? src(ctx, enumRef.object) : 'JobPermission';
  return { key, write: `${name}.WRITE`, read: `${name}.READ` };
}

const isWrite = (ctx: SourceContext, v: Node) => /(^|\.)WRITE$|^['"]write['"]$/.test(src(ctx, unwrap(v)));
const isNone = (ctx: SourceContext, v: Node) => /(^|\.)NONE$|^['"]none['"]$/.test(src(ctx, unwrap(v)));

/** The object whose `permissions` the job uses: its own, else those of a const it spreads (`...jobDefaults`). */
function permissionsHolder(ctx: SourceContext, job: Node): Node {
  if (getProp(job, 'permissions')) return job;
  const consts = constObjects(ctx);
  const spreads = job.properties.filter((p: Node) => p.type === 'SpreadElement').reverse();
  for (const sp of spreads) {
    const arg = unwrap(sp.argument);
    const obj = arg?.type === 'Identifier' ? consts.get(arg.name) : undefined;
    if (obj && getProp(obj, 'permissions')) return obj;
  }
  return job;
}

/** Edits giving a job id-token: write and contents: read (merged). Throws EditRefused when it cannot. */
function permissionsEdits(ctx: SourceContext, jobObject: Node, notes: string[]): TextEdit[] {
  const job = permissionsHolder(ctx, jobObject);
  const style = permStyle(ctx, job);
  const prop = getProp(job, 'permissions');
  if (!prop) {
    if (job.properties.some((p: Node) => p.type === 'SpreadElement')) {
      throw new EditRefused('the job spreads another object and has no permissions of its own: grant id-token: write (and contents: read) by hand');
    }
    // projen's build job has contents: write unless buildWorkflowOptions.permissions says otherwise: keep it.
    const build = BUILD_OPTIONS.has(job);
    notes.push(build
      ? 'buildWorkflowOptions had no permissions: it now has projen\'s default contents: write plus id-token: write (setting permissions replaces the default)'
      : 'the job had no permissions block: it now has only contents: read and id-token: write; add any other scope its steps need');
    const multiline = ctx.text.slice(job.start, job.end).includes('\n');
    const entries: [string, string][] = [['contents', build ? style.write : style.read], [style.key, style.write]];
    const value = multiline
      ? renderObject(entries, indentUnit(ctx.text), ctx.quote, usesTrailingCommas(ctx))
      : `{ ${entries.map(([k, v]) => `${keyText(k, ctx.quote)}: ${v}`).join(', ')} }`;
    return [appendProps(ctx, job, [`permissions: ${value}`])];
  }
  const perms = unwrap(prop.value);
  if (!isObject(perms)) throw new EditRefused(`the job's permissions are not an object literal (${src(ctx, prop.value).slice(0, 40)}): grant id-token: write by hand`);
  const edits: TextEdit[] = [];
  const add: string[] = [];
  const id = getProp(perms, 'idToken') ?? getProp(perms, 'id-token');
  if (!id) add.push(`${keyText(style.key, ctx.quote)}: ${style.write}`);
  else if (!isWrite(ctx, id.value)) edits.push({ start: id.value.start, end: id.value.end, text: style.write });
  const contents = getProp(perms, 'contents');
  if (!contents) add.push(`contents: ${style.read}`);
  else if (isNone(ctx, contents.value)) edits.push({ start: contents.value.start, end: contents.value.end, text: style.read });
  if (add.length) edits.push(appendProps(ctx, perms, add));
  return edits;
}

/** Jobs that assume a role through OIDC (a configure step with role-to-assume, no keys). */
function oidcJobs(ctx: SourceContext): Node[] {
  const consts = constObjects(ctx);
  return jobObjects(ctx).filter((job) => stepsArray(job)!.elements.some((el: Node) => isOidcConfigureStep(resolveElement(el, consts))));
}

// ---------------------------------------------------------------- new steps and overrides

function regionFrom(ctx: SourceContext, envs: Node[]): string {
  for (const name of ['AWS_REGION', 'AWS_DEFAULT_REGION']) {
    for (const env of envs) {
      const v = propValue(env, name);
      if (v && !(KEY_ENV_VARS as readonly string[]).includes(name)) return src(ctx, v);
    }
  }
  return lit('${{ vars.AWS_REGION }}', ctx.quote);
}

function configureStepText(ctx: SourceContext, role: SourceRole, region: string): string {
  const unit = indentUnit(ctx.text);
  const trailing = usesTrailingCommas(ctx);
  const withText = renderObject([['role-to-assume', role.text], ['aws-region', region]], unit, ctx.quote, trailing);
  return renderObject([
    ['name', lit('Configure AWS credentials (OIDC)', ctx.quote)],
    ['uses', lit(`${CONFIGURE_ACTION}@v${MIN_CONFIGURE_MAJOR}`, ctx.quote)],
    ['with', withText],
  ], unit, ctx.quote, trailing);
}

/** Remove the key entries of an env object (the whole `env` property when nothing else is left). */
function removeEnvKeys(ctx: SourceContext, owner: Node | undefined, env: Node, notes: string[]): TextEdit[] {
  const keys = keyEnvProps(env);
  const secrets = secretsReadBy(ctx, keys);
  if (secrets.length) notes.push(secretsNote(secrets));
  if (owner && keys.length === env.properties.length) return removeProp(ctx.text, owner, 'env');
  return keys.flatMap((k) => removeElement(ctx.text, env.properties, env.properties.indexOf(k), env.end - 1));
}

/** Insert an OIDC configure step before `index` of a steps array, unless one already runs before it. */
function ensureConfigureStep(ctx: SourceContext, steps: Node, index: number, role: SourceRole, region: string): TextEdit[] {
  const consts = constObjects(ctx);
  if (steps.elements.slice(0, index).some((el: Node) => isConfigureStepObject(resolveElement(el, consts)))) return [];
  return [insertElements(ctx.text, steps.elements, index - 1, [configureStepText(ctx, role, region)], steps.start, steps.end - 1, indentUnit(ctx.text))];
}

/** Does some `addOverride('jobs.<id>.permissions...')` already grant id-token? */
function overrideGrantsIdToken(ctx: SourceContext, jobId: string): boolean {
  let yes = false;
  ctx.root.find(ctx.j.CallExpression).forEach((p) => {
    const c = p.node as Node;
    if (memberName(c.callee) !== 'addOverride') return;
    const path = stringValue(c.arguments[0]) ?? '';
    if (path === `jobs.${jobId}.permissions.id-token`) yes = true;
    if (path === `jobs.${jobId}.permissions` && getProp(unwrap(c.arguments[1]), 'id-token')) yes = true;
  });
  return yes;
}

function statementsAfter(ctx: SourceContext, statement: Node, lines: string[]): TextEdit {
  const ind = indentOf(ctx.text, statement.start);
  const semi = ctx.text[statement.end - 1] === ';' ? ';' : '';
  return { start: statement.end, end: statement.end, text: lines.map((l) => `\n${ind}${l.split('\n').join(`\n${ind}`)}${semi}`).join('') };
}

function idTokenOverride(ctx: SourceContext, receiver: string, jobId: string): string {
  return `${receiver}addOverride(${lit(`jobs.${jobId}.permissions.id-token`, ctx.quote)}, ${lit('write', ctx.quote)})`;
}

// ---------------------------------------------------------------- find / fix

function isAddOverrideEnv(call: Node): string | undefined {
  if (memberName(call.callee) !== 'addOverride') return undefined;
  return /^jobs\.([^.]+)\.env$/.exec(stringValue(call.arguments[0]) ?? '')?.[1];
}

function find(ctx: SourceContext): Finding[] {
  const out: Finding[] = [];
  const push = (offset: number, message: string, data: Data | undefined) =>
    out.push({ ruleId: meta.id, message, offset, path: [], fixable: !!data, data, notes: [] });
  const handled = new Set<Node>();
  // Steps with key inputs.
  ctx.root.find(ctx.j.ObjectExpression).forEach((p) => {
    const step = p.node as Node;
    if (!isKeyConfigureStep(step)) return;
    handled.add(step);
    const name = stringValue(propValue(step, 'name')) ?? constNameOf(ctx, step) ?? 'configure-aws-credentials';
    push(step.start, keyStepMessage(name), { kind: 'step', step });
  });
  // Jobs and their steps with key env entries.
  for (const job of jobObjects(ctx)) {
    const steps = stepsArray(job)!;
    const jobEnv = unwrap(propValue(job, 'env'));
    if (keyEnvProps(jobEnv).length) {
      handled.add(jobEnv);
      push(jobEnv.start, `${jobLabel(ctx, job)} reads ${keyEnvProps(jobEnv).map(keyName).join(', ')} from secrets; use OIDC credentials instead`, { kind: 'job-env', job, env: jobEnv });
    }
    for (const el of steps.elements) {
      const step = unwrap(el);
      if (!isObject(step)) continue;
      const env = unwrap(propValue(step, 'env'));
      if (!keyEnvProps(env).length) continue;
      handled.add(env);
      const name = stringValue(propValue(step, 'name')) ?? 'step';
      push(env.start, `step '${name}' reads ${keyEnvProps(env).map(keyName).join(', ')} from secrets; use OIDC credentials instead`, { kind: 'step-env', step, env, steps, job });
    }
  }
  // addOverride('jobs.<id>.env', {...})
  ctx.root.find(ctx.j.CallExpression).forEach((p) => {
    const call = p.node as Node;
    const jobId = isAddOverrideEnv(call);
    const obj = unwrap(call.arguments[1]);
    if (!jobId || !keyEnvProps(obj).length) return;
    handled.add(obj);
    const statement = enclosingStatement(ctx, call);
    push(obj.start, `addOverride('jobs.${jobId}.env') sets ${keyEnvProps(obj).map(keyName).join(', ')} from secrets; use OIDC credentials instead`,
      statement && receiverText(ctx, call) ? { kind: 'override-env', call, obj, jobId, statement } : undefined);
  });
  // Any other object with key inputs or key env entries: report with its place, cannot tell where it goes.
  out.push(...strayKeyFindings(ctx, meta.id, handled));
  // Workflow YAML written as a string: report only (a string-level rewrite is not safe).
  for (const type of ['TemplateLiteral', 'StringLiteral', 'Literal'] as const) {
    ctx.root.find((ctx.j as Node)[type]).forEach((p: Node) => {
      const n = p.node as Node;
      const text = type === 'TemplateLiteral' ? n.quasis.map((q: Node) => q.value.raw).join('') : typeof n.value === 'string' ? n.value : '';
      if (/\baws-(access-key-id|secret-access-key)\s*:/.test(text) && /configure-aws-credentials/.test(text)) {
        push(n.start, 'a workflow written as a YAML string passes aws-access-key-id to configure-aws-credentials; wf-fix does not rewrite YAML inside strings: fix it by hand (role-to-assume, id-token: write)', undefined);
      }
    });
  }
  // Jobs that assume a role through OIDC but lack the permissions.
  for (const job of oidcJobs(ctx)) {
    let edits: TextEdit[];
    try {
      edits = permissionsEdits(ctx, job, []);
    } catch {
      edits = [{ start: 0, end: 0, text: '' }];
    }
    if (edits.length) push(job.start, `${jobLabel(ctx, job)} assumes a role through OIDC but its permissions lack idToken: write / contents: read`, { kind: 'permissions', job });
  }
  return out;
}

/**
 * Refuse up front when a job's permissions could not be fixed afterwards
 * (never leave a step that cannot get a token). A step without a job of its
 * own that sits in a step-list option (`workflowBootstrapSteps`, ...) says so.
 */
function checkOwners(ctx: SourceContext, owners: Owner[], step?: Node): void {
  if (!owners.length) {
    const path = step ? objectPath(ctx, step) : undefined;
    const pl = path ? placementOf(ctx, path) : undefined;
    const how = pl?.call && !pl.keys.length ? `it is passed to ${describePlacement(pl)}` : 'it is built by a function or spread from an array';
    throw new EditRefused((pl && stepListRefusal(pl))
      ?? `cannot tell which job runs this step (${how}): fix it by hand and grant that job id-token: write and contents: read`);
  }
  for (const o of owners) if (o.kind === 'job') permissionsEdits(ctx, o.job, []);
}

function fix(ctx: SourceContext, finding: Finding): { edits: TextEdit[] } | undefined {
  const data = finding.data as Data;
  const notes = finding.notes ?? (finding.notes = []);
  switch (data.kind) {
    case 'step': {
      const owners = ownersOf(ctx, data.step);
      checkOwners(ctx, owners, data.step);
      const edits = fixConfigureStepObject(ctx, data.step, roleFor(ctx, owners), notes);
      for (const o of owners) {
        if (o.kind === 'override' && !overrideGrantsIdToken(ctx, o.jobId)) {
          edits.push(statementsAfter(ctx, o.statement, [idTokenOverride(ctx, o.receiver, o.jobId)]));
        }
      }
      return { edits };
    }
    case 'step-env': {
      const owners: Owner[] = [{ kind: 'job', job: data.job }];
      checkOwners(ctx, owners);
      const role = roleFor(ctx, owners);
      notes.push(role.note);
      const region = regionFrom(ctx, [data.env, unwrap(propValue(data.job, 'env'))].filter(isObject));
      const index = data.steps.elements.findIndex((el: Node) => unwrap(el) === data.step);
      return { edits: [...removeEnvKeys(ctx, data.step, data.env, notes), ...ensureConfigureStep(ctx, data.steps, index, role, region)] };
    }
    case 'job-env': {
      const owners: Owner[] = [{ kind: 'job', job: data.job }];
      checkOwners(ctx, owners);
      const role = roleFor(ctx, owners);
      notes.push(role.note);
      const region = regionFrom(ctx, [data.env]);
      return { edits: [...removeEnvKeys(ctx, data.job, data.env, notes), ...ensureConfigureStep(ctx, stepsArray(data.job)!, 0, role, region)] };
    }
    case 'override-env': {
      const role = chooseRole(ctx, existingStepRoles(ctx));
      notes.push(role.note, `the configure step is added with JsonPatch (ObjectFile.patch); if job '${data.jobId}' had no permissions block, also grant contents: read`);
      const receiver = receiverText(ctx, data.call)! + accessor(ctx, data.call);
      const region = regionFrom(ctx, [data.obj]);
      const lines: string[] = [];
      if (!overrideGrantsIdToken(ctx, data.jobId)) lines.push(idTokenOverride(ctx, receiver, data.jobId));
      lines.push(`${receiver}patch(JsonPatch.add(${lit(`/jobs/${data.jobId}/steps/0`, ctx.quote)}, ${configureStepText(ctx, role, region)}))`);
      return { edits: [...removeEnvKeys(ctx, undefined, data.obj, notes), statementsAfter(ctx, data.statement, lines)] };
    }
    case 'permissions':
      return { edits: permissionsEdits(ctx, data.job, notes) };
  }
}

function finish(ctx: SourceContext): TextEdit[] {
  const out = [importIfUsed(ctx, WORKFLOWS_MODEL, 'JobPermission'), importIfUsed(ctx, 'projen', 'JsonPatch')].filter((e): e is TextEdit => e !== undefined);
  // Both at one point (a file without imports): one edit, in order.
  return out.length === 2 && out[0]!.start === out[1]!.start ? [{ ...out[0]!, text: out[0]!.text + out[1]!.text }] : out;
}

export const transform: SourceTransform = { meta, applies, find, fix, finish };
export default jscodeshiftSourceAdapter(transform);
