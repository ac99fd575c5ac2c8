/**
 * End to end: the generated encrypt and decrypt steps run with the real AWS
 * CLI v2 (/usr/bin/aws) against moto's KMS on loopback, with openssl, tar and
 * gzip, and upload/download-artifact@v4 emulated by copying directories.
 */
import { createHash, randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, fixed, lines, runCli, tempDir, CLI } from './helpers.js';
import { AWS_BIN, BUILD_JOB, download, pipelineOf, runStep, startMoto, upload, type Moto, type Pipeline } from './kms/harness.js';

const KMS = ['kms-encrypt-artifacts', 'kms-decrypt-artifacts'];
const MARKER = 'PLAINTEXT-MARKER-7f3a9c';
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

/**
 * A cdk.out of about `bytes`: a manifest and a template holding the marker,
 * plus assets: incompressible (random, the worst case for tar.gz) or
 * template-like JSON text.
 */
function makeCdkOut(dir: string, bytes: number, assets: 'random' | 'text'): void {
  mkdirSync(join(dir, 'asset.abc'), { recursive: true });
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify({ version: '36.0.0', note: MARKER }));
  writeFileSync(join(dir, 'Stack.template.json'), JSON.stringify({ Resources: {}, Description: MARKER }).repeat(8));
  const chunk = 16 * 1024 * 1024;
  for (let i = 0, left = bytes; left > 0; i++, left -= chunk) {
    const n = Math.min(chunk, left);
    const data = assets === 'random' ? randomBytes(n)
      : Buffer.from(Array.from({ length: Math.ceil(n / 64) }, () => `{"Type":"AWS::S3::Bucket","Id":"${randomBytes(12).toString('hex')}"},\n`).join('')).subarray(0, n);
    writeFileSync(join(dir, 'asset.abc', `part${i}.${assets === 'random' ? 'bin' : 'json'}`), data);
  }
}

/** Relative path -> sha256 of every file under dir. */
function digest(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string) => {
    for (const e of readdirSync(d).sort()) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p, `${rel}${e}/`);
      else out[rel + e] = createHash('sha256').update(readFileSync(p)).digest('hex');
    }
  };
  walk(dir, '');
  return out;
}

/** Every byte of every file in the store contains no `needle`. */
function storeContains(store: string, needle: string): boolean {
  const walk = (d: string): boolean => readdirSync(d).some((e) => {
    const p = join(d, e);
    return statSync(p).isDirectory() ? walk(p) : readFileSync(p).includes(needle);
  });
  return walk(store);
}

function flipByte(file: string, at: number): void {
  const b = readFileSync(file);
  b[at % b.length] ^= 0x01;
  writeFileSync(file, b);
}

let moto: Moto;
let root: string;

beforeAll(async () => {
  if (!existsSync(AWS_BIN)) throw new Error(`${AWS_BIN} is missing: apt-get install -y awscli`);
  root = tempDir('wf-fix-kms-e2e-');
  moto = await startMoto(join(root, 'bin'));
  const key = moto.aws(['kms', 'create-key', '--query', 'KeyMetadata.KeyId', '--output', 'text']);
  expect(key.status).toBe(0);
  expect(moto.aws(['kms', 'create-alias', '--alias-name', ALIAS, '--target-key-id', key.stdout.trim()]).status).toBe(0);
}, 30000);

afterAll(async () => { await moto?.stop(); });

interface Run {
  runnerTemp: string;
  store: string;
  producer: string;
}

/** Run the producer job's encrypt step in a fresh workspace and upload its ciphertext. */
async function produce(p: Pipeline, name: string, sizeBytes: number, assets: 'random' | 'text', alias?: string): Promise<Run & { status: number; stderr: string }> {
  const dir = tempDir('wf-fix-kms-run-');
  const run = { runnerTemp: join(dir, 'runner-temp'), store: join(dir, 'store'), producer: join(dir, 'producer') };
  mkdirSync(run.runnerTemp, { recursive: true });
  const enc = p.encrypt[0]!;
  makeCdkOut(join(run.producer, enc.env.KMS_ARTIFACT_SOURCE!), sizeBytes, assets);
  const step = alias ? { ...enc, env: { ...enc.env, KMS_KEY_ALIAS: alias } } : enc;
  const r = await runStep(step, run.producer, moto.env(run.runnerTemp));
  if (r.status === 0) {
    const up = p.uploads.find((u) => u.job === enc.job && u.index > enc.index)!;
    upload(up.path, run.producer, run.store, name, run.runnerTemp);
  }
  return { ...run, status: r.status, stderr: r.stderr };
}

/** Download into a fresh consumer workspace and run that job's decrypt step. */
async function consume(p: Pipeline, run: Run, job: string, name: string) {
  const consumer = tempDir('wf-fix-kms-consumer-');
  const d = p.downloads.find((x) => x.job === job && x.name === name)!;
  download(run.store, name, d.path, consumer);
  const dec = p.decrypt.find((x) => x.job === job)!;
  const r = await runStep(dec, consumer, moto.env(run.runnerTemp));
  return { ...r, consumer, restored: join(consumer, dec.env.KMS_RESTORE_PATH!) };
}

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
    const tampered = async (mutate: (artifact: string) => void) => {
      const copy = { ...run, store: join(tempDir('wf-fix-kms-store-'), 'store') };
      cpSync(run.store, copy.store, { recursive: true });
      mutate(join(copy.store, 'cdk-out'));
      return consume(p, copy, 'deploy', 'cdk-out');
    };
    const payload = (a: string) => join(a, 'payload.tar.gz.enc');
    const [flipped, truncated, badKey, control] = await Promise.all([
      tampered((a) => flipByte(payload(a), 100)),
      tampered((a) => writeFileSync(payload(a), readFileSync(payload(a)).subarray(0, 1000))),
      tampered((a) => flipByte(join(a, 'data-key.enc'), 40)),
      tampered(() => undefined),
    ]);
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
    if (!existsSync(CLI)) throw new Error('run `npm run build` first (dist/src/cli.js is missing)');
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
