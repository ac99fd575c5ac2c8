/**
 * The generated KMS artifact action (.github/actions/wf-fix-artifact-crypto):
 * its file (actionlint, shellcheck, no `${{ }}` in a script, the same scripts
 * as the inline form), the `uses:` steps the KMS transforms write (exact
 * output, idempotent, recognised by the trust collector), every fallback to
 * the inline script with its note, and the action's own steps run as the
 * runner runs them with the real AWS CLI v2 against moto.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ARTIFACT_CRYPTO, ARTIFACT_CRYPTO_USES } from '../src/actions/artifact-crypto.js';
import { inputsInRunScripts, render, REPOSITORY_FILES } from '../src/actions/registry.js';
import { workflowRoles } from '../src/trust/roles.js';
import { parseYaml, toPlain } from '../src/yaml.js';
import { decryptScript, encryptScript } from '../transforms/shell/kms.js';
import { lint } from './actionlint.js';
import { fixed, fixText, lines, tempDir } from './helpers.js';
import { runComposite } from './kms/composite.js';
import {
  blockLines, consumeArtifact, consumeTampered, digest, MARKER, pipelineOf, produceArtifact, startMotoWithKey, storeContains, type Moto, type Pipeline, type Run,
} from './kms/harness.js';

const KMS = ['kms-encrypt-artifacts', 'kms-decrypt-artifacts'];
const ALIAS = 'alias/github-actions-artifacts';

interface ActionStep { name: string; if?: string; shell: string; env: Record<string, string>; run: string }
const ACTION = toPlain(parseYaml(ARTIFACT_CRYPTO.body).docs[0]!) as {
  inputs: Record<string, { description: string; required: boolean; default?: string }>;
  runs: { using: string; steps: ActionStep[] };
};

/** The action's steps as a workflow_call workflow, so actionlint checks the expressions against the inputs. */
function actionAsWorkflow(): string {
  const inputs = Object.fromEntries(Object.entries(ACTION.inputs).map(([k, v]) => [k, { description: v.description, required: v.required, default: v.default, type: 'string' }]));
  return JSON.stringify({ on: { workflow_call: { inputs } }, jobs: { crypto: { 'runs-on': 'ubuntu-latest', steps: ACTION.runs.steps } } }, null, 2);
}

const CHECKOUT = '      - uses: actions/checkout@v4';
const CREDS = (role: string) => [
  '      - uses: aws-actions/configure-aws-credentials@v4',
  '        with:',
  `          role-to-assume: arn:aws:iam::111111111111:role/${role}`,
  '          aws-region: us-east-1',
];

/** A build job that uploads cdk.out and a deploy job that downloads it; `checkout` adds actions/checkout to both. */
function pipeline(opts: { checkout?: boolean; on?: string; downloadPath?: string } = {}): string {
  const co = opts.checkout === false ? [] : [CHECKOUT];
  return lines(
    `on: ${opts.on ?? 'push'}`,
    'jobs:',
    '  build:',
    '    runs-on: ubuntu-latest',
    '    steps:',
    ...co,
    ...CREDS('Build'),
    '      - run: npx cdk synth',
    '      - uses: actions/upload-artifact@v4',
    '        with:',
    '          name: cdk-out',
    '          path: cdk.out',
    '  deploy:',
    '    needs: build',
    '    runs-on: ubuntu-latest',
    '    steps:',
    ...co,
    '      - uses: actions/download-artifact@v4',
    '        with:',
    '          name: cdk-out',
    `          path: ${opts.downloadPath ?? 'cdk.out'}`,
    ...CREDS('Deploy'),
    '      - run: npx cdk deploy --app cdk.out --all',
  );
}

const ENCRYPT_USES = [
  '      - name: Encrypt cdk-out with KMS',
  `        uses: ${ARTIFACT_CRYPTO_USES}`,
  '        with:',
  '          mode: encrypt',
  '          path: cdk.out',
  '          ciphertext-dir: ${{ runner.temp }}/kms-artifacts/cdk-out',
  `          kms-key-alias: ${ALIAS}`,
];
const DECRYPT_USES = [
  '      - name: Decrypt cdk-out with KMS',
  `        uses: ${ARTIFACT_CRYPTO_USES}`,
  '        with:',
  '          mode: decrypt',
  '          path: cdk.out',
  `          kms-key-alias: ${ALIAS}`,
];

