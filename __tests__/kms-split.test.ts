/**
 * The seed IDEAL's broken KMS shape split over steps (issue 12, item 5): a
 * `tar -czf X.tar.gz -C cdk.out .` step, a one-call `aws kms encrypt
 * --plaintext fileb://X.tar.gz ... > X.tar.gz.encrypted` step, mv/base64
 * plumbing, an upload of the ciphertext file, and deploy jobs that download it
 * and never decrypt (or extract it as a tarball, or run a broken one-call
 * decrypt). Goldens first (exact output, second run a no-op), then the fixed
 * workflows run end to end: real AWS CLI v2 against moto, byte-exact restore,
 * tamper detection.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, fixText, lines, runCli, tempDir } from './helpers.js';
import {
  AWS_BIN, blockLines, consumeArtifact, digest, flipByte, MARKER, pipelineOf, produceArtifact, startMoto, storeContains, type Moto,
} from './kms/harness.js';
import { decryptScript, encryptScript } from '../transforms/shell/kms.js';
import type { FileOutcome } from '../src/workflow/engine.js';
import { brokenDecryptTarget, encryptOutputFile, encryptPlaintextFile, parseTar, tarSource } from '../transforms/shared/kms-chain.js';

const KMS = ['kms-encrypt-artifacts', 'kms-decrypt-artifacts'];
const ALIAS = 'alias/github-actions-artifacts';

const CREDENTIALS = (role: string) => [
  '      - uses: aws-actions/configure-aws-credentials@v4',
  '        with:',
  `          role-to-assume: ${role}`,
  '          aws-region: us-east-1',
];

/** The build job of the split shape up to the tar step. */
const BUILD_HEAD = [
  'on: push',
  'jobs:',
  '  build:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  ...CREDENTIALS('arn:aws:iam::111111111111:role/Build'),
  '      - run: npx cdk synth',
];

const TAR_STEP = [
  '      - name: Archive cdk.out',
  '        run: tar -czf cdk-outputs.tar.gz -C cdk.out .',
];

const ONE_CALL_ENCRYPT = [
  '      - name: Encrypt artifacts with KMS',
  '        run: aws kms encrypt --key-id alias/github-actions-artifacts --plaintext fileb://cdk-outputs.tar.gz --output text --query CiphertextBlob > cdk-outputs.tar.gz.encrypted',
];

function uploadStep(path: string, name = 'cdk-outputs'): string[] {
  return [
    '      - name: Upload encrypted artifacts',
    '        uses: actions/upload-artifact@v4',
    '        with:',
    `          name: ${name}`,
    `          path: ${path}`,
  ];
}

function downloadStep(path: string): string[] {
  return [
    '      - uses: actions/download-artifact@v4',
    '        with:',
    '          name: cdk-outputs',
    `          path: ${path}`,
  ];
}

function deployJob(id: string, body: string[]): string[] {
  return [`  ${id}:`, '    needs: build', '    runs-on: ubuntu-latest', '    steps:', ...body, '      - run: npx cdk deploy --app cdk.out --all'];
}

/** The envelope step over the one-call step (name kept, env added). */
function envelopeStep(name: string, source = 'cdk.out', slug = 'cdk-outputs'): string[] {
  return [
    `      - name: ${name}`,
    '        env:',
    `          KMS_KEY_ALIAS: ${ALIAS}`,
    `          KMS_ARTIFACT_SOURCE: ${source}`,
    `          KMS_ARTIFACT_DIR: \${{ runner.temp }}/kms-artifacts/${slug}`,
    '        run: |',
    ...blockLines(encryptScript(), 10),
  ];
}

function decryptStep(name: string, dir: string, restore: string): string[] {
  return [
    `      - name: ${name}`,
    '        env:',
    `          KMS_KEY_ALIAS: ${ALIAS}`,
    `          KMS_ARTIFACT_DIR: ${dir}`,
    `          KMS_RESTORE_PATH: ${restore}`,
    '        run: |',
    ...blockLines(decryptScript(), 10),
  ];
}

