/**
 * The generated composite action for KMS artifact envelope encryption
 * (`.github/actions/wf-fix-artifact-crypto/action.yml`), owned by
 * kms-encrypt-artifacts and kms-decrypt-artifacts. Its `run:` scripts are the
 * same text the inline fallback pastes into workflows (transforms/shell/kms.ts),
 * so the two cannot drift; inputs reach them only through `env:`, under the
 * env names those scripts read.
 *
 * Inputs (what a workflow step writes under `with:`):
 *   mode            encrypt (before upload-artifact) or decrypt (after download-artifact)
 *   path            encrypt: the file or directory to encrypt; decrypt: the directory the ciphertext was downloaded to
 *   ciphertext-dir  encrypt: where the ciphertext files go (what upload-artifact uploads)
 *   restore-path    decrypt: where the artifact is extracted (default: path)
 *   kms-key-alias   the KMS key (alias) of the data key
 */
import { decryptScript, encryptScript, ENV } from '../../transforms/shell/kms.js';
import { actionPath, usesReference } from './action-path.js';
import type { RepositoryFileSpec } from './registry.js';

export const ARTIFACT_CRYPTO_ID = 'artifact-crypto';
export const ARTIFACT_CRYPTO_PATH = actionPath(ARTIFACT_CRYPTO_ID);
/** The `uses:` value of a step that runs the action. */
export const ARTIFACT_CRYPTO_USES = usesReference(ARTIFACT_CRYPTO_PATH);

/** The action's input names. */
export const CRYPTO_INPUT = {
  mode: 'mode',
  path: 'path',
  ciphertextDir: 'ciphertext-dir',
  restorePath: 'restore-path',
  keyAlias: 'kms-key-alias',
} as const;

export type CryptoMode = 'encrypt' | 'decrypt';

/** `run: |` with the script indented under a step at column 4 of the action. */
function runBlock(script: string): string[] {
  return ['      run: |', ...script.replace(/\n$/, '').split('\n').map((l) => (l === '' ? '' : `        ${l}`))];
}

const input = (name: string) => `\${{ inputs.${name} }}`;

export function artifactCryptoBody(): string {
  const I = CRYPTO_INPUT;
  return [
    'name: wf-fix artifact crypto',
    'description: KMS envelope encryption of a workflow artifact (encrypt before upload-artifact, verify the HMAC and decrypt after download-artifact).',
    'inputs:',
    `  ${I.mode}:`,
    '    description: encrypt (before upload-artifact) or decrypt (after download-artifact).',
    '    required: true',
    `  ${I.path}:`,
    '    description: "encrypt: the file or directory to encrypt. decrypt: the directory download-artifact put the ciphertext files in."',
    '    required: true',
    `  ${I.ciphertextDir}:`,
    '    description: "encrypt: the directory the ciphertext files are written to; upload this directory, nothing else."',
    '    required: false',
    "    default: ''",
    `  ${I.restorePath}:`,
    '    description: "decrypt: the directory the artifact is extracted into (default: path)."',
    '    required: false',
    "    default: ''",
    `  ${I.keyAlias}:`,
    '    description: The KMS key (alias/...) that encrypts the data key; the role active at the step needs kms:GenerateDataKey (encrypt) or kms:Decrypt (decrypt) on it.',
    '    required: true',
    'runs:',
    '  using: composite',
    '  steps:',
    '    - name: Check the inputs',
    `      if: (inputs.${I.mode} != 'encrypt' && inputs.${I.mode} != 'decrypt') || (inputs.${I.mode} == 'encrypt' && inputs.${I.ciphertextDir} == '')`,
    '      shell: bash',
    '      env:',
    `        WF_FIX_MODE: ${input(I.mode)}`,
    '      run: |',
    '        echo "::error::wf-fix-artifact-crypto: mode must be encrypt (with ciphertext-dir) or decrypt, got mode \'$WF_FIX_MODE\'" >&2',
    '        exit 1',
    '    - name: Encrypt with KMS',
    `      if: inputs.${I.mode} == 'encrypt'`,
    '      shell: bash',
    '      env:',
    `        ${ENV.keyAlias}: ${input(I.keyAlias)}`,
    `        ${ENV.source}: ${input(I.path)}`,
    `        ${ENV.dir}: ${input(I.ciphertextDir)}`,
    ...runBlock(encryptScript()),
    '    - name: Verify the HMAC and decrypt with KMS',
    `      if: inputs.${I.mode} == 'decrypt'`,
    '      shell: bash',
    '      env:',
    `        ${ENV.keyAlias}: ${input(I.keyAlias)}`,
    `        ${ENV.dir}: ${input(I.path)}`,
    `        ${ENV.restore}: \${{ inputs.${I.restorePath} || inputs.${I.path} }}`,
    ...runBlock(decryptScript()),
    '',
  ].join('\n');
}

export const ARTIFACT_CRYPTO: RepositoryFileSpec = {
  id: ARTIFACT_CRYPTO_ID,
  path: ARTIFACT_CRYPTO_PATH,
  body: artifactCryptoBody(),
  owners: ['kms-encrypt-artifacts', 'kms-decrypt-artifacts'],
};
