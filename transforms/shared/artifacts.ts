/**
 * Facts about artifacts and KMS steps shared by kms-encrypt-artifacts and
 * kms-decrypt-artifacts: upload/download steps, which uploads ship deploy
 * inputs, the steps wf-fix generated (by their marker, or the generated action), the broken one-call
 * `aws kms encrypt`/`decrypt` copies, and where in a job an AWS session that
 * may use the KMS key is active.
 */
import type { TransformContext } from '../../src/transform.js';
import type { TextEdit } from '../../src/workflow/edits.js';
import type { Job, Step } from '../../src/workflow/model.js';
import { EditRefused, insertPairs, replaceBlockScalarBody, setScalar, type YamlValue } from '../../src/workflow/primitives.js';
import { columnAt } from '../../src/workflow/lines.js';
import { getNode, getPair, isScalar, scalarString, type YamlNode } from '../../src/yaml.js';
import { bumpMajor, isChainedStep, isConfigureStep, isCrossAccountKeyStep, KEY_ENV_VARS, withValue } from './aws.js';
import { DECRYPT_MARKER, ENCRYPT_MARKER } from '../shell/kms.js';
import { DEPLOY_OUTPUTS } from './deploy.js';
import { brokenDecryptTarget, isDeadExtract, isOneCallEncrypt } from './kms-chain.js';
import { cryptoActionMode } from './crypto-step.js';

export const UPLOAD_ACTION = 'actions/upload-artifact';
export const DOWNLOAD_ACTION = 'actions/download-artifact';
/** v3 and older stopped running on GitHub; v4 is the first supported major. */
export const ARTIFACT_MIN_MAJOR = 4;
/** Where generated encrypt steps put the ciphertext (outside the workspace). */
export const CIPHERTEXT_ROOT = '${{ runner.temp }}/kms-artifacts';

export const isUpload = (s: Step): boolean => s.action === UPLOAD_ACTION;
export const isDownload = (s: Step): boolean => s.action === DOWNLOAD_ACTION;

export function artifactName(step: Step): string | undefined {
  return withValue(step, 'name');
}

export function artifactPath(step: Step): string | undefined {
  return withValue(step, 'path');
}

export const hasExpression = (s: string): boolean => s.includes('${{');

/** Paths and names of build outputs that a deploy consumes (paths: every deployer's, from shared/deploy.ts). */
const DEPLOY_PATH = DEPLOY_OUTPUTS;
const DEPLOY_NAME = /cdk|synth|template|assembly|cloudformation|cfn|packaged|deploy/i;
/** Already-encrypted payloads (another tool's encryption is left alone). */
const ENCRYPTED_PATH = /\.(enc|gpg|pgp|age|asc|encrypted)$/i;

export function shipsDeployInputs(step: Step): boolean {
  const path = artifactPath(step) ?? '';
  if (ENCRYPTED_PATH.test(path.trim())) return false;
  return DEPLOY_PATH.test(path) || DEPLOY_NAME.test(artifactName(step) ?? '');
}

/** One path, no globs, no exclusions: what an encrypt step can archive. */
export function singlePath(path: string | undefined): string | undefined {
  const p = path?.trim();
  if (!p || p.includes('\n') || /[*?[\]!]/.test(p.replace(/\$\{\{[^}]*\}\}/g, ''))) return undefined;
  return p;
}

/** `${{ runner.temp }}/kms-artifacts/<slug>` for an artifact name. */
export function ciphertextDir(name: string | undefined, job: Job): string {
  const base = name && !hasExpression(name) ? name : `${job.id}-artifact`;
  const slug = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[-.]+|-+$/g, '') || 'artifact';
  return `${CIPHERTEXT_ROOT}/${slug}`;
}

/** A wf-fix encrypt step: the inline script (by its marker) or the generated action in encrypt mode. */
export const isEncryptStep = (s: Step): boolean => (s.script ?? '').includes(ENCRYPT_MARKER) || cryptoActionMode(s) === 'encrypt';
export const isDecryptStep = (s: Step): boolean => (s.script ?? '').includes(DECRYPT_MARKER) || cryptoActionMode(s) === 'decrypt';

const KMS_DECRYPT = /\baws\s+kms\s+decrypt\b/;

/**
 * The broken copy: one `aws kms encrypt --plaintext ...` call over an archive
 * (KMS takes at most 4096 bytes) whose `--query CiphertextBlob --output text` is base64.
 */
export function isBrokenEncryptStep(s: Step): boolean {
  return !isEncryptStep(s) && isOneCallEncrypt(s.script ?? '');
}

export function isBrokenDecryptStep(s: Step): boolean {
  return !isDecryptStep(s) && KMS_DECRYPT.test(s.script ?? '');
}

// ---- credentials --------------------------------------------------------

