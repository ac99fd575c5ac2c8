/**
 * Bash for KMS envelope encryption of workflow artifacts (FIXES.md sections
 * 2 and 3), shared by kms-encrypt-artifacts and kms-decrypt-artifacts.
 *
 * Format of the ciphertext directory (the only thing uploaded):
 *   data-key.enc             KMS CiphertextBlob of the data key, raw bytes (read back with fileb://)
 *   payload.tar.gz.enc       tar.gz of the source, `openssl enc -aes-256-cbc -pbkdf2` keyed by the data key
 *   payload.tar.gz.enc.hmac  HMAC-SHA256 (hex) over payload.tar.gz.enc (encrypt-then-MAC)
 *
 * The data key comes from `aws kms generate-data-key` (no 4096-byte limit on
 * the archive). Its plaintext exists only in a file in a mode-700 directory
 * under $RUNNER_TEMP, removed by an EXIT trap on success and failure, and reaches
 * openssl through `-pass file:`. The HMAC key is SHA-256 of a label and the
 * data key, so the one key that appears on a command line cannot decrypt
 * anything. Decrypt verifies the HMAC before decrypting and extracting, so a
 * modified or truncated artifact fails the step and restores nothing.
 *
 * The scripts are constant: every value arrives through the step's `env:`
 * (no `${{ }}` in the script), so they are checked once and never need
 * quoting per workflow.
 */

/** First comment line of each script: how find() recognises its own output. */
export const ENCRYPT_MARKER = '# wf-fix: kms-encrypt-artifacts v1';
export const DECRYPT_MARKER = '# wf-fix: kms-decrypt-artifacts v1';

/** Env names the scripts read. */
export const ENV = {
  keyAlias: 'KMS_KEY_ALIAS',
  source: 'KMS_ARTIFACT_SOURCE',
  dir: 'KMS_ARTIFACT_DIR',
  restore: 'KMS_RESTORE_PATH',
} as const;

/** Files in the ciphertext directory. */
export const FILES = {
  key: 'data-key.enc',
  payload: 'payload.tar.gz.enc',
  mac: 'payload.tar.gz.enc.hmac',
} as const;

/** KMS encryption context bound to every data key (also shows in CloudTrail). */
export const ENCRYPTION_CONTEXT = 'purpose=github-actions-artifact';

const OPENSSL_ENC = 'openssl enc -aes-256-cbc -md sha256 -pbkdf2 -iter 10000';

/** Lines shared by both scripts: private temp dir, trap, MAC key derivation. */
const PRELUDE = [
  '# mktemp -d makes the directory mode 700: the plaintext data key never leaves it.',
  'work="$(mktemp -d "${RUNNER_TEMP:?RUNNER_TEMP is not set}/wf-fix-kms.XXXXXX")"',
  "trap 'rm -rf -- \"$work\"' EXIT",
];

const HMAC_FUNCTION = [
  '# HMAC-SHA256 of a file, keyed by SHA-256("wf-fix artifact mac" + data key).',
  'artifact_hmac() {',
  '  local mac_key',
  '  mac_key="$({ printf \'wf-fix artifact mac\\n\'; cat "$work/data-key"; } | openssl dgst -sha256 -r | cut -d \' \' -f 1)"',
  '  openssl dgst -sha256 -mac HMAC -macopt "hexkey:$mac_key" -r "$1" | cut -d \' \' -f 1',
  '}',
];

