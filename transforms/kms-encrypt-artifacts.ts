/**
 * 2. Encrypt artifacts before upload (FIXES.md section 2).
 *
 * Finds `actions/upload-artifact` steps that ship deploy inputs (cdk.out,
 * synth output, templates, packaged artifacts) in the clear, and the broken
 * one-call `aws kms encrypt --plaintext fileb://<archive>` steps (KMS takes
 * at most 4096 bytes; its base64 output is later read back as raw bytes).
 * Writes an envelope-encryption step before the upload, or in the broken
 * step's place (keeping its name and id): a `uses:` step of the generated
 * action .github/actions/wf-fix-artifact-crypto, or the inline script
 * (transforms/shell/kms.ts) where that cannot run (shared/crypto-step.ts), and
 * points the upload at the ciphertext directory only. Upload/download steps
 * of v1-v3 become v4. The broken chain may be split over steps
 * (transforms/shared/kms-chain.ts): the archive source then comes from the
 * earlier `tar -c` step, which goes when it only fed the one-call step, and
 * the mv/base64 steps between the encrypt step and the upload go too.
 *
 * The step needs credentials that may use the key, so it waits (returns no
 * fix) while oidc-auth/role-chaining still have to give the job or a job that
 * downloads the artifact a usable session. A job with no AWS credentials at
 * all gets a base OIDC step (role from config, the workflow's OIDC role, or
 * vars.AWS_ROLE_ARN) and `id-token: write`; a job that logs in through some
 * other action, or whose only session comes too late, is refused.
 */