export type Session = 'usable' | 'chained' | 'pending' | 'none';

function envHasKeys(map: unknown): boolean {
  return KEY_ENV_VARS.some((k) => /\$\{\{\s*secrets\./.test(scalarString(getNode(map, k)) ?? ''));
}

/**
 * The AWS session active just before steps[index]: the last configure step
 * before it decides. A cross-account step that still uses keys is `pending`
 * (role-chaining splits it into base + chained); a chained session may use the
 * key only when the config says so.
 */
function sessionAt(ctx: TransformContext, job: Job, index: number): Session {
  const last = job.steps.slice(0, index).filter(isConfigureStep).pop();
  if (!last) return envHasKeys(job.env) || envHasKeys(ctx.wf.env) ? 'usable' : 'none';
  if (isCrossAccountKeyStep(ctx, job, last)) return 'pending';
  if (isChainedStep(last)) return ctx.config.kmsDecryptWithChainedRole ? 'usable' : 'chained';
  return 'usable';
}

export type Placement = { index: number } | { pending: string } | { refused: string };

/**
 * The earliest index after `after` where a KMS call can run: the session
 * there may use the key (the base session in a cross-account job).
 */
export function kmsPlacement(ctx: TransformContext, job: Job, after: number): Placement {
  const candidates = [after + 1, ...job.steps.filter((s) => s.index > after && isConfigureStep(s)).map((s) => s.index + 1)];
  let pending: string | undefined;
  let chained = false;
  for (const i of candidates) {
    const session = sessionAt(ctx, job, i);
    if (session === 'usable') return { index: i };
    if (session === 'pending') pending = 'the cross-account step still uses keys (role-chaining gives the job a base OIDC step)';
    if (session === 'chained') chained = true;
  }
  const chainedWithoutBase = job.steps.some((s) => isChainedStep(s) && !job.steps.slice(0, s.index).some((b) => isConfigureStep(b) && !isChainedStep(b)));
  if (chainedWithoutBase && !ctx.config.kmsDecryptWithChainedRole) pending ??= 'the chained step has no base credential step yet (role-chaining adds one)';
  if (pending) return { pending };
  return {
    refused: chained
      ? `job '${job.id}' has only a chained (target-account) session after the artifact step; set kmsDecryptWithChainedRole if that role may use the KMS key, or add a base credential step`
      : `job '${job.id}' has no AWS credential step (aws-actions/configure-aws-credentials) where the KMS call must run; add one whose role may use the KMS key`,
  };
}

// ---- downloads and where their decrypt step goes ----------------------

export function stepLabel(step: Step): string {
  return step.name ?? step.id ?? `${step.uses ?? 'run'} (step ${step.index + 1})`;
}

/** A download path compared as a directory: `./cdk.out/` and `cdk.out` are the same; no path is `.`. */
export const normalPath = (p: string | undefined): string => (p ?? '.').trim().replace(/^\.\/(?=.)/, '').replace(/\/+$/, '') || '.';

/** A run step whose script mentions `path` (reads or writes it). */
export function usesPath(step: Step, path: string): boolean {
  return !!step.script && normalPath(path) !== '.' && step.script.includes(normalPath(path));
}

/**
 * The next download (of any artifact) into the same directory: it puts new
 * ciphertext files there, so the decrypt step of `download` must run before it.
 */
export function nextDownloadInto(job: Job, download: Step): Step | undefined {
  const dir = normalPath(artifactPath(download));
  return job.steps.find((s) => s.index > download.index && isDownload(s) && normalPath(artifactPath(s)) === dir);
}

/** Steps after a download until the next download into the same directory: where its decrypt step belongs. */
export function afterDownload(job: Job, download: Step): Step[] {
  const next = nextDownloadInto(job, download);
  return job.steps.filter((s) => s.index > download.index && (!next || s.index < next.index));
}

/**
 * The step that handles this download as the one-call format: a broken
 * `aws kms decrypt` copy, else a step that extracts the ciphertext as if it
 * were a plain tarball. `restored` is the file name the envelope step restores
 * (the producer's source): extracting that one is not dead.
 */
export function brokenDecryptAfter(job: Job, download: Step, restored?: string): Step | undefined {
  const later = afterDownload(job, download);
  return later.find(isBrokenDecryptStep) ?? later.find((s) => isDeadExtract(s, artifactPath(download) ?? '.', restored));
}

/**
 * A download that the next download into the same directory repeats (same
 * artifact, same condition or none, nothing using the path in between): that
 * one rewrites the same ciphertext, so one decrypt step after it covers both.
 */
export function isRepeatedDownload(job: Job, download: Step): boolean {
  const next = nextDownloadInto(job, download);
  if (!next || artifactName(next) !== artifactName(download) || (next.if !== undefined && next.if !== download.if)) return false;
  const dir = artifactPath(download) ?? '.';
  return !afterDownload(job, download).some((s) => usesPath(s, dir) || isBrokenDecryptStep(s));
}

/** The path a decrypt step restores: where the broken copy extracted, else the download path. */
export function restorePath(download: Step, broken?: Step): string {
  return (broken && brokenDecryptTarget(broken.script!)) || artifactPath(download)?.trim() || '.';
}

/**
 * Where the decrypt step of `download` goes: after a credential step that may
 * use the key (kmsPlacement), refused when a step uses the restored path
 * before that, or when another download into the same directory comes first
 * (it would overwrite the ciphertext before it is decrypted). Shared with
 * kms-encrypt-artifacts, which must not encrypt what a consumer cannot decrypt.
 */
export function decryptPlacement(ctx: TransformContext, job: Job, download: Step, broken?: Step): Placement {
  const where = kmsPlacement(ctx, job, download.index);
  if (!('index' in where)) return where;
  const restore = restorePath(download, broken);
  const early = job.steps.find((s) => s.index > download.index && s.index < where.index && s !== broken && usesPath(s, restore));
  if (early) return { refused: `step '${stepLabel(early)}' uses ${restore} before a credential step lets job '${job.id}' decrypt it` };
  const next = nextDownloadInto(job, download);
  if (next && next.index < where.index) {
    return {
      refused: `job '${job.id}' downloads '${artifactName(download)}' (step '${stepLabel(download)}') and then '${artifactName(next)}' `
        + `(step '${stepLabel(next)}'${artifactName(next) === artifactName(download) ? ', under another condition' : ''}) into ${normalPath(artifactPath(download))} before a credential step `
        + 'that may use the KMS key: the second download would overwrite the ciphertext before it is decrypted; add a credential step '
        + 'between them or download into different paths',
    };
  }
  return where;
}

/** Runner families the generated bash (GNU tar, OpenSSL 3, base64 -d) targets. */
export function refuseNonLinux(job: Job): void {
  if (/windows|macos|mac-|osx/i.test(job.runsOn ?? '')) {
    throw new EditRefused(`job '${job.id}' runs on ${job.runsOn}: the KMS steps target Linux runners (GNU tar, OpenSSL 3)`);
  }
}

// ---- edits --------------------------------------------------------------

/** Bump `actions/upload-artifact|download-artifact@v1..v3` to v4. */
export function bumpArtifactAction(step: Step, notes: string[]): TextEdit[] {
  const edits = bumpMajor(step, ARTIFACT_MIN_MAJOR);
  if (edits.length) {
    notes.push(`${step.action}@${step.ref} -> @v${ARTIFACT_MIN_MAJOR} (v3 and older no longer run on GitHub): v4 artifacts are immutable `
      + 'per name in a run, a v3 download cannot read a v4 upload, and a download without a name extracts each artifact into its own directory');
  }
  return edits;
}

/** Set env entries on a step: into its `env:` when it has one, else a new `env:` before `run:`. */
export function setStepEnv(text: string, step: Step, vars: Record<string, string>, unit: number): TextEdit[] {
  if (step.env && step.env.items.length && !step.env.flow) {
    const edits: TextEdit[] = [];
    const add: Record<string, YamlValue> = {};
    for (const [k, v] of Object.entries(vars)) {
      if (getPair(step.env, k)) edits.push(...setScalar(text, step.env, k, v, unit));
      else add[k] = v;
    }
    if (Object.keys(add).length) edits.push(...insertPairs(text, step.env, add, unit));
    return edits;
  }
  if (getPair(step.node, 'env')) throw new EditRefused('the step has an empty or flow `env:`');
  const keys = step.node.items.map((p) => scalarString(p.key));
  const runAt = keys.indexOf('run');
  const after = runAt > 0 ? keys[runAt - 1] : undefined;
  return insertPairs(text, step.node, { env: vars }, unit, after ? { after } : {});
}

/** Replace a `run:` value with `script` (a literal block keeps its header; anything else becomes `|`). */
export function replaceRun(text: string, step: Step, script: string, unit: number): TextEdit {
  const node = step.run as YamlNode | undefined;
  if (!node?.range || !isScalar(node)) throw new EditRefused('the step has no scalar run:');
  if (node.type === 'BLOCK_LITERAL') return replaceBlockScalarBody(text, node, script);
  const col = columnAt(text, (getPair(step.node, 'run')!.key as YamlNode).range![0]);
  const pad = ' '.repeat(col + unit);
  const body = script.replace(/\n$/, '').split('\n').map((l) => (l === '' ? '' : pad + l)).join('\n');
  const [start, valueEnd] = node.range;
  let end = valueEnd;
  while (end > start && /\s/.test(text[end - 1]!)) end--;
  return { start, end, text: `|\n${body}` };
}
