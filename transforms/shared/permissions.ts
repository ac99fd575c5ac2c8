/**
 * `permissions:` for jobs that assume a role through OIDC: `id-token: write`
 * and `contents: read`, merged into what the job already has. Setting any
 * permission sets every unlisted one to `none`, so a new job-level block
 * copies the workflow-level scopes and the scopes the job's steps need.
 */
import { EditRefused, insertPairs, renderPair, replaceNode, type YamlValue } from '../../src/workflow/primitives.js';
import { insertJobPairs } from './job-edits.js';
import type { Fix } from '../../src/transform.js';
import type { Job, Workflow } from '../../src/workflow/model.js';
import { isMap, isScalar, scalarString, toPlainNode, type YAMLMap } from '../../src/yaml.js';

/** Every GITHUB_TOKEN scope, for expanding `read-all`. */
export const ALL_SCOPES = [
  'actions', 'attestations', 'checks', 'contents', 'deployments', 'discussions', 'issues', 'packages',
  'pages', 'pull-requests', 'repository-projects', 'security-events', 'statuses',
] as const;

/** Scopes well-known actions need (the job would lose them under an explicit block). */
const ACTION_SCOPES: Record<string, Record<string, string>> = {
  'peter-evans/create-pull-request': { contents: 'write', 'pull-requests': 'write' },
  'marocchino/sticky-pull-request-comment': { 'pull-requests': 'write' },
  'thollander/actions-comment-pull-request': { 'pull-requests': 'write' },
  'mshick/add-pr-comment': { 'pull-requests': 'write' },
  'github/codeql-action/upload-sarif': { 'security-events': 'write' },
  'actions/deploy-pages': { pages: 'write' },
  'softprops/action-gh-release': { contents: 'write' },
  'ncipollo/release-action': { contents: 'write' },
  'actions/create-release': { contents: 'write' },
  'stefanzweifel/git-auto-commit-action': { contents: 'write' },
  'actions/attest-build-provenance': { attestations: 'write' },
};

const rank: Record<string, number> = { none: 0, read: 1, write: 2 };

function grant(into: Record<string, string>, scope: string, level: string): void {
  if ((rank[level] ?? 0) > (rank[into[scope] ?? 'none'] ?? 0)) into[scope] = level;
}

/** Scopes the job's steps are known to need, and whether it uses the token in ways we cannot read. */
export function scopesNeededBySteps(job: Job): { scopes: Record<string, string>; opaqueTokenUse: boolean } {
  const scopes: Record<string, string> = {};
  let opaque = false;
  for (const step of job.steps) {
    const known = step.action ? ACTION_SCOPES[step.action] : undefined;
    if (known) for (const [s, l] of Object.entries(known)) grant(scopes, s, l);
    const script = step.script ?? '';
    if (/\bgh\s+pr\s+(comment|create|edit|merge|review)\b/.test(script)) grant(scopes, 'pull-requests', 'write');
    if (/\bgh\s+release\b|\bgit\s+push\b/.test(script)) grant(scopes, 'contents', 'write');
    if (/\bgh\s+issue\s+(comment|create|edit|close)\b/.test(script)) grant(scopes, 'issues', 'write');
    if (step.action === 'actions/github-script') opaque = true;
  }
  return { scopes, opaqueTokenUse: opaque };
}

/** The permission map a plain value stands for, or undefined for expressions. */
function plainPermissions(node: unknown): Record<string, string> | 'read-all' | 'write-all' | undefined {
  if (isScalar(node)) {
    const v = scalarString(node);
    if (v === 'read-all' || v === 'write-all') return v;
    if (v === undefined) return {};
    return undefined;
  }
  if (isMap(node)) return toPlainNode(node) as Record<string, string>;
  return undefined;
}

function allRead(): Record<string, string> {
  return Object.fromEntries(ALL_SCOPES.map((s) => [s, 'read']));
}

export interface PermissionPlan {
  fix: Fix;
  /** What the block will now say, for the finding's note. */
  summary: string;
  notes: string[];
}