const CIPHERTEXT_UPLOAD = uploadStep('${{ runner.temp }}/kms-artifacts/cdk-outputs');

/** The seed shape: two deploy jobs, one downloading into cdk.out/, one into ./artifacts/ and extracting the ciphertext as a tarball. */
const SEED_SPLIT = lines(
  ...BUILD_HEAD,
  ...TAR_STEP,
  ...ONE_CALL_ENCRYPT,
  ...uploadStep('cdk-outputs.tar.gz.encrypted'),
  ...deployJob('deploy-dev', [...downloadStep('cdk.out/'), ...CREDENTIALS('arn:aws:iam::111111111111:role/Deploy')]),
  ...deployJob('deploy-prod', [
    ...downloadStep('./artifacts/'),
    ...CREDENTIALS('arn:aws:iam::111111111111:role/Deploy'),
    '      - name: Unpack',
    '        run: |',
    '          mkdir -p cdk.out',
    '          tar -xzf artifacts/cdk-outputs.tar.gz.encrypted -C cdk.out',
  ]),
);

const SEED_SPLIT_FIXED = lines(
  ...BUILD_HEAD,
  ...envelopeStep('Encrypt artifacts with KMS'),
  ...CIPHERTEXT_UPLOAD,
  ...deployJob('deploy-dev', [
    ...downloadStep('cdk.out/'),
    ...CREDENTIALS('arn:aws:iam::111111111111:role/Deploy'),
    ...decryptStep('Decrypt cdk-outputs with KMS', 'cdk.out/', 'cdk.out/'),
  ]),
  ...deployJob('deploy-prod', [
    ...downloadStep('./artifacts/'),
    ...CREDENTIALS('arn:aws:iam::111111111111:role/Deploy'),
    ...decryptStep('Unpack', './artifacts/', 'cdk.out'),
  ]),
);

/** Every KMS finding fixed, and a second run over the output finds nothing and changes nothing. */
function expectConverged(out: FileOutcome, config = {}): void {
  expect(out.findings.filter((f) => !f.fixed).map((f) => f.skippedBecause)).toEqual([]);
  const again = fixText(out.output, KMS, config);
  expect(again.output).toBe(out.output);
  expect(again.findings).toEqual([]);
}

const notesOf = (out: FileOutcome, rule: string): string => out.findings.filter((f) => f.ruleId === rule).flatMap((f) => f.notes ?? []).join('\n');

describe('reading the broken shapes (transforms/shared/kms-chain.ts)', () => {
  test.each([
    ['-czf a.tgz -C cdk.out .', 'cdk.out'],
    ['czf a.tgz -C cdk.out ./', 'cdk.out'],
    ['-C cdk.out -czf a.tgz .', 'cdk.out'],
    ['-c -z -f a.tgz cdk.out', 'cdk.out'],
    ['--create --gzip --file=a.tgz --directory=build cdk.out', 'build/cdk.out'],
    ['-czf a.tgz -C . cdk.out', 'cdk.out'],
    ['-czf a.tgz cdk.out templates', undefined],
    ['-czf a.tgz -C cdk.out *.json', undefined],
    ['-czf a.tgz --exclude=asset.* -C cdk.out .', undefined],
    ['-czf a.tgz .', undefined],
    ['-xzf a.tgz -C cdk.out', undefined],
  ])('tar %s archives %s', (args, source) => {
    expect(tarSource(parseTar(args.split(' ')))).toBe(source);
  });

  test.each([
    ['aws kms encrypt --key-id k --plaintext fileb://a.tgz --output text --query CiphertextBlob > a.enc', 'a.tgz', 'a.enc'],
    ['aws kms encrypt --plaintext file://./a.tgz --key-id k | base64 -d > out/a.bin', './a.tgz', 'out/a.bin'],
    ['aws kms encrypt --key-id k --plaintext "$(base64 -w0 a.tgz)" --query CiphertextBlob --output text >a.b64', 'a.tgz', 'a.b64'],
    ['aws kms encrypt --key-id k --plaintext $(cat a.tgz | base64) --output text 2>/dev/null', 'a.tgz', undefined],
  ])('%s reads %s and writes %s', (script, plaintext, output) => {
    expect([encryptPlaintextFile(script), encryptOutputFile(script)]).toEqual([plaintext, output]);
  });

  test.each([
    ['mkdir -p cdk.out && tar -xzf a.tgz -C cdk.out', 'cdk.out'],
    ['tar xf artifacts/a.tar', '.'],
    ['aws kms decrypt --ciphertext-blob fileb://a.enc > a.tgz', undefined],
  ])('%s extracts into %s', (script, target) => {
    expect(brokenDecryptTarget(script)).toBe(target);
  });
});

