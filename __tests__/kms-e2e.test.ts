/**
 * End to end: the generated encrypt and decrypt steps run with the real AWS
 * CLI v2 (/usr/bin/aws) against moto's KMS on loopback, with openssl, tar and
 * gzip, and upload/download-artifact@v4 emulated by copying directories.
 */
import { cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, fixed, lines, runCli, tempDir, CLI } from './helpers.js';
import {
  BUILD_JOB, consumeArtifact, consumeTampered, digest, download, flipByte, MARKER, pipelineOf, produceArtifact, runStep, startMotoWithKey, storeContains, upload, type Moto, type Pipeline, type Run,
} from './kms/harness.js';

const KMS = ['kms-encrypt-artifacts', 'kms-decrypt-artifacts'];
const ALIAS = 'alias/github-actions-artifacts';

const WORKFLOW = lines(
  ...BUILD_JOB,
  '      - uses: actions/upload-artifact@v4',
  '        with:',
  '          name: cdk-out',
  '          path: cdk.out/',
  '  deploy:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - uses: actions/download-artifact@v4',
  '        with:',
  '          name: cdk-out',
  '          path: cdk.out/',
  '      - uses: aws-actions/configure-aws-credentials@v4',
  '        with:',
  '          role-to-assume: arn:aws:iam::111111111111:role/Deploy',
  '          aws-region: us-east-1',
  '      - run: npx cdk deploy --app cdk.out --all',
);

let moto: Moto;

beforeAll(async () => { moto = await startMotoWithKey(tempDir('wf-fix-kms-e2e-'), ALIAS); }, 30000);

afterAll(async () => { await moto?.stop(); });

/** The harness's producer and consumer runs, against this file's moto. */
const produce = (p: Pipeline, name: string, sizeBytes: number, assets: 'random' | 'text', alias?: string) => produceArtifact(moto, p, name, sizeBytes, assets, alias);
const consume = (p: Pipeline, run: Run, job: string, name: string) => consumeArtifact(moto, p, run, job, name);

describe('generated KMS steps against moto', () => {
  const p = pipelineOf(fixed(WORKFLOW, KMS));

  test.each([['1 KB', 1024], ['100 MB', 100 * 1024 * 1024]])('a %s cdk.out restores byte-exact; the artifact holds no plaintext', async (label, size) => {
    const t0 = Date.now();
    const run = await produce(p, 'cdk-out', size as number, 'random');
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    const t1 = Date.now();
    expect(readdirSync(join(run.store, 'cdk-out')).sort()).toEqual(['data-key.enc', 'payload.tar.gz.enc', 'payload.tar.gz.enc.hmac']);
    expect(storeContains(run.store, MARKER)).toBe(false);
    const r = await consume(p, run, 'deploy', 'cdk-out');
    const t2 = Date.now();
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(digest(r.restored)).toEqual(digest(join(run.producer, 'cdk.out')));
    // The plaintext data key and the private work dirs are gone.
    expect(readdirSync(run.runnerTemp).filter((e) => e.startsWith('wf-fix-kms.'))).toEqual([]);
    // eslint-disable-next-line no-console
    console.log(`KMS round trip ${label}: encrypt ${t1 - t0} ms (incl. writing the test data), decrypt ${t2 - t1} ms`);
  }, 60000);

  test('tampering: a flipped byte in the ciphertext or the encrypted key, or a truncated ciphertext, fails and leaves no cdk.out', async () => {
    const run = await produce(p, 'cdk-out', 4096, 'random');
    expect(run.status).toBe(0);
    const { flipped, truncated, badKey, control } = await consumeTampered(run, 'cdk-out', (copy) => consume(p, copy, 'deploy', 'cdk-out'));
    for (const r of [flipped, truncated]) {
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('::error::artifact integrity check failed (HMAC mismatch)');
      expect(existsSync(r.restored)).toBe(false);
    }
    expect(badKey.status).not.toBe(0);
    expect(badKey.stderr).toMatch(/InvalidCiphertextException/);
    expect(badKey.stderr).toContain("::error::KMS could not decrypt the artifact's data key");
    expect(existsSync(badKey.restored)).toBe(false);
    // Control: the untouched copy decrypts.
    expect(control.status).toBe(0);
    expect(digest(control.restored)).toEqual(digest(join(run.producer, 'cdk.out')));
  }, 30000);

  test('a missing key alias fails the encrypt step with a clear message', async () => {
    const run = await produce(p, 'cdk-out', 1024, 'random', 'alias/does-not-exist');
    expect(run.status).not.toBe(0);
    expect(run.stderr).toMatch(/NotFoundException.*alias\/does-not-exist is not found/);
    expect(run.stderr).toContain('::error::KMS key alias/does-not-exist gave no data key: check that the alias exists');
    expect(existsSync(join(run.store, 'cdk-out'))).toBe(false);
  });
});

