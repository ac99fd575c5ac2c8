/** The property tests' workflow generator (fixed seed), shared with the shell differential test. */
import fc from 'fast-check';

export const RUNS = Number(process.env.WF_FIX_PROPERTY_RUNS ?? 200);
export const SEED = Number(process.env.WF_FIX_PROPERTY_SEED ?? 20261128);

type Quote = 'plain' | 'single' | 'double';
const q = (s: string, style: Quote) => (style === 'single' ? `'${s}'` : style === 'double' ? `"${s}"` : s);

interface StepSpec {
  kind: 'checkout' | 'keys' | 'envKeys' | 'oidc' | 'upload' | 'download' | 'deploy' | 'deployBlock' | 'wrapperDeploy' | 'injection' | 'test';
  /** The command of a `wrapperDeploy` step. */
  wrapper: string;
  name?: string;
  quote: Quote;
  comment: boolean;
  trailing: boolean;
  version: 'v1' | 'v2' | 'v4';
}

interface JobSpec {
  id: string;
  environment?: 'production' | 'staging';
  permissions: boolean;
  env: 'none' | 'plain' | 'keys';
  steps: StepSpec[];
}

/**
 * YAML anchors: the first job's steps, env or first step anchored and the
 * last job using the alias (only with two or more jobs).
 */
type Anchor = 'none' | 'steps' | 'env' | 'step';

interface WorkflowSpec {
  indent: 2 | 4;
  unindentedSeq: boolean;
  crlf: boolean;
  bom: boolean;
  finalNewline: boolean;
  topPermissions: boolean;
  topEnvKeys: boolean;
  anchor: Anchor;
  jobs: JobSpec[];
}

/** Deploys through package-manager wrappers and the other deployers real pipelines use. */
export const WRAPPERS = [
  'npm run cdk deploy -- --all',
  'npm run cdk -- deploy --all',
  'yarn cdk deploy --all',
  'pnpm cdk deploy --all',
  'npx aws-cdk deploy --all',
  'uv run cdk deploy --all',
  'poetry run cdk deploy --all',
  'sam deploy --no-confirm-changeset',
  'serverless deploy --stage prod',
  'sls deploy',
  'cdktf deploy --auto-approve',
  'pulumi up --yes',
  'aws cloudformation deploy --template-file template.yml --stack-name app',
];

const stepArb: fc.Arbitrary<StepSpec> = fc.record({
  kind: fc.constantFrom('checkout', 'keys', 'envKeys', 'oidc', 'upload', 'download', 'deploy', 'deployBlock', 'wrapperDeploy', 'injection', 'test'),
  wrapper: fc.constantFrom(...WRAPPERS),
  name: fc.option(fc.constantFrom('Deploy', 'Configure AWS', 'Build: app', 'Upload cdk.out'), { nil: undefined }),
  quote: fc.constantFrom<Quote>('plain', 'single', 'double'),
  comment: fc.boolean(),
  trailing: fc.boolean(),
  version: fc.constantFrom('v1', 'v2', 'v4'),
});

const jobArb = (id: string): fc.Arbitrary<JobSpec> => fc.record({
  id: fc.constant(id),
  environment: fc.option(fc.constantFrom('production', 'staging'), { nil: undefined }),
  permissions: fc.boolean(),
  env: fc.constantFrom<JobSpec['env']>('none', 'plain', 'keys'),
  steps: fc.array(stepArb, { minLength: 1, maxLength: 6 }),
});

export const workflowArb: fc.Arbitrary<WorkflowSpec> = fc.record({
  indent: fc.constantFrom<2 | 4>(2, 4),
  unindentedSeq: fc.boolean(),
  crlf: fc.boolean(),
  bom: fc.boolean(),
  finalNewline: fc.boolean(),
  topPermissions: fc.boolean(),
  topEnvKeys: fc.boolean(),
  anchor: fc.constantFrom<Anchor>('none', 'none', 'steps', 'env', 'step'),
  jobs: fc.uniqueArray(fc.constantFrom('build', 'deploy', 'deploy-prod', 'synth', 'test_1'), { minLength: 1, maxLength: 3 })
    .chain((ids) => fc.tuple(...ids.map(jobArb))),
});

