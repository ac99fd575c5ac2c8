/**
 * Facts about AWS credential steps shared by several fixes: which steps are
 * `configure-aws-credentials`, which use long-lived keys, which role a job
 * should assume, and valid session names.
 */
import type { Config } from '../../src/config.js';
import type { TransformContext } from '../../src/transform.js';
import type { TextEdit } from '../../src/workflow/edits.js';
import type { Job, Step, Workflow } from '../../src/workflow/model.js';
import { replaceNode } from '../../src/workflow/primitives.js';
import { getNode, getPair, isScalar, scalarString, type YAMLMap, type YamlNode } from '../../src/yaml.js';

export const CONFIGURE_ACTION = 'aws-actions/configure-aws-credentials';
export const KEY_INPUTS = ['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token'] as const;
/** The inputs aws-actions/configure-aws-credentials@v4 defines (its action.yml). */
export const CONFIGURE_INPUTS: ReadonlySet<string> = new Set([
  'audience', 'aws-access-key-id', 'aws-region', 'aws-secret-access-key', 'aws-session-token', 'disable-retry', 'http-proxy',
  'inline-session-policy', 'managed-session-policies', 'mask-aws-account-id', 'output-credentials', 'retry-max-attempts',
  'role-chaining', 'role-duration-seconds', 'role-external-id', 'role-session-name', 'role-skip-session-tagging',
  'role-to-assume', 'special-characters-workaround', 'unset-current-credentials', 'web-identity-token-file',
]);
export const KEY_ENV_VARS = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'] as const;
export const DEFAULT_ROLE_EXPRESSION = '${{ vars.AWS_ROLE_ARN }}';

export function isConfigureStep(step: Step): boolean {
  return step.action === CONFIGURE_ACTION;
}

export function withValue(step: Step, key: string): string | undefined {
  return scalarString(getNode(step.with, key));
}

export function hasKeyInputs(step: Step): boolean {
  return isConfigureStep(step) && KEY_INPUTS.some((k) => getPair(step.with, k));
}

export function isChainedStep(step: Step): boolean {
  return isConfigureStep(step) && /^true$/i.test(withValue(step, 'role-chaining') ?? '');
}

/** A configure step that gets its credentials from GitHub OIDC (a role, no keys, no chaining). */
export function isOidcStep(step: Step): boolean {
  return isConfigureStep(step) && !!withValue(step, 'role-to-assume') && !hasKeyInputs(step) && !isChainedStep(step);
}

/** Account id in a literal role ARN, or the expression that stands for it. */
export function roleAccount(role: string | undefined): string | undefined {
  if (!role) return undefined;
  const m = /^arn:aws[\w-]*:iam::([^:]+):role\//.exec(role.trim());
  return m?.[1];
}

/**
 * The role-to-assume a step points at, with `${{ env.X }}` resolved through
 * step, job and workflow env when the value is a plain string there.
 */
export function effectiveRole(wf: Workflow, job: Job, step: Step): string | undefined {
  const raw = withValue(step, 'role-to-assume');
  if (!raw) return undefined;
  const m = /^\$\{\{\s*env\.([A-Za-z_][\w]*)\s*\}\}$/.exec(raw.trim());
  if (!m) return raw;
  for (const env of [step.env, job.env, wf.env]) {
    const v = scalarString(getNode(env, m[1]!));
    if (v !== undefined) return v;
  }
  return raw;
}