import type { Declared, Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import type { TextEdit } from '../src/workflow/edits.js';
import type { Job, Step } from '../src/workflow/model.js';
import { EditRefused, insertItems, removeItem, replaceNode, scalarIn, type YamlValue } from '../src/workflow/primitives.js';
import { getPair, type YamlNode } from '../src/yaml.js';
import {
  artifactName, artifactPath, brokenDecryptAfter, bumpArtifactAction, ciphertextDir, decryptPlacement,
  hasExpression, isBrokenEncryptStep, isDownload, isEncryptStep, isRepeatedDownload, isUpload, kmsPlacement, refuseNonLinux, replaceRun,
  setStepEnv, shipsDeployInputs, singlePath, stepLabel as label,
} from './shared/artifacts.js';
import { isConfigureStep } from './shared/aws.js';
import { encryptChainFor, type EncryptChain } from './shared/kms-chain.js';
import { baseCredentialStep } from './shared/keys.js';
import { oidcPermissionsFix } from './shared/permissions.js';
import { actionStep, formOfFix, inlineEnv, inlineReason, inlineScript, inlineStep, kmsStepValue, type CryptoValues } from './shared/crypto-step.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';

export const meta: TransformMeta = {
  id: 'kms-encrypt-artifacts',
  title: 'Encrypt deploy artifacts with KMS before upload',
  severity: 'error',
  fixesSection: '2. Encrypt artifacts before upload (kms-encrypt-artifacts)',
  description:
    'Adds KMS envelope encryption (aws kms generate-data-key, AES-256 with an HMAC-SHA256 checked before decrypting, '
    + 'the encrypted data key shipped beside the ciphertext) before upload-artifact steps that ship deploy inputs, '
    + 'points the upload at the ciphertext only, and repairs the one-call `aws kms encrypt` copies that fail on '
    + 'anything over 4096 bytes.',
};

interface Data {
  job: Job;
  upload: Step;
  /** The broken one-call `aws kms encrypt` chain to rewrite (its encrypt step in place). */
  chain?: EncryptChain;
}

/** The upload already carries the output of a wf-fix encrypt step. */
function alreadyEncrypted(job: Job, upload: Step): boolean {
  const path = artifactPath(upload)?.trim();
  return job.steps.some((s) => s.index < upload.index && isEncryptStep(s) && kmsStepValue(s, 'dir') === path);
}

/** The broken one-call encrypt chain whose output this upload ships. */
function brokenFeeding(job: Job, upload: Step): EncryptChain | undefined {
  const path = artifactPath(upload)?.trim();
  return path ? encryptChainFor(job, upload, path, isBrokenEncryptStep) : undefined;
}

function findInJob(job: Job): Finding[] {
  const out: Finding[] = [];
  for (const upload of job.steps.filter(isUpload)) {
    if (alreadyEncrypted(job, upload)) continue;
    const chain = brokenFeeding(job, upload);
    const broken = chain?.encrypt;
    const name = artifactName(upload) ?? '(unnamed)';
    if (chain && broken) {
      out.push({
        ruleId: meta.id,
        message: `job '${job.id}': step '${label(broken)}' encrypts artifact '${name}' with one aws kms encrypt call, which fails for `
          + 'anything over 4096 bytes, and saves base64 that a later fileb:// reads as raw bytes',
        offset: broken.node.range![0],
        path: broken.path,
        fixable: true,
        data: { job, upload, chain } satisfies Data,
      });
    } else if (shipsDeployInputs(upload)) {
      out.push({
        ruleId: meta.id,
        message: `job '${job.id}' uploads deploy inputs '${artifactPath(upload) ?? name}' as artifact '${name}' unencrypted: `
          + 'anyone with read access to the repository can download them',
        offset: upload.node.range![0],
        path: upload.path,
        fixable: true,
        data: { job, upload } satisfies Data,
      });
    }
  }
  return out;
}

function find(ctx: TransformContext): Finding[] {
  return ctx.wf.jobs.flatMap(findInJob);
}

/**
 * Every download of `name` (the producer's own too: a job that re-uploads what
 * it downloaded decrypts it first) must be able to decrypt it, or we would break it.
 */
function consumersReady(ctx: TransformContext, name: string | undefined, source: string): 'ready' | 'pending' {
  for (const job of ctx.wf.jobs) {
    for (const d of job.steps.filter(isDownload)) {
      const n = artifactName(d);
      if (n === undefined || (hasExpression(n) && n !== name)) {
        throw new EditRefused(`job '${job.id}' downloads artifacts without a literal name; wf-fix cannot tell whether it must decrypt '${name}'`);
      }
      if (n !== name || isRepeatedDownload(job, d)) continue;
      const where = decryptPlacement(ctx, job, d, brokenDecryptAfter(job, d, source));
      if ('refused' in where) throw new EditRefused(`job '${job.id}' downloads '${name}' but could not decrypt it: ${where.refused}`);
      if ('pending' in where) return 'pending';
    }
  }
  return 'ready';
}

function iamNotes(ctx: TransformContext, job: Job, name: string | undefined): string[] {
  const alias = ctx.config.kmsKeyAlias;
  return [
    `IAM: the role job '${job.id}' uses at the encrypt step needs kms:GenerateDataKey on ${alias}; the roles that download `
      + `'${name}' need kms:Decrypt on it (in cross-account jobs: the base OIDC role); kms-decrypt-artifacts adds the decrypt steps`,
    `if the key does not exist yet: aws kms create-key --description "GitHub Actions artifacts" and `
      + `aws kms create-alias --alias-name ${alias} --target-key-id <KeyId> (set kmsKeyAlias in wf-fix.config to use another key)`,
    'the artifact now holds only data-key.enc, payload.tar.gz.enc and payload.tar.gz.enc.hmac; downloads in other workflows must decrypt it too',
  ];
}

/** A step that gets AWS credentials through another action (a local or third-party login action). */
const OTHER_CREDENTIALS = /aws[\w./-]*(cred|login|auth)|(cred|login|auth)[\w./-]*aws/i;

/**
 * Where the KMS call at `at` runs: after the job's session, or with a new
 * base OIDC step right before it when the job has no AWS credentials at all.
 */
function credentials(ctx: TransformContext, job: Job, at: Step): { base: boolean } | undefined {
  const where = kmsPlacement(ctx, job, at.index - 1);
  if ('pending' in where) return undefined; // another transform gives the job credentials first
  if ('index' in where) {
    if (where.index !== at.index) throw new EditRefused(`no credential step that may use the KMS key runs before '${label(at)}' in job '${job.id}'`);
    return { base: false };
  }
  const other = job.steps.find((s) => s.uses && !isConfigureStep(s) && OTHER_CREDENTIALS.test(s.uses));
  if (other) {
    throw new EditRefused(`job '${job.id}' gets AWS credentials through ${other.uses}, not aws-actions/configure-aws-credentials: `
      + 'wf-fix cannot tell whether that session may use the KMS key');
  }
  if (job.steps.some(isConfigureStep) || ctx.wf.kind !== 'workflow') throw new EditRefused(where.refused);
  return { base: true };
}

function fix(ctx: TransformContext, finding: Finding): Fix | undefined {
  const { job, upload, chain } = finding.data as Data;
  refuseNonLinux(job);
  const name = artifactName(upload);
  const broken = chain?.encrypt;
  if (chain?.blocked) throw new EditRefused(chain.blocked);
  const source = chain ? chain.source : singlePath(artifactPath(upload));
  if (!source) {
    throw new EditRefused(broken
      ? `cannot tell which path '${label(broken)}' archives: ${chain!.unknown} (expected tar -czf ARCHIVE -C DIR . or tar -czf ARCHIVE PATH)`
      : 'the upload path is empty, has several lines or uses globs; encrypt a single file or directory');
  }
  // The KMS call runs where the encrypt step goes: over the broken step, or right before the upload.
  const at = broken ?? upload;
  const session = credentials(ctx, job, at);
  if (!session) return undefined;
  if (consumersReady(ctx, name, source) === 'pending') return undefined;

  const unit = ctx.wf.indentUnit;
  const notes = finding.notes ?? (finding.notes = []);
  const dir = ciphertextDir(name, job);
  const values: CryptoValues = { keyAlias: ctx.config.kmsKeyAlias, source, dir };
  // A local action where one can run (the job checked out the repository before it), else the inline script.
  const inline = inlineReason(ctx, job, at.index, broken);
  const edits: TextEdit[] = [];
  const declares: Declared[] = [{ path: upload.path }];
  const steps = job.stepsNode!;
  const inserted: Record<string, YamlValue>[] = [];
  if (session.base) {
    const base = baseCredentialStep(ctx, job, at, notes);
    inserted.push(base);
    const region = (base.with as Record<string, string>)['aws-region'];
    if (region.includes('vars.AWS_REGION')) notes.push(`the new credential step reads the region from ${region}: create that repository variable, or set aws-region`);
    const perms = oidcPermissionsFix(ctx.wf, ctx.text, job);
    if (perms) {
      edits.push(...perms.fix.edits);
      declares.push(...perms.fix.declares);
      notes.push(...perms.notes);
    }
    notes.push(`job '${job.id}' had no AWS credentials: a base OIDC step now runs before the encrypt step`
      + (perms ? ` (${perms.summary})` : ''));
  }
  notes.push(...iamNotes(ctx, job, name));
  if (inline) notes.push(inline);
  if (broken && inline) {
    edits.push(replaceRun(ctx.text, broken, inlineScript('encrypt'), unit), ...setStepEnv(ctx.text, broken, inlineEnv('encrypt', values), unit));
    declares.push({ path: broken.path });
  } else if (broken) {
    // The action step takes the broken step's place (its name, id and condition kept).
    inserted.push(actionStep({ name: broken.name, id: broken.id, if: broken.if }, 'encrypt', values));
    edits.push(...removeItem(ctx.text, steps, broken.index));
  } else {
    const head = { name: `Encrypt ${name && !hasExpression(name) ? name : 'artifact'} with KMS`, if: upload.if };
    inserted.push((inline ? inlineStep : actionStep)(head, 'encrypt', values));
  }
  if (broken) {
    const dead = [...chain!.deadTar, ...chain!.plumbing];
    for (const s of dead) edits.push(...removeItem(ctx.text, steps, s.index));
    if (dead.length) {
      notes.push(`removed step${dead.length > 1 ? 's' : ''} ${dead.map((s) => `'${label(s)}'`).join(', ')}: `
        + 'the envelope step archives the source itself and writes the ciphertext where the upload reads it');
    }
  }
  if (inserted.length) edits.push(...insertItems(ctx.text, steps, at.index, inserted, unit));
  const removes = !!broken && (!inline || chain!.deadTar.length + chain!.plumbing.length > 0);
  if (inserted.length || removes) declares.push({ path: [...job.path, 'steps'], insertOnly: !removes });
  const pathNode = getPair(upload.with, 'path')!.value as YamlNode;
  edits.push(replaceNode(pathNode, scalarIn(upload.with!, dir)), ...bumpArtifactAction(upload, notes));
  if (/(^|\/)\.[^/]/.test(source)) notes.push('the archive includes hidden files, which upload-artifact v4.4+ would have skipped');
  return { edits, declares, ...formOfFix(!!inline, 'encrypt') };
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
