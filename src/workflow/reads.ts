/**
 * What each transform of the registry reads, as document paths: the engine
 * runs several transforms on one model and verifies their fixes together
 * (engine.ts, "batches") only where no transform reads what an earlier one
 * of the same batch changed. Over-approximations: a transform may read less.
 *
 * A pattern is a path whose segments may be `*` (any key or index); it
 * stands for the whole subtree under it, and it conflicts with a change
 * when one of the two is a prefix of the other. The empty pattern is the
 * whole document. `[..., 'uses', '@action']` reads only which action a step
 * runs (a change of its ref, `@v3` -> `@v4`, is `[..., 'uses', '@ref']`).
 *
 * Only the registry's own transform objects are described (transforms/
 * index.ts marks them); anything else, a test's transform or a copy of a
 * registry transform with another fix(), runs and is verified on its own.
 */
import type { Config } from '../config.js';
import { isProductionJob } from '../config.js';
import type { Finding, Transform } from '../transform.js';
import type { Path, Workflow } from './model.js';
import { isConfigureStep } from '../../transforms/shared/aws.js';
import { isEncryptStep, isUpload } from '../../transforms/shared/artifacts.js';
import { codeInputsOf } from '../../transforms/shared/code-inputs.js';
import { ENCRYPT_MARKER } from '../../transforms/shell/kms.js';
import { ARTIFACT_CRYPTO_USES } from '../actions/artifact-crypto.js';

