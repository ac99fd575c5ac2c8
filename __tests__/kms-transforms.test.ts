import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, fixed, fixText, lines, ROOT, tempDir } from './helpers.js';
import { BUILD_JOB as BUILD, blockLines, pipelineOf } from './kms/harness.js';
import { decryptScript, encryptScript } from '../transforms/shell/kms.js';
import { parseYaml, type YAMLMap, type YAMLSeq } from '../src/yaml.js';
import { applyEdits } from '../src/workflow/edits.js';
import { removeItem } from '../src/workflow/primitives.js';

const KMS = ['kms-encrypt-artifacts', 'kms-decrypt-artifacts'];
const SEED_IDS = ['oidc-auth', 'role-chaining', ...KMS];

const ENCRYPT_STEP = [
  '      - name: Encrypt cdk-out with KMS',
  '        env:',
  '          KMS_KEY_ALIAS: alias/github-actions-artifacts',
  '          KMS_ARTIFACT_SOURCE: cdk.out',
  '          KMS_ARTIFACT_DIR: ${{ runner.temp }}/kms-artifacts/cdk-out',
  '        run: |',
  ...blockLines(encryptScript(), 10),
];

function decryptStep(dir: string, restore: string, name = 'Decrypt cdk-out with KMS', alias = 'alias/github-actions-artifacts'): string[] {
  return [
    `      - name: ${name}`,
    '        env:',
    `          KMS_KEY_ALIAS: ${alias}`,
    `          KMS_ARTIFACT_DIR: ${dir}`,
    `          KMS_RESTORE_PATH: ${restore}`,
    '        run: |',
    ...blockLines(decryptScript(), 10),
  ];
}