/** Does a role target an account chosen by a variable or differing from the base role's? */
export function isCrossAccountRole(role: string | undefined, baseRole: string): boolean {
  const account = roleAccount(role);
  if (account === undefined) return false;
  const baseAccount = roleAccount(baseRole);
  if (/\$\{\{/.test(account)) return /account/i.test(account) || baseAccount !== account;
  return baseAccount !== undefined && !/\$\{\{/.test(baseAccount) ? baseAccount !== account : true;
}

/** The key step is really a cross-account assume that role-chaining owns. */
export function isCrossAccountKeyStep(ctx: TransformContext, job: Job, step: Step): boolean {
  if (!hasKeyInputs(step)) return false;
  const role = effectiveRole(ctx.wf, job, step);
  if (!role) return false;
  return isCrossAccountRole(role, baseRoleFor(ctx.config, ctx.wf, job).role);
}

/** Per-workflow memo for whole-workflow scans (the model is immutable within a pass). */
function memo<T>(cache: WeakMap<Workflow, T>, wf: Workflow, compute: () => T): T {
  let v = cache.get(wf);
  if (v === undefined) {
    v = compute();
    cache.set(wf, v);
  }
  return v;
}

const OIDC_ROLES = new WeakMap<Workflow, string[]>();

/** Role expressions already used for OIDC in this workflow, most used first. */
export function existingOidcRoles(wf: Workflow): string[] {
  return [...memo(OIDC_ROLES, wf, () => scanOidcRoles(wf))];
}

function scanOidcRoles(wf: Workflow): string[] {
  const count = new Map<string, number>();
  for (const job of wf.jobs) {
    for (const step of job.steps) {
      if (!isOidcStep(step)) continue;
      const role = withValue(step, 'role-to-assume')!;
      // A role chosen per target account is not a base role.
      if (isCrossAccountRole(effectiveRole(wf, job, step), '')) continue;
      count.set(role, (count.get(role) ?? 0) + 1);
    }
  }
  return [...count.entries()].sort((a, b) => b[1] - a[1]).map(([r]) => r);
}

export interface RoleChoice {
  role: string;
  /** Where it came from, for the finding's note. */
  origin: 'config-environment' | 'config-default' | 'workflow' | 'placeholder';
}

/** config (per environment, then default) > the workflow's own OIDC role > vars.AWS_ROLE_ARN. */
export function baseRoleFor(config: Config, wf: Workflow, job: Job): RoleChoice {
  const env = job.environment;
  if (env && config.roles.environments[env]) return { role: config.roles.environments[env]!, origin: 'config-environment' };
  if (config.roles.default) return { role: config.roles.default, origin: 'config-default' };
  const existing = existingOidcRoles(wf)[0];
  if (existing) return { role: existing, origin: 'workflow' };
  return { role: DEFAULT_ROLE_EXPRESSION, origin: 'placeholder' };
}

export function roleNote(choice: RoleChoice): string {
  switch (choice.origin) {
    case 'config-environment': return `role-to-assume ${choice.role} comes from the config's roles.environments`;
    case 'config-default': return `role-to-assume ${choice.role} comes from the config (roles.default / --role-arn)`;
    case 'workflow': return `role-to-assume reuses ${choice.role}, the OIDC role this workflow already assumes`;
    default: return 'create the repository variable AWS_ROLE_ARN (Settings > Secrets and variables > Actions > Variables) '
      + 'holding the ARN of an IAM role that trusts token.actions.githubusercontent.com, or pass --role-arn';
  }
}

const SESSION_CHARS = /[^\w+=,.@-]/g;

/** STS RoleSessionName: 2-64 chars of [\w+=,.@-]. */
export function isValidSessionName(name: string): boolean {
  return /^[\w+=,.@-]{2,64}$/.test(name);
}

/** A session name for a job, unique among `taken`. */
export function sessionNameFor(jobId: string, taken: ReadonlySet<string>, suffix = ''): string {
  const base = `GitHubActions-${jobId}${suffix}`.replace(SESSION_CHARS, '-').slice(0, 60);
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base.slice(0, 60 - String(i).length - 1)}-${i}`;
  return name;
}

const SESSION_NAMES = new WeakMap<Workflow, Set<string>>();

/** Session names already written in the workflow (a fresh set: callers may add to it). */
export function sessionNamesIn(wf: Workflow): Set<string> {
  return new Set(memo(SESSION_NAMES, wf, () => scanSessionNames(wf)));
}

function scanSessionNames(wf: Workflow): Set<string> {
  const out = new Set<string>();
  for (const job of wf.jobs) {
    for (const step of job.steps) {
      const n = isConfigureStep(step) ? withValue(step, 'role-session-name') : undefined;
      if (n) out.add(n);
    }
  }
  return out;
}

const REGION_VARS = ['AWS_REGION', 'AWS_DEFAULT_REGION', 'REGION'];

/**
 * `aws-region` for a new configure step placed before `step`. Job and
 * workflow env are visible to it as `${{ env.X }}`; another step's env is
 * not, so a region found there is copied as its value.
 */
export function regionExpressionFor(wf: Workflow, job: Job, step?: Step): string {
  for (const name of REGION_VARS) {
    for (const env of [job.env, wf.env]) {
      if (env && getPair(env, name)) return `\${{ env.${name} }}`;
    }
  }
  for (const name of REGION_VARS) {
    const v = scalarString(getNode(step?.env, name));
    if (v) return v;
  }
  return '${{ vars.AWS_REGION }}';
}

/** `@v1`..`@v3` (and v1.x) refs; SHA pins and branches are not versions we bump. */
export function majorVersion(ref: string | undefined): number | undefined {
  const m = /^v?(\d+)(?:\.\d+)*$/.exec(ref ?? '');
  return m ? Number(m[1]) : undefined;
}

export function isShaPin(ref: string | undefined): boolean {
  return /^[0-9a-f]{40}$/i.test(ref ?? '');
}

/** The edit that moves `uses: owner/repo@vN` below v`min` to `@v<min>` (quoting kept); none for SHA pins, branches or v`min`+. */
export function bumpMajor(step: Step, min: number): TextEdit[] {
  const node = getPair(step.node, 'uses')?.value as YamlNode | undefined;
  const major = majorVersion(step.ref);
  if (!node || !isScalar(node) || isShaPin(step.ref) || major === undefined || major >= min) return [];
  const uses = `${step.uses!.slice(0, step.uses!.lastIndexOf('@'))}@v${min}`;
  return [replaceNode(node, node.type === 'PLAIN' ? uses : JSON.stringify(uses))];
}

export type EnvMap = YAMLMap | undefined;