describe('split one-call KMS chain -> envelope encryption (golden)', () => {
  test('seed shape: the tar step goes, the one-call step becomes the envelope step (source from the tar step), every download decrypts', () => {
    const out = fixText(SEED_SPLIT, KMS);
    expect(out.output).toBe(SEED_SPLIT_FIXED);
    expect(out.findings.map((f) => [f.ruleId, f.message])).toEqual([
      ['kms-encrypt-artifacts', "job 'build': step 'Encrypt artifacts with KMS' encrypts artifact 'cdk-outputs' with one aws kms encrypt call, which fails for anything over 4096 bytes, and saves base64 that a later fileb:// reads as raw bytes"],
      ['kms-decrypt-artifacts', "job 'deploy-dev' downloads KMS-encrypted artifact 'cdk-outputs' (step 'actions/download-artifact@v4 (step 1)') but never decrypts it"],
      ['kms-decrypt-artifacts', "job 'deploy-prod': step 'Unpack' extracts KMS-encrypted artifact 'cdk-outputs' as a plain tarball and never decrypts it"],
    ]);
    expect(notesOf(out, 'kms-encrypt-artifacts')).toContain("IAM: the role job 'build' uses at the encrypt step needs kms:GenerateDataKey on alias/github-actions-artifacts");
    expect(notesOf(out, 'kms-encrypt-artifacts')).toContain("removed step 'Archive cdk.out'");
    expect(notesOf(out, 'kms-decrypt-artifacts')).toContain("IAM: the role active at the decrypt step in job 'deploy-prod' needs kms:Decrypt on alias/github-actions-artifacts");
    expectConverged(out);
  });

  test('base64 plumbing and a renamed ciphertext (plain base64 --plaintext, tar -C first): every plumbing step goes, on both sides', () => {
    const input = lines(
      ...BUILD_HEAD,
      '      - name: Archive',
      '        run: |',
      '          set -e',
      '          tar -C cdk.out -czf cdk.tgz .',
      '      - name: Encrypt',
      '        id: encrypt',
      '        run: |',
      '          aws kms encrypt --key-id alias/github-actions-artifacts \\',
      '            --plaintext "$(base64 -w0 cdk.tgz)" \\',
      '            --output text --query CiphertextBlob > cdk.tgz.b64',
      '      - name: Decode and rename',
      '        run: |',
      '          base64 -d cdk.tgz.b64 > cdk.tgz.bin',
      '          mv cdk.tgz.bin release.enc',
      ...uploadStep('./release.enc'),
      ...deployJob('deploy', [
        ...downloadStep('./artifacts/'),
        ...CREDENTIALS('arn:aws:iam::111111111111:role/Deploy'),
        '      - name: Decode',
        '        run: base64 -d artifacts/release.enc > release.bin',
        '      - name: Decrypt',
        '        run: |',
        '          aws kms decrypt --ciphertext-blob fileb://release.bin --output text --query Plaintext | base64 -d > cdk.tgz',
        '          mkdir -p cdk.out && tar -xzf cdk.tgz -C cdk.out',
      ]),
    );
    const out = fixText(input, KMS);
    expect(out.output).toBe(lines(
      ...BUILD_HEAD,
      '      - name: Encrypt',
      '        id: encrypt',
      ...envelopeStep('Encrypt').slice(1),
      ...CIPHERTEXT_UPLOAD,
      ...deployJob('deploy', [
        ...downloadStep('./artifacts/'),
        ...CREDENTIALS('arn:aws:iam::111111111111:role/Deploy'),
        ...decryptStep('Decrypt', './artifacts/', 'cdk.out'),
      ]),
    ));
    expect(notesOf(out, 'kms-encrypt-artifacts')).toContain("removed steps 'Archive', 'Decode and rename'");
    expect(notesOf(out, 'kms-decrypt-artifacts')).toContain("removed 'Decode': the decrypt step reads the downloaded files itself");
    expectConverged(out);
  });

  test('the ciphertext decoded in the encrypt step own pipeline (| base64 --decode > FILE) and uploaded from there', () => {
    const input = lines(
      ...BUILD_HEAD, ...TAR_STEP,
      '      - name: Encrypt artifacts with KMS',
      '        run: |',
      '          aws kms encrypt --key-id alias/github-actions-artifacts --plaintext fileb://cdk-outputs.tar.gz \\',
      '            --output text --query CiphertextBlob | base64 --decode > dist/cdk.bin',
      ...uploadStep('dist/cdk.bin'),
      ...deployJob('deploy', [...downloadStep('cdk.out/'), ...CREDENTIALS('arn:aws:iam::111111111111:role/Deploy')]),
    );
    const out = fixText(input, KMS);
    expect(out.output).toBe(lines(
      ...BUILD_HEAD, ...envelopeStep('Encrypt artifacts with KMS'), ...CIPHERTEXT_UPLOAD,
      ...deployJob('deploy', [...downloadStep('cdk.out/'), ...CREDENTIALS('arn:aws:iam::111111111111:role/Deploy'),
        ...decryptStep('Decrypt cdk-outputs with KMS', 'cdk.out/', 'cdk.out/')]),
    ));
    expectConverged(out);
  });

  test('a tar step that does more than archive, or whose archive another step reads, stays; a tar of several paths is encrypted as the archive file', () => {
    const keepTar = (tar: string[], extra: string[] = []) => lines(
      ...BUILD_HEAD, ...tar, ...ONE_CALL_ENCRYPT, ...extra, ...uploadStep('cdk-outputs.tar.gz.encrypted'),
      ...deployJob('deploy', [...CREDENTIALS('arn:aws:iam::111111111111:role/Deploy'), ...downloadStep('cdk.out')]),
    );
    const fixedWith = (tar: string[], source: string, extra: string[] = []) => lines(
      ...BUILD_HEAD, ...tar, ...envelopeStep('Encrypt artifacts with KMS', source), ...extra, ...CIPHERTEXT_UPLOAD,
      ...deployJob('deploy', [
        ...CREDENTIALS('arn:aws:iam::111111111111:role/Deploy'), ...downloadStep('cdk.out'),
        ...decryptStep('Decrypt cdk-outputs with KMS', 'cdk.out', 'cdk.out'),
      ]),
    );
    const busy = ['      - name: Archive and report', '        run: |', '          tar -czf cdk-outputs.tar.gz -C cdk.out .', '          npm run report'];
    const withId = ['      - id: tar', ...TAR_STEP.slice(1)];
    const sha = ['      - run: sha256sum cdk-outputs.tar.gz > cdk-outputs.sha256'];
    const globs = ['      - run: tar -czf cdk-outputs.tar.gz -C cdk.out manifest.json *.template.json'];
    const table: [string, string[], string, string[]][] = [
      ['runs another command', busy, 'cdk.out', []],
      ['has an id', withId, 'cdk.out', []],
      ['feeds another step', TAR_STEP, 'cdk.out', sha],
      ['archives a glob (the archive file is the source)', globs, 'cdk-outputs.tar.gz', []],
    ];
    for (const [why, tar, source, extra] of table) {
      const out = fixText(keepTar(tar, extra), KMS);
      expect([why, out.output]).toEqual([why, fixedWith(tar, source, extra)]);
      expectConverged(out);
    }
  });

  test('hostile and unreadable chains are refused with the reason, the file unchanged', () => {
    const table: [string[], string][] = [
      // The plaintext comes from a variable: wf-fix cannot tell what it archives.
      [['      - run: aws kms encrypt --key-id k --plaintext "fileb://$ARCHIVE" --output text --query CiphertextBlob > cdk-outputs.tar.gz.encrypted'],
        "cannot tell which path 'run (step 4)' archives: no earlier step in job 'build' writes $ARCHIVE with tar -c (expected tar -czf ARCHIVE -C DIR . or tar -czf ARCHIVE PATH)"],
      // The step writes the plaintext itself (over the tar step's archive): replacing it would drop that.
      [['      - name: Write and encrypt', '        run: |', "          echo '{}' > cdk-outputs.tar.gz", ...ONE_CALL_ENCRYPT.slice(1).map((l) => l.replace('        run: ', '          '))],
        "cannot tell which path 'Write and encrypt' archives: it writes cdk-outputs.tar.gz itself (expected tar -czf ARCHIVE -C DIR . or tar -czf ARCHIVE PATH)"],
      // A glob in the encrypt step's own tar: its run is replaced, so the archive cannot stand in for the source.
      [['      - name: Pack', '        run: |', '          tar -czf cdk-outputs.tar.gz cdk.out/*.json', ...ONE_CALL_ENCRYPT.slice(1).map((l) => l.replace('        run: ', '          '))],
        "cannot tell which path 'Pack' archives: it archives several paths, globs or filtered content into cdk-outputs.tar.gz itself (expected tar -czf ARCHIVE -C DIR . or tar -czf ARCHIVE PATH)"],
      // A step between does more with the ciphertext (a command substitution could hide anything): removing or keeping it would break it.
      [[...ONE_CALL_ENCRYPT, '      - name: Keep a copy', '        run: cp cdk-outputs.tar.gz.encrypted "backup-$(date +%s).enc"'],
        "step 'Keep a copy' does more with the one-call ciphertext than move or decode it; it would break once the upload carries the envelope"],
    ];
    for (const [encrypt, reason] of table) {
      const input = lines(...BUILD_HEAD, ...TAR_STEP, ...encrypt, ...uploadStep('cdk-outputs.tar.gz.encrypted'),
        ...deployJob('deploy', [...CREDENTIALS('arn:aws:iam::111111111111:role/Deploy'), ...downloadStep('cdk.out')]));
      const out = fixText(input, KMS);
      expect(out.output).toBe(input);
      expect(out.findings.map((f) => f.skippedBecause)).toEqual([reason]);
    }
  });
});

