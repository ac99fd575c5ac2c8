/**
 * Test harness for the KMS transforms: golden-text helpers, a moto KMS server
 * on loopback, and a runner that executes the generated steps the way GitHub
 * does (`bash -e {0}`, values from the step's env:, upload-artifact@v4 copy
 * semantics emulated with a directory store).
 */
import { spawn, spawnSync, type ChildProcess, type SpawnSyncReturns } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { parseYaml, toPlain } from '../../src/yaml.js';
import { tempDir } from '../helpers.js';
import { DECRYPT_MARKER, ENCRYPT_MARKER, FILES } from '../../transforms/shell/kms.js';
import { ARTIFACT_CRYPTO, ARTIFACT_CRYPTO_USES } from '../../src/actions/artifact-crypto.js';
import { runBash, runComposite } from './composite.js';

/** The lines of a generated `run: |` block at `col` (for golden outputs). */
export function blockLines(script: string, col: number): string[] {
  return script.replace(/\n$/, '').split('\n').map((l) => (l === '' ? '' : ' '.repeat(col) + l));
}

/** The start of the KMS test workflows: a build job that assumes a role and synthesises cdk.out. */
export const BUILD_JOB = [
  'on: push',
  'jobs:',
  '  build:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - uses: aws-actions/configure-aws-credentials@v4',
  '        with:',
  '          role-to-assume: arn:aws:iam::111111111111:role/Build',
  '          aws-region: us-east-1',
  '      - run: npx cdk synth',
];

export const AWS_BIN = '/usr/bin/aws';

async function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port;
      srv.close(() => ok(port));
    });
  });
}

export interface Moto {
  port: number;
  proc: ChildProcess;
  /** Env for the generated scripts: the real CLI pointed at moto, RUNNER_TEMP set. */
  env(runnerTemp: string, extra?: Record<string, string>): NodeJS.ProcessEnv;
  aws(args: string[]): SpawnSyncReturns<string>;
  stop(): Promise<void>;
}

/**
 * Start `python3 -m moto.server` on 127.0.0.1 (random free port) and wait for
 * it to answer. Debian's aws-cli 2.9 predates AWS_ENDPOINT_URL (CLI 2.13), so
 * an `aws` shim on PATH passes it as --endpoint-url to the real /usr/bin/aws.
 */