const FIXED_USES = lines(
  'on: push',
  'jobs:',
  '  build:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  CHECKOUT,
  ...CREDS('Build'),
  '      - run: npx cdk synth',
  ...ENCRYPT_USES,
  '      - uses: actions/upload-artifact@v4',
  '        with:',
  '          name: cdk-out',
  '          path: ${{ runner.temp }}/kms-artifacts/cdk-out',
  '  deploy:',
  '    needs: build',
  '    runs-on: ubuntu-latest',
  '    steps:',
  CHECKOUT,
  '      - uses: actions/download-artifact@v4',
  '        with:',
  '          name: cdk-out',
  '          path: cdk.out',
  ...CREDS('Deploy'),
  ...DECRYPT_USES,
  '      - run: npx cdk deploy --app cdk.out --all',
);

describe('the generated action file', () => {
  test('is registered once, owned by both KMS transforms, rendered with the wf-fix header', () => {
    expect(REPOSITORY_FILES.filter((s) => s.id === 'artifact-crypto')).toEqual([ARTIFACT_CRYPTO]);
    expect(ARTIFACT_CRYPTO.path).toBe('.github/actions/wf-fix-artifact-crypto/action.yml');
    expect(ARTIFACT_CRYPTO.owners).toEqual(KMS);
    expect(render('artifact-crypto', '9.9.9')).toMatch(/^# Generated by wf-fix 9\.9\.9\. sha256 of the body below: [0-9a-f]{64}\. .*\nname: wf-fix artifact crypto\n/);
    expect(ACTION.runs.using).toBe('composite');
    expect(Object.keys(ACTION.inputs)).toEqual(['mode', 'path', 'ciphertext-dir', 'restore-path', 'kms-key-alias']);
    for (const s of ACTION.runs.steps) expect(s.shell).toBe('bash');
  });

  test('its scripts are the inline scripts, byte for byte (one source), and read inputs only through env:', () => {
    expect(ACTION.runs.steps.map((s) => s.run)).toEqual([expect.stringContaining('::error::wf-fix-artifact-crypto: mode must be'), encryptScript(), decryptScript()]);
    expect(inputsInRunScripts(ARTIFACT_CRYPTO.body)).toEqual([]);
    for (const s of ACTION.runs.steps) expect(s.run).not.toContain('${{');
    expect(ACTION.runs.steps.map((s) => s.env)).toEqual([
      { WF_FIX_MODE: '${{ inputs.mode }}' },
      { KMS_KEY_ALIAS: '${{ inputs.kms-key-alias }}', KMS_ARTIFACT_SOURCE: '${{ inputs.path }}', KMS_ARTIFACT_DIR: '${{ inputs.ciphertext-dir }}' },
      { KMS_KEY_ALIAS: '${{ inputs.kms-key-alias }}', KMS_ARTIFACT_DIR: '${{ inputs.path }}', KMS_RESTORE_PATH: '${{ inputs.restore-path || inputs.path }}' },
    ]);
  });

  test('actionlint 1.7.7: no errors in the action steps or in a workflow using it (and the linter is live)', async () => {
    expect(await lint(actionAsWorkflow(), 'artifact-crypto-as-workflow.yml')).toEqual([]);
    expect(await lint(FIXED_USES, 'fixed.yml')).toEqual([]);
    expect((await lint(actionAsWorkflow().replace('inputs.ciphertext-dir }}', 'inputs.ciphertext-dirr }}'), 'typo.yml')).length).toBeGreaterThan(0);
  });

  test.each(ACTION.runs.steps.map((s) => [s.name, s.run] as const))('%s: bash -n and shellcheck -S warning', (_name, script) => {
    const file = join(tempDir(), 'step.sh');
    writeFileSync(file, script);
    expect(spawnSync('bash', ['-n', file], { encoding: 'utf8' }).stderr).toBe('');
    const sc = spawnSync('shellcheck', ['-S', 'warning', '-s', 'bash', file], { encoding: 'utf8' });
    expect(sc.stdout).toBe('');
    expect(sc.status).toBe(0);
  });
});

describe('the uses: form (golden)', () => {
  test('a job that checks out its repository gets a uses: step with four with: lines; the file is requested; a second run changes nothing', () => {
    const out = fixText(pipeline(), KMS);
    expect(out.output).toBe(FIXED_USES);
    expect(out.repositoryFiles).toEqual(['artifact-crypto']);
    expect(out.findings.map((f) => [f.ruleId, f.fixed])).toEqual([['kms-encrypt-artifacts', true], ['kms-decrypt-artifacts', true]]);
    expect(out.findings.flatMap((f) => f.notes).filter((n) => n.includes('stays inline'))).toEqual([]);
    const again = fixText(out.output, KMS);
    expect(again.output).toBe(out.output);
    expect(again.findings).toEqual([]);
  });

  test('a download into another directory than the broken copy extracted to gets restore-path', () => {
    const input = lines(
      ...pipeline({ downloadPath: './artifacts/' }).split('\n').slice(0, -2),
      '      - run: tar -xzf artifacts/cdk.tar.gz -C cdk.out',
      '      - run: npx cdk deploy --app cdk.out --all',
    );
    const out = fixed(input, KMS);
    expect(out).toContain(lines(
      '      - name: Decrypt cdk-out with KMS',
      `        uses: ${ARTIFACT_CRYPTO_USES}`,
      '        with:',
      '          mode: decrypt',
      '          path: ./artifacts/',
      '          restore-path: cdk.out',
      `          kms-key-alias: ${ALIAS}`,
      '      - run: npx cdk deploy --app cdk.out --all',
    ));
    expect(fixed(out, KMS)).toBe(out);
  });

  test('the broken one-call copies become uses: steps in their place, keeping name, id and condition', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      CHECKOUT,
      ...CREDS('Build'),
      '      - name: Encrypt',
      '        id: enc',
      "        if: github.ref == 'refs/heads/main'",
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
      CHECKOUT,
      ...CREDS('Deploy'),
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
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      CHECKOUT,
      ...CREDS('Build'),
      '      - name: Encrypt',
      '        id: enc',
      "        if: github.ref == 'refs/heads/main'",
      `        uses: ${ARTIFACT_CRYPTO_USES}`,
      '        with:',
      '          mode: encrypt',
      '          path: cdk.out',
      '          ciphertext-dir: ${{ runner.temp }}/kms-artifacts/cdk-out',
      `          kms-key-alias: ${ALIAS}`,
      '      - uses: actions/upload-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: ${{ runner.temp }}/kms-artifacts/cdk-out',
      '  deploy:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      CHECKOUT,
      ...CREDS('Deploy'),
      '      - uses: actions/download-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: ./artifacts/',
      '      - name: Decrypt',
      '        id: dec',
      `        uses: ${ARTIFACT_CRYPTO_USES}`,
      '        with:',
      '          mode: decrypt',
      '          path: ./artifacts/',
      '          restore-path: cdk.out',
      `          kms-key-alias: ${ALIAS}`,
      '      - run: npx cdk deploy --app cdk.out --all',
    ));
    expect(out.repositoryFiles).toEqual(['artifact-crypto']);
    expect(fixed(out.output, KMS)).toBe(out.output);
  });

  test('an existing uses: step counts as the applied fix: encrypt by its mode and ciphertext-dir, decrypt by its mode and path', () => {
    // A download of the encrypted artifact into a path no decrypt step reads is still found.
    const extra = lines(
      ...FIXED_USES.split('\n').slice(0, -1),
      '  check:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      CHECKOUT,
      '      - uses: actions/download-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: out',
      ...CREDS('Check'),
      '      - run: ls out',
    );
    const out = fixText(extra, KMS);
    expect(out.findings.map((f) => f.message)).toEqual(["job 'check' downloads KMS-encrypted artifact 'cdk-out' (step 'actions/download-artifact@v4 (step 2)') but never decrypts it"]);
    expect(out.output).toBe(lines(
      ...extra.split('\n').slice(0, -2),
      '      - name: Decrypt cdk-out with KMS',
      `        uses: ${ARTIFACT_CRYPTO_USES}`,
      '        with:',
      '          mode: decrypt',
      '          path: out',
      `          kms-key-alias: ${ALIAS}`,
      '      - run: ls out',
    ));
  });

  test('the trust collector reads the KMS calls (and the alias) from the uses: steps', () => {
    const text = fixed(pipeline(), KMS, { kmsKeyAlias: 'alias/custom' });
    expect(text).toContain('kms-key-alias: alias/custom');
    const roles = workflowRoles(parseYaml(text).docs[0]!, text, { defaultBranch: 'main', defaultBranchKnown: true, kmsKeyAlias: ALIAS });
    expect(roles.uses.filter((u) => u.kind === 'kms')).toEqual([
      { kind: 'kms', role: 'arn:aws:iam::111111111111:role/Build', job: 'build', action: 'kms:GenerateDataKey', alias: 'alias/custom' },
      { kind: 'kms', role: 'arn:aws:iam::111111111111:role/Deploy', job: 'deploy', action: 'kms:Decrypt', alias: 'alias/custom' },
    ]);
  });
});