/**
 * Edits giving `job` `id-token: write` and `contents: read`, or undefined when
 * it already has them (explicitly or through `write-all`).
 */
export function oidcPermissionsFix(wf: Workflow, text: string, job: Job): PermissionPlan | undefined {
  if (wf.kind === 'composite') return undefined;
  const unit = wf.indentUnit;
  const notes: string[] = [];
  const declares = [{ path: [...job.path, 'permissions'] }];
  const pair = job.permissions;
  if (pair) {
    const current = plainPermissions(pair.value);
    if (current === undefined) throw new EditRefused('job permissions are an expression; cannot merge id-token: write');
    if (current === 'write-all') return undefined;
    const value = pair.value;
    if (current === 'read-all') {
      const block = { ...allRead(), 'id-token': 'write' };
      return {
        fix: { edits: [replaceValueWithBlock(text, pair.key as never, value as never, block, unit)], declares },
        summary: 'read-all expanded to every scope read + id-token: write', notes,
      };
    }
    const missing: Record<string, YamlValue> = {};
    const edits = [];
    const map = isMap(value) ? (value as YAMLMap) : undefined;
    if (current['id-token'] !== 'write') {
      const idPair = map?.items.find((i) => scalarString(i.key) === 'id-token');
      if (idPair && isScalar(idPair.value)) edits.push(replaceNode(idPair.value as never, 'write'));
      else missing['id-token'] = 'write';
    }
    if (!current.contents) missing.contents = 'read';
    if (edits.length === 0 && Object.keys(missing).length === 0) return undefined;
    if (Object.keys(missing).length) {
      if (map && map.items.length) edits.push(...insertPairs(text, map, missing, unit));
      else edits.push(replaceValueWithBlock(text, pair.key as never, value as never, { ...current, ...missing } as never, unit));
    }
    return { fix: { edits, declares }, summary: 'id-token: write and contents: read merged into the job permissions', notes };
  }

  // No job block: build one from the workflow-level block (or defaults) + what steps need.
  const wfPerm = wf.permissions ? plainPermissions(wf.permissions.value) : {};
  if (wfPerm === 'write-all') return undefined;
  if (wfPerm === undefined) throw new EditRefused('workflow permissions are an expression; cannot derive the job block');
  if (wfPerm !== 'read-all' && wf.permissions && wfPerm['id-token'] === 'write' && wfPerm.contents) return undefined;
  const block: Record<string, string> = wfPerm === 'read-all' ? allRead() : { ...wfPerm };
  const { scopes, opaqueTokenUse } = scopesNeededBySteps(job);
  if (!wf.permissions) for (const [s, l] of Object.entries(scopes)) grant(block, s, l);
  grant(block, 'id-token', 'write');
  if (!block.contents) block.contents = 'read';
  if (!wf.permissions && opaqueTokenUse) {
    notes.push(`job '${job.id}' uses the GITHUB_TOKEN through actions/github-script: add any scope it needs to the new permissions block`);
  }
  const edits = insertJobPairs(text, wf, job, { permissions: block });
  return {
    fix: { edits, declares },
    summary: wf.permissions ? 'job permissions block copies the workflow-level scopes + id-token: write' : 'job permissions block: id-token: write, contents: read',
    notes,
  };
}

/** Replace a pair's value (scalar or flow) with a nested block mapping. */
function replaceValueWithBlock(text: string, key: { range: [number, number, number] }, value: { range: [number, number, number] } | null, block: Record<string, string>, unit: number) {
  const lines = renderPair('x', block, unit).slice(1);
  const keyStart = key.range[0];
  const col = keyStart - (text.lastIndexOf('\n', keyStart - 1) + 1);
  const start = key.range[1];
  const end = value?.range && value.range[1] > start ? value.range[1] : start;
  const body = lines.map((l) => ' '.repeat(col) + l).join('\n');
  // `permissions: read-all` -> `permissions:\n  a: b ...` (text after the value, e.g. a comment, stays)
  const colon = text.indexOf(':', start);
  return { start: colon + 1, end, text: '\n' + body };
}