export async function startMoto(shimDir: string): Promise<Moto> {
  const port = await freePort();
  const proc = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20000;
  for (;;) {
    try {
      await fetch(`${url}/moto-api/`);
      break;
    } catch {
      if (Date.now() > deadline || proc.exitCode !== null) throw new Error(`moto.server did not start on port ${port}`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }
  mkdirSync(shimDir, { recursive: true });
  const shim = join(shimDir, 'aws');
  writeFileSync(shim, `#!/bin/sh\nexec ${AWS_BIN} --endpoint-url "$AWS_ENDPOINT_URL" "$@"\n`);
  chmodSync(shim, 0o755);
  const env = (runnerTemp: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv => ({
    PATH: `${shimDir}:/usr/bin:/bin`,
    HOME: runnerTemp,
    AWS_ENDPOINT_URL: url,
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_PAGER: '',
    RUNNER_TEMP: runnerTemp,
    ...extra,
  });
  return {
    port,
    proc,
    env,
    aws: (args) => spawnSync(join(shimDir, 'aws'), args, { encoding: 'utf8', env: env(shimDir) }),
    stop: () => new Promise<void>((ok) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return ok();
      proc.once('exit', () => ok());
      proc.kill('SIGTERM');
    }),
  };
}

/** moto (startMoto, under `root`) with one KMS key behind `alias`; throws when the AWS CLI is missing or a call fails. */
export async function startMotoWithKey(root: string, alias: string): Promise<Moto> {
  if (!existsSync(AWS_BIN)) throw new Error(`${AWS_BIN} is missing: apt-get install -y awscli`);
  const moto = await startMoto(join(root, 'bin'));
  const key = moto.aws(['kms', 'create-key', '--query', 'KeyMetadata.KeyId', '--output', 'text']);
  const made = key.status === 0 && moto.aws(['kms', 'create-alias', '--alias-name', alias, '--target-key-id', key.stdout.trim()]).status === 0;
  if (!made) {
    await moto.stop();
    throw new Error(`moto: could not create the KMS key and ${alias}: ${key.stderr}`);
  }
  return moto;
}

export interface GeneratedStep {
  job: string;
  index: number;
  /** The inline script's env: (for an action step: its with: values under the same names). */
  env: Record<string, string>;
  /** The inline script ('' for an action step). */
  run: string;
  /** An action step (`uses: ./.github/actions/wf-fix-artifact-crypto`): its with: values. */
  with?: Record<string, string>;
}

/** An action step's with: under the env names the inline script reads (what the action's own steps pass on). */
function actionEnv(w: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = { KMS_KEY_ALIAS: w['kms-key-alias']! };
  if (w.mode === 'encrypt') Object.assign(out, { KMS_ARTIFACT_SOURCE: w.path, KMS_ARTIFACT_DIR: w['ciphertext-dir'] });
  else Object.assign(out, { KMS_ARTIFACT_DIR: w.path, KMS_RESTORE_PATH: w['restore-path'] || w.path });
  return out;
}

export interface ArtifactStep {
  job: string;
  index: number;
  name: string;
  path: string;
}

export interface Pipeline {
  encrypt: GeneratedStep[];
  decrypt: GeneratedStep[];
  uploads: ArtifactStep[];
  downloads: ArtifactStep[];
}

type PlainStep = { uses?: string; run?: string; env?: Record<string, string>; with?: Record<string, string> };

/** The generated KMS steps and the artifact steps of a fixed workflow. */
export function pipelineOf(yamlText: string): Pipeline {
  const doc = parseYaml(yamlText).docs[0]!;
  const wf = toPlain(doc) as { jobs: Record<string, { steps?: PlainStep[] }> };
  const out: Pipeline = { encrypt: [], decrypt: [], uploads: [], downloads: [] };
  for (const [job, def] of Object.entries(wf.jobs)) {
    (def.steps ?? []).forEach((s, index) => {
      const env = Object.fromEntries(Object.entries(s.env ?? {}).map(([k, v]) => [k, String(v)]));
      if (s.run?.includes(ENCRYPT_MARKER)) out.encrypt.push({ job, index, env, run: s.run });
      if (s.run?.includes(DECRYPT_MARKER)) out.decrypt.push({ job, index, env, run: s.run });
      if (s.uses === ARTIFACT_CRYPTO_USES) {
        const w = Object.fromEntries(Object.entries(s.with ?? {}).map(([k, v]) => [k, String(v)]));
        (w.mode === 'encrypt' ? out.encrypt : out.decrypt).push({ job, index, env: actionEnv(w), run: '', with: w });
      }
      const art = { job, index, name: String(s.with?.name ?? ''), path: String(s.with?.path ?? '.') };
      if (s.uses?.startsWith('actions/upload-artifact@')) out.uploads.push(art);
      if (s.uses?.startsWith('actions/download-artifact@')) out.downloads.push(art);
    });
  }
  return out;
}

/** `${{ runner.temp }}` is the only expression the generated env holds. */
export function resolveExpr(value: string, runnerTemp: string): string {
  const v = value.replace(/\$\{\{\s*runner\.temp\s*\}\}/g, runnerTemp);
  if (v.includes('${{')) throw new Error(`unexpected expression in ${value}`);
  return v;
}

export interface StepResult {
  status: number;
  stdout: string;
  stderr: string;
}

/**
 * Run a step as GitHub does in `cwd`: a script as `run:` (bash -e {0}), an
 * action step as the composite action's own steps (composite.ts); steps may run concurrently.
 */
export function runStep(step: GeneratedStep, cwd: string, env: NodeJS.ProcessEnv): Promise<StepResult> {
  if (step.with) return runComposite(ARTIFACT_CRYPTO.body, step.with, cwd, env);
  const file = join(env.RUNNER_TEMP!, `step-${step.job}-${step.index}-${process.hrtime.bigint()}.sh`);
  writeFileSync(file, step.run);
  const stepEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries(step.env)) stepEnv[k] = resolveExpr(v, env.RUNNER_TEMP!);
  return runBash(['-e', file], cwd, { ...env, ...stepEnv });
}

/** upload-artifact@v4 with one directory: the artifact holds the directory's contents. */
export function upload(path: string, cwd: string, store: string, name: string, runnerTemp: string): string {
  const src = resolve(cwd, resolveExpr(path, runnerTemp));
  const dest = join(store, name);
  rmSync(dest, { recursive: true, force: true });
  mkdirSync(dest, { recursive: true });
  for (const entry of readdirSync(src)) cpSync(join(src, entry), join(dest, entry), { recursive: true });
  return dest;
}

/** download-artifact@v4 with a name: the artifact's contents into `path` (created). */
export function download(store: string, name: string, path: string, cwd: string): void {
  const dest = resolve(cwd, path);
  mkdirSync(dest, { recursive: true });
  const src = join(store, name);
  if (!existsSync(src)) throw new Error(`no artifact ${name}`);
  for (const entry of readdirSync(src)) cpSync(join(src, entry), join(dest, entry), { recursive: true });
}

// ---- test data ------------------------------------------------------------

/** Written into every test cdk.out: the uploaded artifact must never contain it. */
export const MARKER = 'PLAINTEXT-MARKER-7f3a9c';

/**
 * A cdk.out of about `bytes`: a manifest and a template holding the marker,
 * plus assets: incompressible (random, the worst case for tar.gz) or
 * template-like JSON text.
 */
export function makeCdkOut(dir: string, bytes: number, assets: 'random' | 'text'): void {
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
export function digest(dir: string): Record<string, string> {
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
export function storeContains(store: string, needle: string): boolean {
  const walk = (d: string): boolean => readdirSync(d).some((e) => {
    const p = join(d, e);
    return statSync(p).isDirectory() ? walk(p) : readFileSync(p).includes(needle);
  });
  return walk(store);
}

export function flipByte(file: string, at: number): void {
  const b = readFileSync(file);
  b[at % b.length] ^= 0x01;
  writeFileSync(file, b);
}

// ---- whole jobs -----------------------------------------------------------

export interface Run {
  runnerTemp: string;
  store: string;
  producer: string;
}

/** Run the producer job's encrypt step over a fresh cdk.out of `sizeBytes` in a fresh workspace and upload its ciphertext. */
export async function produceArtifact(moto: Moto, p: Pipeline, name: string, sizeBytes: number, assets: 'random' | 'text', alias?: string): Promise<Run & { status: number; stderr: string }> {
  const dir = tempDir('wf-fix-kms-run-');
  const run = { runnerTemp: join(dir, 'runner-temp'), store: join(dir, 'store'), producer: join(dir, 'producer') };
  mkdirSync(run.runnerTemp, { recursive: true });
  const enc = p.encrypt[0]!;
  makeCdkOut(join(run.producer, enc.env.KMS_ARTIFACT_SOURCE!), sizeBytes, assets);
  const step = !alias ? enc : enc.with ? { ...enc, with: { ...enc.with, 'kms-key-alias': alias } } : { ...enc, env: { ...enc.env, KMS_KEY_ALIAS: alias } };
  const r = await runStep(step, run.producer, moto.env(run.runnerTemp));
  if (r.status === 0) {
    const up = p.uploads.find((u) => u.job === enc.job && u.index > enc.index)!;
    upload(up.path, run.producer, run.store, name, run.runnerTemp);
  }
  return { ...run, status: r.status, stderr: r.stderr };
}

/**
 * The artifact of `run` consumed four times, each from its own copy of the
 * store: a flipped ciphertext byte, a truncated ciphertext, a flipped
 * encrypted data key, and untouched (the control).
 */
export async function consumeTampered<T>(run: Run, name: string, consume: (copy: Run) => Promise<T>): Promise<{ flipped: T; truncated: T; badKey: T; control: T }> {
  const tampered = async (mutate: (artifact: string) => void) => {
    const copy = { ...run, store: join(tempDir('wf-fix-kms-store-'), 'store') };
    cpSync(run.store, copy.store, { recursive: true });
    mutate(join(copy.store, name));
    return consume(copy);
  };
  const payload = (a: string) => join(a, FILES.payload);
  const [flipped, truncated, badKey, control] = await Promise.all([
    tampered((a) => flipByte(payload(a), 100)),
    tampered((a) => writeFileSync(payload(a), readFileSync(payload(a)).subarray(0, 1000))),
    tampered((a) => flipByte(join(a, FILES.key), 40)),
    tampered(() => undefined),
  ]);
  return { flipped, truncated, badKey, control };
}

/** Download into a fresh consumer workspace and run that job's decrypt step. */
export async function consumeArtifact(moto: Moto, p: Pipeline, run: Run, job: string, name: string) {
  const consumer = tempDir('wf-fix-kms-consumer-');
  const d = p.downloads.find((x) => x.job === job && x.name === name)!;
  download(run.store, name, d.path, consumer);
  const dec = p.decrypt.find((x) => x.job === job)!;
  const r = await runStep(dec, consumer, moto.env(run.runnerTemp));
  return { ...r, consumer, restored: join(consumer, dec.env.KMS_RESTORE_PATH!) };
}