describe('kms-encrypt-artifacts + kms-decrypt-artifacts (golden)', () => {
  test('encrypts a cdk.out upload after the credential step and decrypts it after download + credentials; bumps v3 to v4', () => {
    const input = lines(
      ...BUILD,
      '      - uses: actions/upload-artifact@v3',
      '        with:',
      '          name: cdk-out',
      '          path: cdk.out',
      '  deploy:',
      '    needs: build',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/download-artifact@v3',
      '        with:',
      '          name: cdk-out',
      '          path: cdk.out',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::111111111111:role/Deploy',
      '          aws-region: us-east-1',
      '      - run: npx cdk deploy --app cdk.out --all',
    );
    const out = fixText(input, KMS);
    expect(out.output).toBe(lines(
      ...BUILD,
      ...ENCRYPT_STEP,
      '      - uses: actions/upload-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: ${{ runner.temp }}/kms-artifacts/cdk-out',
      '  deploy:',
      '    needs: build',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/download-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: cdk.out',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::111111111111:role/Deploy',
      '          aws-region: us-east-1',
      ...decryptStep('cdk.out', 'cdk.out'),
      '      - run: npx cdk deploy --app cdk.out --all',
    ));
    const enc = out.findings.find((f) => f.ruleId === 'kms-encrypt-artifacts')!;
    const dec = out.findings.find((f) => f.ruleId === 'kms-decrypt-artifacts')!;
    expect(enc.fixed && dec.fixed).toBe(true);
    expect(enc.notes.join('\n')).toMatch(/kms:GenerateDataKey on alias\/github-actions-artifacts/);
    expect(enc.notes.join('\n')).toMatch(/upload-artifact@v3 -> @v4/);
    expect(dec.notes.join('\n')).toMatch(/kms:Decrypt on alias\/github-actions-artifacts/);
    // Idempotent: nothing left to find.
    const again = fixText(out.output, KMS);
    expect(again.output).toBe(out.output);
    expect(again.findings).toEqual([]);
  });

  test('cross-account job: decrypt runs with the base session, before the role-chaining step; config alias is used', () => {
    const deploy = [
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/download-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: cdk.out',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::111111111111:role/Base',
      '          aws-region: us-east-1',
    ];
    const chained = [
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::222222222222:role/Deploy',
      '          aws-region: us-east-1',
      '          role-chaining: true',
    ];
    const input = lines(
      ...BUILD,
      '      - uses: actions/upload-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: cdk.out',
      ...deploy,
      ...chained,
      '      - run: npx cdk deploy --app cdk.out --all',
    );
    const config = { kmsKeyAlias: 'alias/deploy-artifacts' };
    const out = fixed(input, KMS, config);
    const expected = (decryptAfterChain: boolean) => lines(
      ...BUILD,
      ...ENCRYPT_STEP.map((l) => l.replace('alias/github-actions-artifacts', 'alias/deploy-artifacts')),
      '      - uses: actions/upload-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: ${{ runner.temp }}/kms-artifacts/cdk-out',
      ...deploy,
      ...(decryptAfterChain ? chained : []),
      ...decryptStep('cdk.out', 'cdk.out', 'Decrypt cdk-out with KMS', 'alias/deploy-artifacts'),
      ...(decryptAfterChain ? [] : chained),
      '      - run: npx cdk deploy --app cdk.out --all',
    );
    expect(out).toBe(expected(false));
    // With kmsDecryptWithChainedRole the session right after the download and base step is still the base one.
    expect(fixed(input, KMS, { ...config, kmsDecryptWithChainedRole: true })).toBe(expected(false));
  });

  test('a job whose only session is chained: decrypt after it only when the config says the chained role may decrypt', () => {
    const input = lines(
      ...BUILD,
      '      - uses: actions/upload-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: cdk.out/',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::111111111111:role/Base',
      '          aws-region: us-east-1',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::222222222222:role/Deploy',
      '          aws-region: us-east-1',
      '          role-chaining: true',
      '      - uses: actions/download-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: cdk.out/',
      '      - run: npx cdk deploy --app cdk.out --all',
    );
    const refused = fixText(input, KMS);
    expect(refused.output).toBe(input);
    const enc = refused.findings.find((f) => f.ruleId === 'kms-encrypt-artifacts')!;
    expect(enc.fixed).toBe(false);
    expect(enc.skippedBecause).toMatch(/job 'deploy' downloads 'cdk-out' but could not decrypt it: .*chained.*kmsDecryptWithChainedRole/);
    const out = fixed(input, KMS, { kmsDecryptWithChainedRole: true });
    expect(pipelineOf(out).decrypt.map((d) => [d.job, d.index, d.env])).toEqual([
      ['deploy', 3, { KMS_KEY_ALIAS: 'alias/github-actions-artifacts', KMS_ARTIFACT_DIR: 'cdk.out/', KMS_RESTORE_PATH: 'cdk.out/' }],
    ]);
  });

  test("refuses when the producing job's only credential step comes after the upload (a job without any gets a base step: kms-split.test.ts)", () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - run: npx cdk synth',
      '      - uses: actions/upload-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: cdk.out',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::111111111111:role/Build',
      '          aws-region: us-east-1',
    );
    const out = fixText(input, KMS);
    expect(out.output).toBe(input);
    expect(out.findings).toHaveLength(1);
    expect(out.findings[0]!.skippedBecause).toBe("no credential step that may use the KMS key runs before 'actions/upload-artifact@v4 (step 2)' in job 'build'");
  });

  test('refuses a consumer job without credentials (encrypting would break it), and leaves unrelated uploads alone', () => {
    const input = lines(
      ...BUILD,
      '      - uses: actions/upload-artifact@v4',
      '        with:',
      '          name: coverage',
      '          path: coverage/',
      '      - uses: actions/upload-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: cdk.out',
      '  check:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/download-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '      - run: ls',
    );
    const out = fixText(input, KMS);
    expect(out.output).toBe(input);
    expect(out.findings.map((f) => f.message)).toEqual([
      "job 'build' uploads deploy inputs 'cdk.out' as artifact 'cdk-out' unencrypted: anyone with read access to the repository can download them",
    ]);
    expect(out.findings[0]!.skippedBecause).toMatch(/job 'check' downloads 'cdk-out' but could not decrypt it: job 'check' has no AWS credential step/);
  });

  test('waits for role-chaining: a key-based cross-account consumer gets its base step first, then the decrypt goes between', () => {
    const input = lines(
      ...BUILD,
      '      - uses: actions/upload-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: cdk.out',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: actions/download-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: cdk.out',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}',
      '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
      '          aws-region: us-east-1',
      '          role-to-assume: arn:aws:iam::222222222222:role/Deploy',
    );
    const alone = fixText(input, KMS);
    expect(alone.output).toBe(input);
    expect(alone.findings.map((f) => [f.fixed, f.skippedBecause])).toEqual([[false, undefined]]); // pending, not refused
    const out = fixed(input, ['role-chaining', ...KMS], { roles: { default: 'arn:aws:iam::111111111111:role/Base', environments: {} } });
    const steps = pipelineOf(out);
    expect(steps.decrypt.map((s) => [s.job, s.index])).toEqual([['deploy', 2]]);
    expect(out).toContain([
      '          role-session-name: GitHubActions-deploy-base',
      '          aws-region: us-east-1',
      '      - name: Decrypt cdk-out with KMS',
    ].join('\n'));
  });

  test('repairs the broken one-call aws kms encrypt/decrypt copies in place, keeping names and ids', () => {
    const input = lines(
      ...BUILD,
      '      - name: Encrypt',
      '        id: enc',
      '        run: |',
      '          tar -czf out.tar.gz -C cdk.out .',
      '          aws kms encrypt --key-id alias/x --plaintext fileb://out.tar.gz \\',
      '            --output text --query CiphertextBlob > out.tar.gz.encrypted',
      '      - uses: actions/upload-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: out.tar.gz.encrypted',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::111111111111:role/Deploy',
      '          aws-region: us-east-1',
      '      - uses: actions/download-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: ./artifacts/',
      '      - name: Decrypt',
      '        id: dec',
      '        run: |',
      '          aws kms decrypt --ciphertext-blob fileb://artifacts/out.tar.gz.encrypted \\',
      '            --output text --query Plaintext | base64 -d > out.tar.gz',
      '          mkdir -p cdk.out && tar -xzf out.tar.gz -C cdk.out',
      '      - run: npx cdk deploy --app cdk.out --all',
    );
    const out = fixText(input, KMS);
    expect(out.output).toBe(lines(
      ...BUILD,
      '      - name: Encrypt',
      '        id: enc',
      '        env:',
      '          KMS_KEY_ALIAS: alias/github-actions-artifacts',
      '          KMS_ARTIFACT_SOURCE: cdk.out',
      '          KMS_ARTIFACT_DIR: ${{ runner.temp }}/kms-artifacts/cdk-out',
      '        run: |',
      ...blockLines(encryptScript(), 10),
      '      - uses: actions/upload-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: ${{ runner.temp }}/kms-artifacts/cdk-out',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::111111111111:role/Deploy',
      '          aws-region: us-east-1',
      '      - uses: actions/download-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: ./artifacts/',
      '      - name: Decrypt',
      '        id: dec',
      '        env:',
      '          KMS_KEY_ALIAS: alias/github-actions-artifacts',
      '          KMS_ARTIFACT_DIR: ./artifacts/',
      '          KMS_RESTORE_PATH: cdk.out',
      '        run: |',
      ...blockLines(decryptScript(), 10),
      '      - run: npx cdk deploy --app cdk.out --all',
    ));
    expect(out.findings.map((f) => f.message)).toEqual([
      "job 'build': step 'Encrypt' encrypts artifact 'cdk-out' with one aws kms encrypt call, which fails for anything over 4096 bytes, and saves base64 that a later fileb:// reads as raw bytes",
      "job 'deploy': step 'Decrypt' cannot decrypt artifact 'cdk-out': it expects the one-call aws kms encrypt format and reads base64 text through fileb://",
    ]);
    expect(fixed(out.output, KMS)).toBe(out.output);
  });
});