describe('fallback to the inline script (golden), each with its note', () => {
  const ENCRYPT_INLINE = [
    '      - name: Encrypt cdk-out with KMS',
    '        env:',
    `          KMS_KEY_ALIAS: ${ALIAS}`,
    '          KMS_ARTIFACT_SOURCE: cdk.out',
    '          KMS_ARTIFACT_DIR: ${{ runner.temp }}/kms-artifacts/cdk-out',
    '        run: |',
    ...blockLines(encryptScript(), 10),
  ];
  const DECRYPT_INLINE = [
    '      - name: Decrypt cdk-out with KMS',
    '        env:',
    `          KMS_KEY_ALIAS: ${ALIAS}`,
    '          KMS_ARTIFACT_DIR: cdk.out',
    '          KMS_RESTORE_PATH: cdk.out',
    '        run: |',
    ...blockLines(decryptScript(), 10),
  ];
  /** FIXED_USES with the inline steps instead of the uses: steps. */
  const inlined = (text: string) => text
    .replace(lines(...ENCRYPT_USES), lines(...ENCRYPT_INLINE))
    .replace(lines(...DECRYPT_USES), lines(...DECRYPT_INLINE));

  test.each([
    ['inlineScripts: true in the config', pipeline(), { inlineScripts: true }, (t: string) => inlined(t),
      Array(2).fill('inlineScripts is set in the config: the KMS script is written inline into the step, not as ./.github/actions/wf-fix-artifact-crypto')],
    ['the jobs do not check out the repository', pipeline({ checkout: false }), {}, (t: string) => inlined(t).split(`${CHECKOUT}\n`).join(''),
      ['build', 'deploy'].map((j) => `job '${j}' does not check out the repository (actions/checkout) before this step, so ./.github/actions/wf-fix-artifact-crypto would not be found: the KMS script stays inline`)],
    ['the checkout goes into a subdirectory', pipeline().replaceAll(CHECKOUT, `${CHECKOUT}\n        with:\n          path: src`), {},
      (t: string) => inlined(t).replaceAll(CHECKOUT, `${CHECKOUT}\n        with:\n          path: src`),
      ['build', 'deploy'].map((j) => `job '${j}' does not check out the repository (actions/checkout) before this step, so ./.github/actions/wf-fix-artifact-crypto would not be found: the KMS script stays inline`)],
    ['a reusable workflow (on: workflow_call)', pipeline({ on: '[push, workflow_call]' }), {}, (t: string) => inlined(t).replace('on: push', 'on: [push, workflow_call]'),
      Array(2).fill("the workflow is reusable (on: workflow_call): a ./.github/actions/wf-fix-artifact-crypto path in it resolves in the caller's checkout, so the KMS script stays inline")],
  ])('%s', (_name, input, config, expected, notes) => {
    const out = fixText(input, KMS, config);
    expect(out.output).toBe(expected(FIXED_USES));
    expect(out.repositoryFiles).toBeUndefined();
    expect(out.findings.map((f) => f.notes[f.notes.length - 1])).toEqual(notes);
    expect(fixed(out.output, KMS, config)).toBe(out.output);
  });

  test('a composite action being fixed keeps its encrypt step inline', () => {
    const action = lines(
      'name: build',
      'runs:',
      '  using: composite',
      '  steps:',
      CHECKOUT.replace('      ', '    '),
      ...CREDS('Build').map((l) => l.slice(2)),
      '    - run: npx cdk synth',
      '      shell: bash',
      '    - uses: actions/upload-artifact@v4',
      '      with:',
      '        name: cdk-out',
      '        path: cdk.out',
    );
    const out = fixText(action, KMS);
    expect(out.output).toBe(lines(
      ...action.split('\n').slice(0, 11),
      ...ENCRYPT_INLINE.map((l) => l.slice(2)),
      '    - uses: actions/upload-artifact@v4',
      '      with:',
      '        name: cdk-out',
      '        path: ${{ runner.temp }}/kms-artifacts/cdk-out',
    ));
    expect(out.repositoryFiles).toBeUndefined();
    expect(out.findings[0]!.notes).toContain('this file is a composite action: the KMS script stays inline, since a ./.github/actions/wf-fix-artifact-crypto path in it would resolve in the checkout of each workflow that uses it');
    expect(fixed(out.output, KMS)).toBe(out.output);
  });

  test('a broken step that runs in a working-directory is rewritten inline (its paths are relative to it)', () => {
    const input = lines(
      'on: push',
      'jobs:',
      '  build:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      CHECKOUT,
      ...CREDS('Build'),
      '      - name: Encrypt',
      '        working-directory: infra',
      '        run: |',
      '          tar -czf out.tar.gz -C cdk.out .',
      '          aws kms encrypt --key-id alias/x --plaintext fileb://out.tar.gz \\',
      '            --output text --query CiphertextBlob > out.tar.gz.encrypted',
      '      - uses: actions/upload-artifact@v4',
      '        with:',
      '          name: cdk-out',
      '          path: infra/out.tar.gz.encrypted',
    );
    const out = fixText(input, KMS);
    expect(out.findings[0]!.notes).toContain("step 'Encrypt' runs in working-directory infra and its paths are relative to it, while ./.github/actions/wf-fix-artifact-crypto runs in the workspace root: the KMS script stays inline in that step");
    expect(out.output).toContain(lines('      - name: Encrypt', '        working-directory: infra', '        env:'));
    expect(out.output).not.toContain('uses: ./.github/actions/');
    expect(out.repositoryFiles).toBeUndefined();
    expect(fixed(out.output, KMS)).toBe(out.output);
  });
});