function stepLines(s: StepSpec, pad: string, unit: string): string[] {
  const body: string[] = [];
  const kv = (k: string, v: string) => body.push(`${k}: ${v}`);
  const withBlock = (entries: [string, string][]) => {
    body.push('with:');
    for (const [k, v] of entries) body.push(`${unit}${k}: ${v}`);
  };
  if (s.name) kv('name', q(s.name, s.name.includes(': ') && s.quote === 'plain' ? 'double' : s.quote));
  const trailing = s.trailing ? ' # pinned by policy' : '';
  switch (s.kind) {
    case 'checkout': kv('uses', `actions/checkout@v4${trailing}`); break;
    case 'keys':
      kv('uses', `aws-actions/configure-aws-credentials@${s.version}${trailing}`);
      withBlock([
        ['aws-access-key-id', q('${{ secrets.AWS_ACCESS_KEY_ID }}', s.quote)],
        ['aws-secret-access-key', q('${{ secrets.AWS_SECRET_ACCESS_KEY }}', s.quote)],
        ['aws-region', q('us-east-1', s.quote)],
      ]);
      break;
    case 'oidc':
      kv('uses', `aws-actions/configure-aws-credentials@v4${trailing}`);
      withBlock([['role-to-assume', q('arn:aws:iam::123456789012:role/deploy', s.quote)], ['aws-region', 'eu-west-1']]);
      break;
    case 'upload': kv('uses', 'actions/upload-artifact@v4'); withBlock([['name', 'cdk-out'], ['path', 'cdk.out']]); break;
    case 'download': kv('uses', 'actions/download-artifact@v4'); withBlock([['name', 'cdk-out'], ['path', 'cdk.out']]); break;
    case 'envKeys':
      kv('run', q('aws sts get-caller-identity', s.quote));
      body.push('env:', `${unit}AWS_ACCESS_KEY_ID: \${{ secrets.AWS_ACCESS_KEY_ID }}`, `${unit}AWS_SECRET_ACCESS_KEY: \${{ secrets.AWS_SECRET_ACCESS_KEY }}`);
      break;
    case 'wrapperDeploy': body.push('run: |', `${unit}npm ci`, `${unit}${s.wrapper}`); break;
    case 'deploy': kv('run', `npx cdk deploy --all --require-approval never${trailing}`); break;
    case 'deployBlock':
      body.push('run: |', `${unit}npm ci`, `${unit}npx cdk deploy --all --require-approval never`);
      break;
    case 'injection': kv('run', `echo "${'${{ github.event.pull_request.title }}'}"`); break;
    case 'test': kv('run', q('npm test', s.quote)); break;
  }
  const out: string[] = [];
  if (s.comment) out.push(`${pad}# step comment`);
  out.push(`${pad}- ${body[0]}`);
  for (const l of body.slice(1)) out.push(`${pad}  ${l}`);
  return out;
}

export function render(w: WorkflowSpec): string {
  const u = ' '.repeat(w.indent);
  const ls = ['name: generated', 'on:', `${u}push:`, `${u}${u}branches: [main]`];
  if (w.topPermissions) ls.push('permissions:', `${u}contents: read`);
  if (w.topEnvKeys) ls.push('env:', `${u}AWS_REGION: us-east-1`, `${u}AWS_ACCESS_KEY_ID: \${{ secrets.AWS_ACCESS_KEY_ID }}`);
  ls.push('', '# the jobs', 'jobs:');
  const anchored = w.jobs.length > 1 ? w.anchor : 'none';
  w.jobs.forEach((j, ji) => {
    const first = ji === 0;
    const aliasing = ji === w.jobs.length - 1 && !first;
    const jp = u.repeat(2);
    ls.push(`${u}${j.id}:`, `${jp}runs-on: ubuntu-latest`);
    if (j.environment) ls.push(`${jp}environment: ${j.environment}`);
    if (j.permissions) ls.push(`${jp}permissions:`, `${jp}${u}contents: read`, `${jp}${u}pull-requests: write`);
    if (anchored === 'env' && aliasing) ls.push(`${jp}env: *job-env`);
    else if (j.env !== 'none' || (anchored === 'env' && first)) {
      ls.push(`${jp}env:${anchored === 'env' && first ? ' &job-env' : ''}`, `${jp}${u}STAGE: ${j.id}`);
      if (j.env === 'keys') ls.push(`${jp}${u}AWS_ACCESS_KEY_ID: \${{ secrets.AWS_ACCESS_KEY_ID }}`, `${jp}${u}AWS_SECRET_ACCESS_KEY: \${{ secrets.AWS_SECRET_ACCESS_KEY }}`);
    }
    if (anchored === 'steps' && aliasing) {
      ls.push(`${jp}steps: *job-steps`);
      return;
    }
    ls.push(`${jp}steps:${anchored === 'steps' && first ? ' &job-steps' : ''}`);
    const pad = w.unindentedSeq ? jp : jp + u;
    j.steps.forEach((s, si) => {
      const step = stepLines(s, pad, u);
      // The anchor on a line of its own: `- &a uses: x` would anchor the key `uses`, not the step.
      const at = s.comment ? 1 : 0;
      if (anchored === 'step' && first && si === 0) step.splice(at, 1, `${pad}- &first-step`, step[at]!.replace(`${pad}- `, `${pad}  `));
      ls.push(...step);
    });
    if (anchored === 'step' && aliasing) ls.push(`${pad}- *first-step`);
  });
  let text = ls.join('\n') + (w.finalNewline ? '\n' : '');
  if (w.crlf) text = text.replace(/\n/g, '\r\n');
  return (w.bom ? '\uFEFF' : '') + text;
}