/** Property-test counterexamples (seeds 2 and 3): downloads of the same artifact, then a re-upload of it. */
describe('repeated downloads and re-uploads (every transform; converges in one run, second run is a no-op)', () => {
  const download = (name: string, path: string, extra: string[] = []) => [
    '      - uses: actions/download-artifact@v4',
    ...extra,
    '        with:',
    `          name: ${name}`,
    `          path: ${path}`,
  ];
  const upload = [
    '      - uses: actions/upload-artifact@v4',
    '        with:',
    '          name: cdk-out',
  ];
  const head = (job: string) => ['name: generated', 'on:', '  push:', '    branches: [main]', '', '# the jobs', 'jobs:', `  ${job}:`, '    runs-on: ubuntu-latest'];
  const OIDC_PERMISSIONS = ['    permissions:', '      id-token: write', '      contents: read'];
  const noFinalNewline = (text: string) => text.replace(/\n$/, '');

  /** The KMS transforms' output (exact, and a fixed point); every transform also reaches a fixed point in one run. */
  function expectFixedPoint(input: string): string {
    const all = fixed(input);
    expect(fixed(all)).toBe(all);
    const out = fixed(input, KMS);
    expect(fixed(out, KMS)).toBe(out);
    return out;
  }

  test('seed 2: the same artifact downloaded twice into cdk.out, key-based credentials, re-upload: one decrypt after the credential step, then the encrypt', () => {
    const input = noFinalNewline(lines(
      ...head('test_1'),
      '    steps:',
      ...download('cdk-out', 'cdk.out'),
      ...download('cdk-out', 'cdk.out'),
      '      - uses: aws-actions/configure-aws-credentials@v1',
      '        with:',
      '          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}',
      '          aws-secret-access-key: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
      '          aws-region: us-east-1',
      ...upload,
      '          path: cdk.out',
    ));
    const out = fixText(input);
    expect(out.output).toBe(noFinalNewline(lines(
      ...head('test_1'),
      ...OIDC_PERMISSIONS,
      '    steps:',
      ...download('cdk-out', 'cdk.out'),
      ...download('cdk-out', 'cdk.out'),
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          aws-region: us-east-1',
      '          role-to-assume: ${{ vars.AWS_ROLE_ARN }}',
      '          role-session-name: GitHubActions-test_1',
      ...decryptStep('cdk.out', 'cdk.out'),
      ...ENCRYPT_STEP,
      ...upload,
      '          path: ${{ runner.temp }}/kms-artifacts/cdk-out',
    )));
    expect(out.findings.filter((f) => f.ruleId.startsWith('kms-')).map((f) => [f.ruleId, f.fixed])).toEqual([
      ['kms-encrypt-artifacts', true],
      ['kms-decrypt-artifacts', true],
    ]);
    expect(fixed(out.output)).toBe(out.output);
  });

  test('seed 3: the same shape with an OIDC step', () => {
    const input = noFinalNewline(lines(
      ...head('deploy'),
      '    steps:',
      ...download('cdk-out', 'cdk.out'),
      ...download('cdk-out', 'cdk.out'),
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::123456789012:role/deploy',
      '          aws-region: eu-west-1',
      ...upload,
      '          path: cdk.out',
    ));
    const out = fixText(input);
    expect(out.output).toBe(noFinalNewline(lines(
      ...head('deploy'),
      ...OIDC_PERMISSIONS,
      '    steps:',
      ...download('cdk-out', 'cdk.out'),
      ...download('cdk-out', 'cdk.out'),
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          role-to-assume: arn:aws:iam::123456789012:role/deploy',
      '          aws-region: eu-west-1',
      ...decryptStep('cdk.out', 'cdk.out'),
      ...ENCRYPT_STEP,
      ...upload,
      '          path: ${{ runner.temp }}/kms-artifacts/cdk-out',
    )));
    expect(fixed(out.output)).toBe(out.output);
  });

  const PRODUCER = [
    ...BUILD,
    '      - uses: actions/upload-artifact@v4',
    '        with:',
    '          name: cdk-out',
    '          path: cdk.out',
  ];
  const PRODUCER_FIXED = [
    ...BUILD,
    ...ENCRYPT_STEP,
    '      - uses: actions/upload-artifact@v4',
    '        with:',
    '          name: cdk-out',
    '          path: ${{ runner.temp }}/kms-artifacts/cdk-out',
  ];
  const CONFIGURE_DEPLOY = [
    '      - uses: aws-actions/configure-aws-credentials@v4',
    '        with:',
    '          role-to-assume: arn:aws:iam::111111111111:role/Deploy',
    '          aws-region: us-east-1',
  ];
  const consumer = (...steps: string[]) => ['  deploy:', '    needs: build', '    runs-on: ubuntu-latest', '    steps:', ...steps];

  test('a credential step between two downloads into the same path: one decrypt, after the second download', () => {
    const input = lines(...PRODUCER, ...consumer(
      ...download('cdk-out', 'cdk.out'),
      ...CONFIGURE_DEPLOY,
      ...download('cdk-out', './cdk.out/'),
      '      - run: npx cdk deploy --app cdk.out --all',
    ));
    expect(expectFixedPoint(input)).toBe(lines(...PRODUCER_FIXED, ...consumer(
      ...download('cdk-out', 'cdk.out'),
      ...CONFIGURE_DEPLOY,
      ...download('cdk-out', './cdk.out/'),
      ...decryptStep('./cdk.out/', './cdk.out/'),
      '      - run: npx cdk deploy --app cdk.out --all',
    )));
  });

  test('the same artifact into two paths before the credential step: one decrypt per path, both after it', () => {
    const input = lines(...PRODUCER, ...consumer(
      ...download('cdk-out', 'cdk.out'),
      ...download('cdk-out', 'backup/cdk.out'),
      ...CONFIGURE_DEPLOY,
      '      - run: npx cdk deploy --app cdk.out --all',
    ));
    expect(expectFixedPoint(input)).toBe(lines(...PRODUCER_FIXED, ...consumer(
      ...download('cdk-out', 'cdk.out'),
      ...download('cdk-out', 'backup/cdk.out'),
      ...CONFIGURE_DEPLOY,
      ...decryptStep('backup/cdk.out', 'backup/cdk.out'),
      ...decryptStep('cdk.out', 'cdk.out'),
      '      - run: npx cdk deploy --app cdk.out --all',
    )));
  });

  test('a second download under another condition (it may not run) keeps its own decrypt: refused when both come before the credential step', () => {
    const input = lines(...PRODUCER, ...consumer(
      ...download('cdk-out', 'cdk.out'),
      ...download('cdk-out', 'cdk.out', ["        if: github.event_name == 'push'"]),
      ...CONFIGURE_DEPLOY,
      '      - run: npx cdk deploy --app cdk.out --all',
    ));
    const out = fixText(input, KMS);
    expect(out.output).toBe(input);
    expect(out.findings.map((f) => [f.ruleId, f.fixed])).toEqual([['kms-encrypt-artifacts', false]]);
    expect(out.findings[0]!.skippedBecause).toBe(
      "job 'deploy' downloads 'cdk-out' but could not decrypt it: job 'deploy' downloads 'cdk-out' (step 'actions/download-artifact@v4 (step 1)') "
        + "and then 'cdk-out' (step 'actions/download-artifact@v4 (step 2)', under another condition) into cdk.out before a credential step that "
        + 'may use the KMS key: the second download would overwrite the ciphertext before it is decrypted; add a credential step between them '
        + 'or download into different paths',
    );
    expect(fixed(input)).toBe(fixed(fixed(input)));
  });

  test('two deploy artifacts into the same path before the credential step: the first is not encrypted (the second download would overwrite its ciphertext), the last is', () => {
    const input = lines(
      ...PRODUCER,
      '      - uses: actions/upload-artifact@v4',
      '        with:',
      '          name: templates',
      '          path: templates',
      ...consumer(
        ...download('cdk-out', 'cdk.out'),
        ...download('templates', 'cdk.out'),
        ...CONFIGURE_DEPLOY,
      ),
    );
    const out = fixText(input, KMS);
    expect(out.findings.map((f) => [f.ruleId, f.fixed, f.skippedBecause?.replace(/: the second.*/, '')])).toEqual([
      ['kms-encrypt-artifacts', false, "job 'deploy' downloads 'cdk-out' but could not decrypt it: job 'deploy' downloads 'cdk-out' "
        + "(step 'actions/download-artifact@v4 (step 1)') and then 'templates' (step 'actions/download-artifact@v4 (step 2)') into cdk.out "
        + 'before a credential step that may use the KMS key'],
      ['kms-encrypt-artifacts', true, undefined],
      ['kms-decrypt-artifacts', true, undefined],
    ]);
    // cdk-out stays plain; templates' ciphertext lands beside it and is decrypted into the same path.
    expect(out.output).toBe(lines(
      ...PRODUCER,
      ...ENCRYPT_STEP.map((l) => l.replace('cdk-out', 'templates').replace('SOURCE: cdk.out', 'SOURCE: templates')),
      '      - uses: actions/upload-artifact@v4',
      '        with:',
      '          name: templates',
      '          path: ${{ runner.temp }}/kms-artifacts/templates',
      ...consumer(
        ...download('cdk-out', 'cdk.out'),
        ...download('templates', 'cdk.out'),
        ...CONFIGURE_DEPLOY,
        ...decryptStep('cdk.out', 'cdk.out', 'Decrypt templates with KMS'),
      ),
    ));
    expect(fixed(out.output, KMS)).toBe(out.output);
    const all = fixed(input);
    expect(fixed(all)).toBe(all);
  });

  test('a step that reads the path between two downloads of it, before any credential step: refused, nothing encrypted', () => {
    const input = lines(...PRODUCER, ...consumer(
      ...download('cdk-out', 'cdk.out'),
      '      - run: ls cdk.out',
      ...download('cdk-out', 'cdk.out'),
      ...CONFIGURE_DEPLOY,
    ));
    const out = fixText(input, KMS);
    expect(out.output).toBe(input);
    expect(out.findings.map((f) => f.skippedBecause)).toEqual([
      "job 'deploy' downloads 'cdk-out' but could not decrypt it: step 'run (step 2)' uses cdk.out before a credential step lets job 'deploy' decrypt it",
    ]);
  });
});