describe('the action run as the runner runs it, against moto (real AWS CLI v2)', () => {
  let moto: Moto;
  const p: Pipeline = pipelineOf(FIXED_USES);
  const produce = (size: number) => produceArtifact(moto, p, 'cdk-out', size, 'random');
  const consume = (pp: Pipeline, run: Run, job = 'deploy') => consumeArtifact(moto, pp, run, job, 'cdk-out');

  beforeAll(async () => { moto = await startMotoWithKey(tempDir('wf-fix-kms-action-'), ALIAS); }, 30000);

  afterAll(async () => { await moto?.stop(); });

  test('the steps found are the action steps', () => {
    expect(p.encrypt.map((s) => [s.job, s.with?.mode])).toEqual([['build', 'encrypt']]);
    expect(p.decrypt.map((s) => [s.job, s.with?.mode])).toEqual([['deploy', 'decrypt']]);
  });

  test('100 MB round trip: byte-exact; only ciphertext uploaded; no work dir left; only the mode step ran, with env from inputs (no INPUT_*)', async () => {
    const run = await produce(100 * 1024 * 1024);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(readdirSync(join(run.store, 'cdk-out')).sort()).toEqual(['data-key.enc', 'payload.tar.gz.enc', 'payload.tar.gz.enc.hmac']);
    expect(storeContains(run.store, MARKER)).toBe(false);
    const r = await consume(p, run);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(digest(r.restored)).toEqual(digest(join(run.producer, 'cdk.out')));
    expect(readdirSync(run.runnerTemp).filter((e) => e.startsWith('wf-fix-kms.'))).toEqual([]);
    // The encrypt call as the runner evaluates it: inputs -> env, the check step skipped.
    const direct = await runComposite(ARTIFACT_CRYPTO.body, p.encrypt[0]!.with!, run.producer, moto.env(run.runnerTemp));
    expect(direct.status).toBe(0);
    expect(direct.ran).toEqual(['Encrypt with KMS']);
    expect(direct.envs).toEqual([{ KMS_KEY_ALIAS: ALIAS, KMS_ARTIFACT_SOURCE: 'cdk.out', KMS_ARTIFACT_DIR: join(run.runnerTemp, 'kms-artifacts/cdk-out') }]);
    expect(Object.keys(moto.env(run.runnerTemp)).filter((k) => k.startsWith('INPUT_'))).toEqual([]);
  }, 120000);

  test('tampering: a flipped ciphertext byte, a truncated ciphertext, a flipped encrypted key all fail with nothing extracted', async () => {
    const run = await produce(4096);
    expect(run.status).toBe(0);
    const { flipped, truncated, badKey, control } = await consumeTampered(run, 'cdk-out', (copy) => consume(p, copy));
    for (const r of [flipped, truncated]) {
      expect(r.status).not.toBe(0);
      expect(r.stderr).toContain('::error::artifact integrity check failed (HMAC mismatch)');
      expect(existsSync(r.restored)).toBe(false);
    }
    expect(badKey.status).not.toBe(0);
    expect(badKey.stderr).toContain("::error::KMS could not decrypt the artifact's data key");
    expect(existsSync(badKey.restored)).toBe(false);
    expect(control.status).toBe(0);
    expect(digest(control.restored)).toEqual(digest(join(run.producer, 'cdk.out')));
  }, 60000);

  test('restore-path: a download into ./artifacts/ is restored into cdk.out, the ciphertext files moved out', async () => {
    const input = lines(
      ...pipeline({ downloadPath: './artifacts/' }).split('\n').slice(0, -2),
      '      - run: tar -xzf artifacts/cdk.tar.gz -C cdk.out',
      '      - run: npx cdk deploy --app cdk.out --all',
    );
    const q = pipelineOf(fixed(input, KMS));
    expect(q.decrypt[0]!.with).toEqual({ mode: 'decrypt', path: './artifacts/', 'restore-path': 'cdk.out', 'kms-key-alias': ALIAS });
    const run = await produce(64 * 1024);
    expect(run.status).toBe(0);
    const r = await consume(q, run);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.restored).toBe(join(r.consumer, 'cdk.out'));
    expect(digest(r.restored)).toEqual(digest(join(run.producer, 'cdk.out')));
    expect(existsSync(join(r.consumer, 'artifacts'))).toBe(false);
  }, 30000);

  test('a bad mode fails in the check step and runs nothing else', async () => {
    const dir = tempDir('wf-fix-kms-mode-');
    const r = await runComposite(ARTIFACT_CRYPTO.body, { mode: 'Decrypt-all', path: 'x', 'kms-key-alias': ALIAS }, dir, moto.env(dir));
    expect(r.status).toBe(1);
    expect(r.ran).toEqual(['Check the inputs']);
    expect(r.stderr).toBe("::error::wf-fix-artifact-crypto: mode must be encrypt (with ciphertext-dir) or decrypt, got mode 'Decrypt-all'\n");
  });
});