describe('a job that downloads the artifact twice and re-uploads it (property-test counterexample, seeds 2 and 3)', () => {
  const input = lines(
    ...WORKFLOW.split('\n').slice(0, 14),
    '  deploy:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    ...[1, 2].flatMap(() => ['      - uses: actions/download-artifact@v4', '        with:', '          name: cdk-out', '          path: cdk.out']),
    '      - uses: aws-actions/configure-aws-credentials@v4',
    '        with:',
    '          role-to-assume: arn:aws:iam::111111111111:role/Deploy',
    '          aws-region: us-east-1',
    '      - uses: actions/upload-artifact@v4',
    '        with:',
    '          name: cdk-out',
    '          path: cdk.out',
  );

  test('both downloads, then decrypt, encrypt and upload in step order: the re-uploaded artifact decrypts to the original', async () => {
    const p = pipelineOf(fixed(input, KMS));
    expect(p.decrypt.map((s) => [s.job, s.index])).toEqual([['deploy', 3]]);
    expect(p.encrypt.map((s) => [s.job, s.index])).toEqual([['build', 2], ['deploy', 4]]);
    const run = await produce(p, 'cdk-out', 64 * 1024, 'random');
    expect(run.status).toBe(0);
    const ws = tempDir('wf-fix-kms-reupload-');
    for (const d of p.downloads.filter((x) => x.job === 'deploy')) download(run.store, 'cdk-out', d.path, ws);
    const env = moto.env(run.runnerTemp);
    const dec = await runStep(p.decrypt[0]!, ws, env);
    expect([dec.status, dec.stderr]).toEqual([0, '']);
    expect(digest(join(ws, 'cdk.out'))).toEqual(digest(join(run.producer, 'cdk.out')));
    const enc = await runStep(p.encrypt[1]!, ws, env);
    expect([enc.status, enc.stderr]).toEqual([0, '']);
    const again = { ...run, store: join(tempDir('wf-fix-kms-store-'), 'store') };
    upload(p.uploads.find((u) => u.job === 'deploy')!.path, ws, again.store, 'cdk-out', run.runnerTemp);
    expect(readdirSync(join(again.store, 'cdk-out')).sort()).toEqual(['data-key.enc', 'payload.tar.gz.enc', 'payload.tar.gz.enc.hmac']);
    expect(storeContains(again.store, MARKER)).toBe(false);
    const r = await consume(p, again, 'deploy', 'cdk-out');
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(digest(r.restored)).toEqual(digest(join(run.producer, 'cdk.out')));
  }, 30000);
});

describe('done when: both seed files, fixed by wf-fix --write, round-trip a 40 MB cdk.out and fail on tampering', () => {
  test.each(['model-cicd-yml-Pr5600-1.yml', 'ideal-cicd-yml-Pr7694.yml'])('%s', async (seed) => {
    if (!existsSync(CLI)) throw new Error('run `npm run build` first (dist/bin/wf-fix.js is missing)');
    const dir = tempDir('wf-fix-kms-seed-');
    const file = join(dir, seed);
    cpSync(join(CORPUS, 'seed', seed), file);
    const cli = runCli(['--write', file], dir);
    expect(cli.status).toBe(0);
    const p = pipelineOf(readFileSync(file, 'utf8'));
    expect(p.encrypt.map((s) => s.job)).toEqual(['build']);
    const consumers = p.decrypt.map((s) => s.job);
    expect(consumers).toEqual(['deploy-dev', 'deploy-staging', 'deploy-prod']);
    const run = await produce(p, 'cdk-outputs', 40 * 1024 * 1024, 'text');
    expect(run.status).toBe(0);
    expect(storeContains(run.store, MARKER)).toBe(false);
    const original = digest(join(run.producer, 'cdk.out'));
    const restored = await Promise.all(consumers.map((job) => consume(p, run, job, 'cdk-outputs')));
    for (const r of restored) {
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      expect(digest(join(r.consumer, 'cdk.out'))).toEqual(original);
    }
    flipByte(join(run.store, 'cdk-outputs', 'payload.tar.gz.enc'), 12345);
    const bad = await consume(p, run, 'deploy-prod', 'cdk-outputs');
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('HMAC mismatch');
    expect(existsSync(join(bad.consumer, 'cdk.out'))).toBe(false);
  }, 60000);
});