describe('generated scripts', () => {
  test.each([['encrypt', encryptScript()], ['decrypt', decryptScript()]])('%s script passes bash -n and shellcheck -S warning, has no ${{ }}', (_n, script) => {
    const dir = tempDir('wf-fix-kms-sc-');
    const file = join(dir, 'step.sh');
    writeFileSync(file, script);
    expect(spawnSync('bash', ['-n', file], { encoding: 'utf8' }).status).toBe(0);
    const sc = spawnSync('shellcheck', ['-S', 'warning', '-s', 'bash', file], { encoding: 'utf8' });
    expect(sc.stdout + sc.stderr).toBe('');
    expect(sc.status).toBe(0);
    expect(script).not.toContain('${{');
    expect(script.split('\n')[0]).toBe('set -euo pipefail');
  });

  test('the strict-shell and expression-injection transforms find nothing in the generated steps', () => {
    const seed = readFileSync(join(CORPUS, 'seed/model-cicd-yml-Pr5600-1.yml'), 'utf8');
    const out = fixText(seed, SEED_IDS).output;
    const kmsSteps = (text: string) => { const p = pipelineOf(text); return [...p.encrypt, ...p.decrypt]; };
    expect(kmsSteps(out)).toHaveLength(4);
    const after = fixText(out, ['strict-shell', 'expression-injection']).output;
    expect(kmsSteps(after)).toEqual(kmsSteps(out));
  });
});

