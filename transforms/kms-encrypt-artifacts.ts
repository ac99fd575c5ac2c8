/**
 * 2. Encrypt artifacts before upload (FIXES.md section 2).
 *
 * Finds `actions/upload-artifact` steps that ship deploy inputs (cdk.out,
 * synth output, templates, packaged artifacts) in the clear, and the broken
 * one-call `aws kms encrypt --plaintext fileb://<archive>` steps (KMS takes
 * at most 4096 bytes; its base64 output is later read back as raw bytes).
 * Writes an envelope-encryption step (transforms/shell/kms.ts) before the
 * upload, or over the broken step's `run:` (keeping its name and id), and
 * points the upload at the ciphertext directory only. Upload/download steps
 * of v1-v3 become v4.
 *
 * The step needs credentials that may use the key, so it waits (returns no
 * fix) while oidc-auth/role-chaining still have to give the job or a job that
 * downloads the artifact a usable session, and refuses when nothing will.
 */
import type { Declared, Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import type { TextEdit } from '../src/workflow/edits.js';
import type { Job, Step } from '../src/workflow/model.js';
import { EditRefused, insertItems, replaceNode, scalarIn, type YamlValue } from '../src/workflow/primitives.js';
import { getPair, scalarText, type YamlNode } from '../src/yaml.js';
import {
  artifactName, artifactPath, brokenDecryptAfter, brokenEncryptSource, bumpArtifactAction, ciphertextDir, decryptPlacement, envValue,
  hasExpression, isBrokenEncryptStep, isDownload, isEncryptStep, isRepeatedDownload, isUpload, kmsPlacement, refuseNonLinux, replaceRun,
  setStepEnv, shipsDeployInputs, singlePath, stepLabel as label,
} from './shared/artifacts.js';
import { encryptScript, ENV } from './shell/kms.js';
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
  /** The broken `aws kms encrypt` step to rewrite in place. */
  broken?: Step;
}

/** The upload already carries the output of a wf-fix encrypt step. */
function alreadyEncrypted(job: Job, upload: Step): boolean {
  const path = artifactPath(upload)?.trim();
  return job.steps.some((s) => s.index < upload.index && isEncryptStep(s) && envValue(s, ENV.dir) === path);
}

/** The broken encrypt step whose output this upload ships. */
function brokenFeeding(job: Job, upload: Step): Step | undefined {
  const path = artifactPath(upload)?.trim();
  if (!path) return undefined;
  const file = path.replace(/^\.\//, '').split('/').pop()!;
  return job.steps.filter((s) => s.index < upload.index && isBrokenEncryptStep(s) && s.script!.includes(file)).pop();
}

function findInJob(job: Job): Finding[] {
  const out: Finding[] = [];
  for (const upload of job.steps.filter(isUpload)) {
    if (alreadyEncrypted(job, upload)) continue;
    const broken = brokenFeeding(job, upload);
    const name = artifactName(upload) ?? '(unnamed)';
    if (broken) {
      out.push({
        ruleId: meta.id,
        message: `job '${job.id}': step '${label(broken)}' encrypts artifact '${name}' with one aws kms encrypt call, which fails for `
          + 'anything over 4096 bytes, and saves base64 that a later fileb:// reads as raw bytes',
        offset: broken.node.range![0],
        path: broken.path,
        fixable: true,
        data: { job, upload, broken } satisfies Data,
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
function consumersReady(ctx: TransformContext, name: string | undefined): 'ready' | 'pending' {
  for (const job of ctx.wf.jobs) {
    for (const d of job.steps.filter(isDownload)) {
      const n = artifactName(d);
      if (n === undefined || (hasExpression(n) && n !== name)) {
        throw new EditRefused(`job '${job.id}' downloads artifacts without a literal name; wf-fix cannot tell whether it must decrypt '${name}'`);
      }
      if (n !== name || isRepeatedDownload(job, d)) continue;
      const where = decryptPlacement(ctx, job, d, brokenDecryptAfter(job, d));
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

function fix(ctx: TransformContext, finding: Finding): Fix | undefined {
  const { job, upload, broken } = finding.data as Data;
  refuseNonLinux(job);
  const name = artifactName(upload);
  const source = broken ? brokenEncryptSource(broken.script!) : singlePath(artifactPath(upload));
  if (!source) {
    throw new EditRefused(broken
      ? `cannot tell which path '${label(broken)}' archives (expected tar ... -C DIR . or tar -czf ARCHIVE PATH)`
      : 'the upload path is empty, has several lines or uses globs; encrypt a single file or directory');
  }
  // The KMS call runs where the encrypt step goes: over the broken step, or right before the upload.
  const at = broken ?? upload;
  const where = kmsPlacement(ctx, job, at.index - 1);
  if ('refused' in where) throw new EditRefused(where.refused);
  if ('pending' in where) return undefined; // another transform gives the job credentials first
  if (where.index !== at.index) throw new EditRefused(`no credential step that may use the KMS key runs before '${label(at)}' in job '${job.id}'`);
  if (consumersReady(ctx, name) === 'pending') return undefined;

  const unit = ctx.wf.indentUnit;
  const notes = finding.notes ?? (finding.notes = []);
  notes.push(...iamNotes(ctx, job, name));
  const dir = ciphertextDir(name, job);
  const env = { [ENV.keyAlias]: ctx.config.kmsKeyAlias, [ENV.source]: source, [ENV.dir]: dir };
  const edits: TextEdit[] = [];
  const declares: Declared[] = [{ path: upload.path }];
  if (broken) {
    edits.push(replaceRun(ctx.text, broken, encryptScript(), unit), ...setStepEnv(ctx.text, broken, env, unit));
    declares.push({ path: broken.path });
  } else {
    const step: Record<string, YamlValue> = { name: `Encrypt ${name && !hasExpression(name) ? name : 'artifact'} with KMS` };
    if (upload.if) step.if = upload.if;
    step.env = env;
    step.run = encryptScript();
    edits.push(...insertItems(ctx.text, job.stepsNode!, upload.index, [step], unit));
    declares.push({ path: [...job.path, 'steps'], insertOnly: true });
  }
  const pathNode = getPair(upload.with, 'path')!.value as YamlNode;
  edits.push(replaceNode(pathNode, scalarIn(upload.with!, dir)), ...bumpArtifactAction(upload, notes));
  if (/(^|\/)\.[^/]/.test(source)) notes.push('the archive includes hidden files, which upload-artifact v4.4+ would have skipped');
  return { edits, declares, scripts: [encryptScript()] };
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