/** What stack-discovery looks for in a script (a superset: its own test also needs a literal name). */
const NAMES_STACK = /--stack-names?[= \t]|contains\(\s*StackName\b/;

export type Pattern = readonly (string | number)[];

/**
 * A read of the subtree at `path`; with `when`, of one property of the value
 * there: a change at or under `path` conflicts only when `when` holds for the
 * value the change leaves there (a change above `path` always conflicts).
 */
export interface Read {
  path: Pattern;
  when?: (after: unknown) => boolean;
}

/** A pattern segment matching any key or index. */
export const ANY = '*';
export const EVERYTHING: Pattern[] = [[]];
/** Refinements of a change or read of a step's `uses:` value. */
export const USES_ACTION = '@action';
export const USES_REF = '@ref';

const registered = new WeakSet<Transform>();

/** Marks the registry's transforms as described here (transforms/index.ts). */
export function markDescribed(transforms: readonly Transform[]): void {
  for (const t of transforms) registered.add(t);
}

export function isDescribed(t: Transform): boolean {
  return registered.has(t) && t.meta.id in READS;
}

/** A step key (or sub-path) in every step, of workflow jobs and of a composite action. */
const step = (...rest: (string | number)[]): Pattern[] => [['jobs', ANY, 'steps', ANY, ...rest], ['runs', 'steps', ANY, ...rest]];
const job = (key: string): Pattern[] => [['jobs', ANY, key], ['runs', key]];
const top = (key: string): Pattern[] => [[key]];
const keys = (of: (k: string) => Pattern[], ...ks: string[]): Pattern[] => ks.flatMap((k) => of(k));

/** What the step-shell decision reads (src/workflow/shell.ts): step shell, defaults, runs-on and the matrix it may name. */
const SHELL: Pattern[] = [...step('shell'), ...keys(job, 'defaults', 'runs-on', 'strategy'), ...top('defaults')];

type Reads = (wf: Workflow, config: Config, findings: readonly Finding[]) => (Pattern | Read)[];

interface Description {
  reads: Reads;
  /**
   * Its reads are coarse (whole configure steps, whole jobs), and usually it
   * finds nothing to fix: it runs on the batch's model even where an earlier
   * fix declared what it reads, and is checked by running it again on the result.
   */
  speculative?: boolean;
}

function eachStep(wf: Workflow, pick: (s: Workflow['jobs'][number]['steps'][number]) => boolean): Pattern[] {
  return wf.jobs.flatMap((j) => j.steps.filter(pick).map((s) => s.path as Path));
}

const READS: Record<string, Description> = {
  // First in the registry: nothing runs before it in a batch, so what it reads never matters.
  'oidc-auth': { reads: () => EVERYTHING },
  // Configure steps (keys, role, chaining, duration, session names), the env a role may come from, environments for config roles.
  'role-chaining': {
    speculative: true,
    reads: (wf, _c, findings) => findings.length ? EVERYTHING : [
      ...step('uses', USES_ACTION), ...eachStep(wf, isConfigureStep), ...job('env'), ...top('env'), ...job('environment'),
    ],
  },
  // Uploads (and everything before them in their job: encrypt steps, one-call chains); fix() reads credentials and downloads everywhere.
  'kms-encrypt-artifacts': {
    speculative: true,
    reads: (wf, _c, findings) => findings.length ? EVERYTHING : [
      ...step('uses', USES_ACTION), ...wf.jobs.filter((j) => j.steps.some(isUpload)).map((j) => [...j.path, 'steps']),
    ],
  },
  // Without an encrypt step anywhere (a marker in a script, or the crypto action) it returns at once.
  'kms-decrypt-artifacts': {
    speculative: true,
    reads: (wf, _c, findings) => findings.length || wf.jobs.some((j) => j.steps.some(isEncryptStep)) ? EVERYTHING : [
      ...wf.jobs.flatMap((j) => j.steps.map((s): Read => ({ path: [...s.path, 'run'], when: (v) => typeof v === 'string' && v.includes(ENCRYPT_MARKER) }))),
      ...step('uses', USES_ACTION),
      // A crypto action step in decrypt mode becomes an encrypt step by its `with:`.
      ...eachStep(wf, (s) => s.uses?.trim().replace(/\/+$/, '') === ARTIFACT_CRYPTO_USES),
    ],
  },
  // Deploy and --stack-name scripts, and the directory a script runs in (package.json scripts are per file).
  'stack-discovery': {
    speculative: true,
    reads: (wf, _c, findings) => findings.length ? EVERYTHING : [
      // A job none of whose scripts names a stack has no finding, whatever it deploys.
      ...wf.jobs.flatMap((j): (Pattern | Read)[] => (j.steps.some((s) => NAMES_STACK.test(s.script ?? ''))
        ? [[...j.path, 'steps', ANY, 'run']]
        : j.steps.map((s): Read => ({ path: [...s.path, 'run'], when: (v) => typeof v === 'string' && NAMES_STACK.test(v) })))),
      ...step('working-directory'), ...job('defaults'), ...top('defaults'),
    ],
  },
  'deploy-retry': {
    reads: () => [...keys(step, 'run', 'working-directory', 'name', 'id'), ...SHELL, ...job('environment')],
  },
  // Which jobs are production (job id, environment). In those: the deploy scripts and where they run, the steps'
  // names, ids and conditions, the rollback action, checkouts (for a local action), the env stack names come from.
  'prod-rollback': {
    reads: (wf, config) => [
      ...job('environment'),
      ...wf.jobs.filter((j) => isProductionJob(config, j.id, j.environment)).flatMap((j) => [
        ...['run', 'name', 'id', 'if', 'env', 'working-directory', 'shell'].map((k) => [...j.path, 'steps', ANY, k]),
        // A deploy step gets an id among its keys: all of a run: step.
        ...j.steps.filter((s) => s.run !== undefined).map((s) => s.path),
        [...j.path, 'steps', ANY, 'uses', USES_ACTION],
        ...j.steps.filter((s) => s.action === 'actions/checkout').map((s) => [...s.path, 'with']),
        ...['env', 'defaults', 'runs-on', 'strategy'].map((k) => [...j.path, k]),
        ...top('env'), ...top('on'), ...top('defaults'),
      ]),
    ],
  },
  // Scripts, the shell, and the env names that decide -u.
  'strict-shell': {
    reads: () => [...keys(step, 'run', 'env', 'name', 'id'), ...SHELL, ...job('env'), ...top('env')],
  },
  // Scripts with ${{ }} (of the others only whether they get one), code inputs, the env at every level, the matrix;
  // fix() places env: among the step's keys.
  'expression-injection': {
    reads: (wf, _c, findings) => [
      ...wf.jobs.flatMap((j) => j.steps.map((s): Pattern | Read => (s.script?.includes('${{')
        ? [...s.path, 'run']
        : { path: [...s.path, 'run'], when: (v) => typeof v === 'string' && v.includes('${{') }))),
      ...keys(step, 'env', 'name', 'id'), ...step('uses', USES_ACTION), ...SHELL, ...job('env'), ...top('env'),
      ...eachStep(wf, (s) => codeInputsOf(s.action).length > 0).map((p) => [...p, 'with']),
      ...findings.map((f) => f.path),
    ],
  },
};

/** What a described transform read to produce `findings` (and their fixes) on `wf`. */
export function readsOf(t: Transform, wf: Workflow, config: Config, findings: readonly Finding[]): Read[] {
  // Without findings they depend on the model only (and the run's config): asked for again on the same model.
  const memo = findings.length ? undefined : (NO_FINDINGS.get(wf) ?? NO_FINDINGS.set(wf, new Map()).get(wf)!);
  const known = memo?.get(t);
  if (known) return known;
  const reads = READS[t.meta.id]!.reads(wf, config, findings).map((r) => (Array.isArray(r) ? { path: r as Pattern } : r as Read));
  memo?.set(t, reads);
  return reads;
}

const NO_FINDINGS = new WeakMap<Workflow, Map<Transform, Read[]>>();

/** See Description.speculative. */
export function isSpeculative(t: Transform): boolean {
  return !!READS[t.meta.id]!.speculative;
}

/** One of the two is a prefix of the other (`*` matches any segment). */
export function overlaps(a: Pattern, b: Pattern): boolean {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === ANY || b[i] === ANY) continue;
    if (a[i] !== b[i]) return false;
  }
  return true;
}

/** `read` covers all of `path` (read is a prefix of it). */
export function covers(read: Pattern, path: Pattern): boolean {
  return read.length <= path.length && overlaps(read, path);
}

/** A change at `path`, leaving `after` (the document after it) as it is, touches what `reads` read. */
export function touches(reads: readonly Read[], path: Pattern, after: (at: Pattern) => unknown): boolean {
  return reads.some((r) => overlaps(r.path, path) && (!r.when || path.length < r.path.length || r.when(after(r.path))));
}