describe('a build job without AWS credentials gets a base OIDC step before the encrypt step', () => {
  const NO_CREDENTIALS_BUILD = ['on: push', 'jobs:', '  build:', '    runs-on: ubuntu-latest', '    steps:', '      - run: npx cdk synth'];
  const JOB_PERMISSIONS = ['    permissions:', '      id-token: write', '      contents: read'];
  /** A deploy job that already assumes its role through OIDC, up to its download and credential steps. */
  const deployHead = (role: string) => [
    '  deploy:', '    needs: build', '    runs-on: ubuntu-latest', ...JOB_PERMISSIONS, '    steps:', ...downloadStep('cdk.out/'), ...CREDENTIALS(role),
  ];
  const input = (head: string[], deployRole: string) => lines(
    ...head,
    ...TAR_STEP,
    ...ONE_CALL_ENCRYPT,
    ...uploadStep('cdk-outputs.tar.gz.encrypted'),
    ...deployHead(deployRole),
    '      - run: npx cdk deploy --app cdk.out --all',
  );
  const output = (head: string[], permissions: string[], role: string, region: string, deployRole: string) => lines(
    ...head.slice(0, 4),
    ...permissions,
    ...head.slice(4),
    '      - name: Configure AWS credentials (OIDC)',
    '        uses: aws-actions/configure-aws-credentials@v4',
    '        with:',
    `          role-to-assume: ${role}`,
    '          role-session-name: GitHubActions-build',
    `          aws-region: ${region}`,
    ...envelopeStep('Encrypt artifacts with KMS'),
    ...CIPHERTEXT_UPLOAD,
    ...deployHead(deployRole),
    ...decryptStep('Decrypt cdk-outputs with KMS', 'cdk.out/', 'cdk.out/'),
    '      - run: npx cdk deploy --app cdk.out --all',
  );

  test.each([
    ['the workflow\'s own OIDC role', {}, '${{ secrets.GITHUB_OIDC_ROLE_ARN }}', '${{ secrets.GITHUB_OIDC_ROLE_ARN }}', 'role-to-assume reuses ${{ secrets.GITHUB_OIDC_ROLE_ARN }}, the OIDC role this workflow already assumes'],
    ['the config role', { roles: { default: 'arn:aws:iam::111111111111:role/Build', environments: {} } }, 'arn:aws:iam::111111111111:role/Deploy', 'arn:aws:iam::111111111111:role/Build', 'role-to-assume arn:aws:iam::111111111111:role/Build comes from the config'],
  ])('role from %s', (_what, config, deployRole, role, note) => {
    const out = fixText(input(NO_CREDENTIALS_BUILD, deployRole), KMS, config);
    expect(out.output).toBe(output(NO_CREDENTIALS_BUILD, JOB_PERMISSIONS, role, '${{ vars.AWS_REGION }}', deployRole));
    const notes = notesOf(out, 'kms-encrypt-artifacts');
    expect(notes).toContain(note);
    expect(notes).toContain('the new credential step reads the region from ${{ vars.AWS_REGION }}: create that repository variable, or set aws-region');
    expect(notes).toContain("job 'build' had no AWS credentials: a base OIDC step now runs before the encrypt step (job permissions block: id-token: write, contents: read)");
    expect(notes).toContain("IAM: the role job 'build' uses at the encrypt step needs kms:GenerateDataKey on alias/github-actions-artifacts");
    expectConverged(out, config);
  });

  test('no OIDC role anywhere: vars.AWS_ROLE_ARN with a note; existing permissions are merged, the region comes from env', () => {
    const head = ['on: push', 'env:', '  AWS_REGION: eu-west-1', 'jobs:', '  build:', '    runs-on: ubuntu-latest',
      '    permissions:', '      contents: read', '      packages: write', '    steps:', '      - run: npx cdk synth'];
    const src = lines(...head, ...TAR_STEP, ...ONE_CALL_ENCRYPT, ...uploadStep('cdk-outputs.tar.gz.encrypted'),
      ...deployJob('deploy', [...downloadStep('cdk.out'), '      - uses: aws-actions/configure-aws-credentials@v4', '        with:',
        '          aws-access-key-id: ${{ secrets.KEY }}', '          aws-secret-access-key: ${{ secrets.SECRET }}', '          aws-region: us-east-1']));
    const out = fixText(src, KMS);
    expect(out.output).toBe(lines(...head.slice(0, 9), '      id-token: write', ...head.slice(9),
      '      - name: Configure AWS credentials (OIDC)', '        uses: aws-actions/configure-aws-credentials@v4', '        with:',
      '          role-to-assume: ${{ vars.AWS_ROLE_ARN }}', '          role-session-name: GitHubActions-build', '          aws-region: ${{ env.AWS_REGION }}',
      ...envelopeStep('Encrypt artifacts with KMS'), ...CIPHERTEXT_UPLOAD,
      ...deployJob('deploy', [...downloadStep('cdk.out'), '      - uses: aws-actions/configure-aws-credentials@v4', '        with:',
        '          aws-access-key-id: ${{ secrets.KEY }}', '          aws-secret-access-key: ${{ secrets.SECRET }}', '          aws-region: us-east-1',
        ...decryptStep('Decrypt cdk-outputs with KMS', 'cdk.out', 'cdk.out')])));
    expect(notesOf(out, 'kms-encrypt-artifacts')).toContain('create the repository variable AWS_ROLE_ARN');
    expectConverged(out);
  });

  test('a job that logs in through another action is refused, not given a second session', () => {
    const src = lines('on: push', 'jobs:', '  build:', '    runs-on: ubuntu-latest', '    steps:',
      '      - uses: ./.github/actions/get_aws_credentials', '      - run: npx cdk synth', ...uploadStep('cdk.out', 'cdk-out'));
    const out = fixText(src, KMS);
    expect(out.output).toBe(src);
    expect(out.findings.map((f) => f.skippedBecause)).toEqual([
      "job 'build' gets AWS credentials through ./.github/actions/get_aws_credentials, not aws-actions/configure-aws-credentials: wf-fix cannot tell whether that session may use the KMS key",
    ]);
  });
});