/** Encrypt $KMS_ARTIFACT_SOURCE (file or directory) into $KMS_ARTIFACT_DIR. */
export function encryptScript(): string {
  return [
    'set -euo pipefail',
    ENCRYPT_MARKER,
    `# Envelope encryption: a KMS data key encrypts the archive locally; only ciphertext goes to ${'$'}${ENV.dir}.`,
    ...PRELUDE,
    `if [ ! -e "$${ENV.source}" ]; then`,
    `  echo "::error::$${ENV.source} does not exist: nothing to encrypt" >&2`,
    '  exit 1',
    'fi',
    `mkdir -p -- "$${ENV.dir}"`,
    `if ! aws kms generate-data-key --key-id "$${ENV.keyAlias}" --key-spec AES_256 \\`,
    `    --encryption-context ${ENCRYPTION_CONTEXT} --output json > "$work/data-key.json"; then`,
    `  echo "::error::KMS key $${ENV.keyAlias} gave no data key: check that the alias exists in this account and region and that the role may call kms:GenerateDataKey" >&2`,
    '  exit 1',
    'fi',
    'jq -r \'.Plaintext\' "$work/data-key.json" > "$work/data-key"',
    `jq -r '.CiphertextBlob' "$work/data-key.json" | base64 -d > "$${ENV.dir}/${FILES.key}"`,
    'rm -f -- "$work/data-key.json"',
    ...HMAC_FUNCTION,
    `if [ -d "$${ENV.source}" ]; then`,
    `  tar -C "$${ENV.source}" -czf - .`,
    'else',
    `  tar -C "$(dirname -- "$${ENV.source}")" -czf - -- "$(basename -- "$${ENV.source}")"`,
    `fi | ${OPENSSL_ENC} -salt -pass "file:$work/data-key" -out "$${ENV.dir}/${FILES.payload}"`,
    `artifact_hmac "$${ENV.dir}/${FILES.payload}" > "$${ENV.dir}/${FILES.mac}"`,
    `echo "encrypted $${ENV.source} into $${ENV.dir} with $${ENV.keyAlias}"`,
    '',
  ].join('\n');
}

/**
 * Verify and decrypt the ciphertext files in $KMS_ARTIFACT_DIR (where
 * download-artifact put them) and extract into $KMS_RESTORE_PATH.
 */
export function decryptScript(): string {
  const files = [FILES.key, FILES.payload, FILES.mac].join(' ');
  return [
    'set -euo pipefail',
    DECRYPT_MARKER,
    `# Verifies the HMAC before decrypting, then restores ${'$'}${ENV.restore}; a tampered artifact restores nothing.`,
    ...PRELUDE,
    `for f in ${files}; do`,
    `  if [ ! -f "$${ENV.dir}/$f" ]; then`,
    `    echo "::error::$${ENV.dir}/$f is missing: the artifact was not encrypted by the wf-fix KMS step" >&2`,
    '    exit 1',
    '  fi',
    `  mv -- "$${ENV.dir}/$f" "$work/$f"`,
    'done',
    `if [ -z "$(ls -A -- "$${ENV.dir}")" ]; then rmdir -- "$${ENV.dir}"; fi`,
    `if ! aws kms decrypt --key-id "$${ENV.keyAlias}" --ciphertext-blob "fileb://$work/${FILES.key}" \\`,
    `    --encryption-context ${ENCRYPTION_CONTEXT} --query Plaintext --output text > "$work/data-key"; then`,
    `  echo "::error::KMS could not decrypt the artifact's data key with $${ENV.keyAlias}: the role needs kms:Decrypt, or the key file was modified" >&2`,
    '  exit 1',
    'fi',
    ...HMAC_FUNCTION,
    `if [ "$(artifact_hmac "$work/${FILES.payload}")" != "$(cat "$work/${FILES.mac}")" ]; then`,
    '  echo "::error::artifact integrity check failed (HMAC mismatch): the ciphertext was modified or truncated; nothing was extracted" >&2',
    '  exit 1',
    'fi',
    `mkdir -p -- "$${ENV.restore}"`,
    `${OPENSSL_ENC} -d -pass "file:$work/data-key" -in "$work/${FILES.payload}" | tar -C "$${ENV.restore}" -xzf -`,
    `echo "decrypted the artifact into $${ENV.restore}"`,
    '',
  ].join('\n');
}
