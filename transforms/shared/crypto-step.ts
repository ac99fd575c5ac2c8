/**
 * The KMS step both artifact transforms write: a `uses:` step of the generated
 * action (src/actions/artifact-crypto.ts) with a few `with:` lines, or, where
 * a local action cannot run, today's inline script (transforms/shell/kms.ts)
 * with its values in `env:`. Also reads either form back (which values a
 * wf-fix KMS step works on), so find() and the trust collector recognise both.
 */
import { ARTIFACT_CRYPTO_ID, ARTIFACT_CRYPTO_USES, CRYPTO_INPUT as I, type CryptoMode } from '../../src/actions/artifact-crypto.js';
import type { TransformContext } from '../../src/transform.js';
import type { Job, Step } from '../../src/workflow/model.js';
import type { YamlValue } from '../../src/workflow/primitives.js';
import { getNode, scalarString } from '../../src/yaml.js';
import { decryptScript, encryptScript, ENV } from '../shell/kms.js';
import { withValue } from './aws.js';
import { checkoutProblem, localActionBlocker, runWorkingDirectory } from './local-action.js';

/** The values of a KMS step (the inline script's env names, ENV in shell/kms.ts). */
export interface CryptoValues {
  keyAlias: string;
  /** encrypt: the file or directory encrypted. */
  source?: string;
  /** encrypt: where the ciphertext goes; decrypt: where it was downloaded. */
  dir: string;
  /** decrypt: where the artifact is extracted. */
  restore?: string;
}

/** The mode of a step that runs the generated action (`uses: ./.github/actions/wf-fix-artifact-crypto`). */
export function cryptoActionMode(step: Step): CryptoMode | undefined {
  if (step.uses?.trim().replace(/\/+$/, '') !== ARTIFACT_CRYPTO_USES) return undefined;
  const mode = withValue(step, I.mode);
  return mode === 'encrypt' || mode === 'decrypt' ? mode : undefined;
}

/** One value of a wf-fix KMS step, inline (its env:) or the action (its with:). */
export function kmsStepValue(step: Step, key: keyof typeof ENV): string | undefined {
  const mode = cryptoActionMode(step);
  if (!mode) return scalarString(getNode(step.env, ENV[key]));
  switch (key) {
    case 'keyAlias': return withValue(step, I.keyAlias);
    case 'source': return mode === 'encrypt' ? withValue(step, I.path) : undefined;
    case 'dir': return withValue(step, mode === 'encrypt' ? I.ciphertextDir : I.path);
    case 'restore': return mode === 'decrypt' ? withValue(step, I.restorePath) || withValue(step, I.path) : undefined;
  }
}

/**
 * Why the KMS step at steps[index] of `job` stays an inline script (undefined:
 * the generated action can run there). `step` is the existing (broken) step
 * being rewritten, if any: its paths came from its script.
 */
export function inlineReason(ctx: TransformContext, job: Job, index: number, step?: Step): string | undefined {
  const action = ARTIFACT_CRYPTO_USES;
  switch (localActionBlocker(ctx, job, index)) {
    case 'inlineScripts': return `inlineScripts is set in the config: the KMS script is written inline into the step, not as ${action}`;
    case 'composite': return `this file is a composite action: the KMS script stays inline, since a ${action} path in it would resolve in the checkout of each workflow that uses it`;
    case 'workflow_call': return `the workflow is reusable (on: workflow_call): a ${action} path in it resolves in the caller's checkout, so the KMS script stays inline`;
    case 'no-checkout': return `${checkoutProblem(job, index)!}, so ${action} would not be found: the KMS script stays inline`;
    case undefined: break;
  }
  // Paths read from a script are relative to its working directory; an action step runs in the workspace root.
  const wd = step && runWorkingDirectory(ctx, job, step);
  if (step && wd) {
    return `step '${step.name ?? step.id ?? step.index + 1}' runs in working-directory ${wd} and its paths are relative to it, `
      + `while ${action} runs in the workspace root: the KMS script stays inline in that step`;
  }
  return undefined;
}

/** The step's leading keys (name, id, if), those that are set. */
type Head = Record<string, string | undefined>;
const defined = (head: Head): Record<string, string> => Object.fromEntries(Object.entries(head).filter((e): e is [string, string] => e[1] !== undefined));

/** The `uses:` step of the action for `mode`. */
export function actionStep(head: Head, mode: CryptoMode, v: CryptoValues): Record<string, YamlValue> {
  const withMap: Record<string, YamlValue> = mode === 'encrypt'
    ? { [I.mode]: mode, [I.path]: v.source!, [I.ciphertextDir]: v.dir, [I.keyAlias]: v.keyAlias }
    : { [I.mode]: mode, [I.path]: v.dir, ...(v.restore && v.restore !== v.dir ? { [I.restorePath]: v.restore } : {}), [I.keyAlias]: v.keyAlias };
  return { ...defined(head), uses: ARTIFACT_CRYPTO_USES, with: withMap };
}

/** The inline step for `mode`: the script with its values in env:. */
export function inlineStep(head: Head, mode: CryptoMode, v: CryptoValues): Record<string, YamlValue> {
  return { ...defined(head), env: inlineEnv(mode, v), run: inlineScript(mode) };
}

/** The env: of the inline form. */
export function inlineEnv(mode: CryptoMode, v: CryptoValues): Record<string, string> {
  return mode === 'encrypt'
    ? { [ENV.keyAlias]: v.keyAlias, [ENV.source]: v.source!, [ENV.dir]: v.dir }
    : { [ENV.keyAlias]: v.keyAlias, [ENV.dir]: v.dir, [ENV.restore]: v.restore! };
}

export const inlineScript = (mode: CryptoMode): string => (mode === 'encrypt' ? encryptScript() : decryptScript());

/** What the Fix carries for the form chosen: the scripts to check (inline) or the repository file (action). */
export function formOfFix(inline: boolean, mode: CryptoMode): { scripts?: string[]; repositoryFiles?: string[] } {
  return inline ? { scripts: [inlineScript(mode)] } : { repositoryFiles: [ARTIFACT_CRYPTO_ID] };
}