describe('seed files (oidc-auth + role-chaining + KMS transforms)', () => {
  test.each([
    ['model-cicd-yml-Pr5600-1.yml', 'model-cicd-yml-Pr5600-1.expected.yml'],
    ['ideal-cicd-yml-Pr7694.yml', 'ideal-cicd-yml-Pr7694.expected.yml'],
  ])('%s', (seed, expectedFile) => {
    const input = readFileSync(join(CORPUS, 'seed', seed), 'utf8');
    const out = fixText(input, SEED_IDS);
    const expectedPath = join(ROOT, '__tests__/kms', expectedFile);
    if (process.env.UPDATE_KMS_GOLDEN) writeFileSync(expectedPath, out.output);
    expect(out.output).toBe(readFileSync(expectedPath, 'utf8'));
    const kms = out.findings.filter((f) => f.ruleId.startsWith('kms-'));
    expect(kms.length).toBe(4);
    expect(kms.every((f) => f.fixed)).toBe(true);
    const p = pipelineOf(out.output);
    expect(p.encrypt.map((s) => s.job)).toEqual(['build']);
    expect(p.decrypt.map((s) => s.job)).toEqual(['deploy-dev', 'deploy-staging', 'deploy-prod']);
    expect(fixed(out.output, SEED_IDS)).toBe(out.output);
  });
});

describe('removeItem primitive (used to move a broken decrypt step)', () => {
  const seqOf = (text: string) => {
    const doc = parseYaml(text).docs[0]!;
    return (doc.contents as YAMLMap).items[0]!.value as YAMLSeq;
  };
  test.each([
    ['blank-separated: takes the blank line before it', lines('s:', '  - a: 1', '', '  - b: 2', '    c: 3', '', '  - d: 4'), 1, lines('s:', '  - a: 1', '', '  - d: 4')],
    ['keeps a comment above it', lines('s:', '  - a: 1', '  # about b', '  - b: 2', '  - d: 4'), 1, lines('s:', '  - a: 1', '  # about b', '  - d: 4')],
    ['first item', lines('s:', '  - a: 1', '  - b: 2'), 0, lines('s:', '  - b: 2')],
    ['last item without a final newline', 's:\n  - a: 1\n  - b: 2', 1, 's:\n  - a: 1'],
  ])('%s', (_name, text, index, expected) => {
    expect(applyEdits(text, removeItem(text, seqOf(text), index))).toBe(expected);
  });
});