describe('the split chain fixed by wf-fix --write, run end to end (AWS CLI v2 against moto)', () => {
  let moto: Moto;
  beforeAll(async () => {
    if (!existsSync(AWS_BIN)) throw new Error(`${AWS_BIN} is missing: apt-get install -y awscli`);
    moto = await startMoto(join(tempDir('wf-fix-kms-split-'), 'bin'));
    const key = moto.aws(['kms', 'create-key', '--query', 'KeyMetadata.KeyId', '--output', 'text']);
    expect(key.status).toBe(0);
    expect(moto.aws(['kms', 'create-alias', '--alias-name', ALIAS, '--target-key-id', key.stdout.trim()]).status).toBe(0);
  }, 30000);
  afterAll(async () => { await moto?.stop(); });

  const CREDENTIAL_LESS = lines(
    'on: push', 'jobs:', '  build:', '    runs-on: ubuntu-latest', '    steps:', '      - run: npx cdk synth',
    ...TAR_STEP, ...ONE_CALL_ENCRYPT, ...uploadStep('cdk-outputs.tar.gz.encrypted'),
    ...deployJob('deploy', [...downloadStep('cdk.out/'), ...CREDENTIALS('${{ secrets.GITHUB_OIDC_ROLE_ARN }}')]),
  );

  test.each([
    ['seed split shape (two deploy jobs, one extracting from ./artifacts/)', SEED_SPLIT, ['deploy-dev', 'deploy-prod']],
    ['credential-less build job', CREDENTIAL_LESS, ['deploy']],
  ])('%s: byte-exact restore in every deploy job, a tampered artifact fails before extracting', async (_what, workflow, consumers) => {
    if (!existsSync(CLI)) throw new Error('run `npm run build` first (dist/bin/wf-fix.js is missing)');
    const dir = tempDir('wf-fix-kms-split-write-');
    const file = join(dir, 'deploy.yml');
    writeFileSync(file, workflow);
    expect(runCli(['--write', '--only', KMS.join(','), file], dir).status).toBe(0);
    const p = pipelineOf(readFileSync(file, 'utf8'));
    expect(p.encrypt.map((s) => [s.job, s.env.KMS_ARTIFACT_SOURCE])).toEqual([['build', 'cdk.out']]);
    expect(p.decrypt.map((s) => s.job)).toEqual(consumers);

    // 6 MB of incompressible assets: far over the 4096 bytes one aws kms encrypt call takes.
    const run = await produceArtifact(moto, p, 'cdk-outputs', 6 * 1024 * 1024, 'random');
    expect([run.status, run.stderr]).toEqual([0, '']);
    expect(storeContains(run.store, MARKER)).toBe(false);
    const original = digest(join(run.producer, 'cdk.out'));
    for (const job of consumers) {
      const r = await consumeArtifact(moto, p, run, job, 'cdk-outputs');
      expect([job, r.status, r.stderr]).toEqual([job, 0, '']);
      expect(digest(join(r.consumer, 'cdk.out'))).toEqual(original);
    }
    flipByte(join(run.store, 'cdk-outputs', 'payload.tar.gz.enc'), 4242);
    for (const job of consumers) {
      const bad = await consumeArtifact(moto, p, run, job, 'cdk-outputs');
      expect(bad.status).not.toBe(0);
      expect(bad.stderr).toContain('HMAC mismatch');
      expect(existsSync(join(bad.consumer, 'cdk.out'))).toBe(false);
    }
  }, 60000);
});
