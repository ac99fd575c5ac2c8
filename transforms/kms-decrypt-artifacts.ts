/**
 * 3. Decrypt after download (FIXES.md section 3).
 *
 * Finds `actions/download-artifact` steps of an artifact that a wf-fix
 * encrypt step produced, in jobs that do not decrypt it yet, and the broken
 * `aws kms decrypt` copies after such downloads. Inserts a decrypt step (the
 * generated action's `uses:` step, or the inline script where the action
 * cannot run: shared/crypto-step.ts) after the download and after a credential step
 * that may use the key: in a cross-account job the base OIDC session, before
 * the `role-chaining: true` step, unless config.kmsDecryptWithChainedRole.
 * The step verifies the HMAC, decrypts, and restores the path the job used
 * (the download path, or where the broken copy extracted), so later steps are
 * unchanged. A broken copy in the right place keeps its name and id; one that
 * runs under the chained session is moved. A step that extracts the
 * downloaded ciphertext as if it were a plain tarball counts as a broken copy
 * (its `tar -x` target is restored), and `base64 -d` steps feeding the broken
 * copy go.
 */
import type { Declared, Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import type { TextEdit } from '../src/workflow/edits.js';
import type { Job, Step } from '../src/workflow/model.js';
import { EditRefused, insertItems, removeItem, type YamlValue } from '../src/workflow/primitives.js';
import {
  afterDownload, artifactName, artifactPath, brokenDecryptAfter, bumpArtifactAction, decryptPlacement, hasExpression, isBrokenDecryptStep,
  isDecryptStep, isDownload, isEncryptStep, isRepeatedDownload, isUpload, kmsPlacement, normalPath, refuseNonLinux, replaceRun,
  restorePath, setStepEnv, stepLabel as label,
} from './shared/artifacts.js';
import { isChainedStep } from './shared/aws.js';
import { deadDecodeSteps } from './shared/kms-chain.js';
import { actionStep, formOfFix, inlineEnv, inlineReason, inlineScript, inlineStep, kmsStepValue, type CryptoValues } from './shared/crypto-step.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';

export const meta: TransformMeta = {
  id: 'kms-decrypt-artifacts',
  title: 'Decrypt KMS-encrypted artifacts after download',
  severity: 'error',
  fixesSection: '3. Decrypt after download (kms-decrypt-artifacts)',
  description:
    'After download-artifact of an artifact encrypted by kms-encrypt-artifacts, verifies the HMAC, decrypts the data key '
    + 'with KMS (the base session in cross-account jobs) and restores the original path, so later steps are unchanged; '
    + 'replaces the broken `aws kms decrypt` copies.',
};

interface Data {
  job: Job;
  download: Step;
  broken?: Step;
}

/** Artifacts whose upload carries the output of a wf-fix encrypt step: name -> the path it encrypted. */
export function encryptedArtifacts(jobs: readonly Job[]): Map<string, string | undefined> {
  const out = new Map<string, string | undefined>();
  for (const job of jobs) {
    for (const e of job.steps.filter(isEncryptStep)) {
      const dir = kmsStepValue(e, 'dir');
      const upload = job.steps.find((s) => s.index > e.index && isUpload(s) && artifactPath(s)?.trim() === dir);
      const name = upload && artifactName(upload);
      if (name) out.set(name, kmsStepValue(e, 'source'));
    }
  }
  return out;
}

function findInJob(job: Job, encrypted: Map<string, string | undefined>): Finding[] {
  const out: Finding[] = [];
  for (const download of job.steps.filter(isDownload)) {
    const name = artifactName(download);
    if (!name || !encrypted.has(name) || isRepeatedDownload(job, download)) continue;
    // Its decrypt step belongs after it and before the next download into the same path.
    const later = afterDownload(job, download);
    const dir = normalPath(artifactPath(download));
    if (later.some((s) => isDecryptStep(s) && normalPath(kmsStepValue(s, 'dir')) === dir)) continue;
    const broken = brokenDecryptAfter(job, download, encrypted.get(name));
    out.push({
      ruleId: meta.id,
      message: broken
        ? isBrokenDecryptStep(broken)
          ? `job '${job.id}': step '${label(broken)}' cannot decrypt artifact '${name}': it expects the one-call aws kms encrypt format `
            + 'and reads base64 text through fileb://'
          : `job '${job.id}': step '${label(broken)}' extracts KMS-encrypted artifact '${name}' as a plain tarball and never decrypts it`
        : `job '${job.id}' downloads KMS-encrypted artifact '${name}' (step '${label(download)}') but never decrypts it`,
      offset: (broken ?? download).node.range![0],
      path: (broken ?? download).path,
      fixable: true,
      data: { job, download, broken } satisfies Data,
    });
  }
  return out;
}

function find(ctx: TransformContext): Finding[] {
  const encrypted = encryptedArtifacts(ctx.wf.jobs);
  if (!encrypted.size) return [];
  return ctx.wf.jobs.flatMap((job) => findInJob(job, encrypted));
}

function fix(ctx: TransformContext, finding: Finding): Fix | undefined {
  const { job, download, broken } = finding.data as Data;
  refuseNonLinux(job);
  const where = decryptPlacement(ctx, job, download, broken);
  if ('refused' in where) throw new EditRefused(where.refused);
  if ('pending' in where) return undefined; // oidc-auth / role-chaining give the job a base session first
  const name = artifactName(download)!;
  const downloaded = artifactPath(download)?.trim() || '.';
  const restore = restorePath(download, broken);

  const unit = ctx.wf.indentUnit;
  const notes = finding.notes ?? (finding.notes = []);
  const chained = job.steps.some(isChainedStep);
  const role = !chained ? 'the role' : ctx.config.kmsDecryptWithChainedRole ? 'the chained (target-account) role, as configured,' : 'the base OIDC role (not the chained one)';
  notes.push(`IAM: ${role} active at the decrypt step in job '${job.id}' needs kms:Decrypt on ${ctx.config.kmsKeyAlias}`);
  notes.push(`the decrypt step verifies the HMAC before extracting and restores ${restore}; a modified artifact fails the job`);
  const values: CryptoValues = { keyAlias: ctx.config.kmsKeyAlias, dir: downloaded, restore };
  const edits: TextEdit[] = [...bumpArtifactAction(download, notes)];
  const declares: Declared[] = [{ path: download.path }];
  // `base64 -d artifacts/X > Y` before the broken copy decodes what is now an envelope: dead.
  const decodes = broken ? deadDecodeSteps(job.steps.filter((s) => s.index > download.index && s.index < broken.index), downloaded) : [];
  for (const s of decodes) edits.push(...removeItem(ctx.text, job.stepsNode!, s.index));
  if (decodes.length) notes.push(`removed ${decodes.map((s) => `'${label(s)}'`).join(', ')}: the decrypt step reads the downloaded files itself`);
  // A broken copy where the session may use the key is rewritten in place (name and id kept).
  const at = broken && kmsPlacement(ctx, job, broken.index - 1);
  const inPlace = !!broken && !!at && 'index' in at && at.index === broken.index;
  const inline = inlineReason(ctx, job, inPlace ? broken!.index : where.index, broken);
  if (inline) notes.push(inline);
  if (inPlace && inline) {
    edits.push(replaceRun(ctx.text, broken!, inlineScript('decrypt'), unit), ...setStepEnv(ctx.text, broken!, inlineEnv('decrypt', values), unit));
    declares.push({ path: broken!.path });
    if (decodes.length) declares.push({ path: [...job.path, 'steps'] });
  } else {
    const head = { name: broken?.name ?? `Decrypt ${hasExpression(name) ? 'artifact' : name} with KMS`, id: broken?.id, if: inPlace ? broken!.if : download.if };
    const step = (inline ? inlineStep : actionStep)(head, 'decrypt', values);
    edits.push(...insertItems(ctx.text, job.stepsNode!, inPlace ? broken!.index : where.index, [step], unit));
    if (broken) {
      edits.push(...removeItem(ctx.text, job.stepsNode!, broken.index));
      if (!inPlace) notes.push(`step '${label(broken)}' ran under the chained session; the decrypt now runs before it, with the base session`);
    }
    declares.push({ path: [...job.path, 'steps'], insertOnly: !broken });
  }
  return { edits, declares, ...formOfFix(!!inline, 'decrypt') };
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
