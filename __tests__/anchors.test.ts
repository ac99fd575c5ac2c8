/**
 * Issue 12.3: an edit inside an anchored node changes every alias of it. A fix
 * that declares only the place it looked at is refused with the reason
 * (which node, which anchor, which jobs) and costs no other fix; a fix that
 * declares every alias site is applied once, at the anchor.
 */
import { defaultConfig } from '../src/config.js';
import type { Transform } from '../src/transform.js';
import { describeShared } from '../src/workflow/anchors.js';
import { processText } from '../src/workflow/engine.js';
import { modelWorkflow, type Workflow } from '../src/workflow/model.js';
import { parseYaml } from '../src/yaml.js';
import { STEPS_ANCHOR } from './anchor-fixtures.js';
import { fixText, lines } from './helpers.js';

const model = (text: string) => modelWorkflow(parseYaml(text).docs[0]!, text) as Workflow;


const ENV_ANCHOR = lines(
  'on: push',
  'jobs:',
  '  a:',
  '    runs-on: ubuntu-latest',
  '    env: &aws',
  '      AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}',
  '      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}',
  '      STAGE: dev',
  '    steps:',
  '      - run: aws s3 ls',
  '  b:',
  '    runs-on: ubuntu-latest',
  '    env: *aws',
  '    steps:',
  '      - run: aws s3 ls',
);

const STEP_ANCHOR = lines(
  'on: issues',
  'jobs:',
  '  a:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - &greet',
  '        run: echo "${{ github.event.issue.title }}"',
  '  b:',
  '    runs-on: ubuntu-latest',
  '    steps:',
  '      - *greet',
  '      - run: echo "${{ github.event.issue.body }}"',
);

describe('the model knows which nodes are shared through aliases', () => {
  test.each([
    [STEPS_ANCHOR, [{ anchor: 'steps', path: ['jobs', 'a', 'steps'], aliases: [['jobs', 'b', 'steps']] }], 'step list shared through &steps by jobs a, b'],
    [ENV_ANCHOR, [{ anchor: 'aws', path: ['jobs', 'a', 'env'], aliases: [['jobs', 'b', 'env']] }], 'env mapping shared through &aws by jobs a, b'],
    [STEP_ANCHOR, [{ anchor: 'greet', path: ['jobs', 'a', 'steps', 0], aliases: [['jobs', 'b', 'steps', 0]] }], 'step shared through &greet by jobs a, b'],
  ])('%#', (text, shared, described) => {
    const wf = model(text);
    expect(wf.shared).toEqual(shared);
    expect(describeShared(wf.shared[0]!)).toBe(described);
  });

  test('an anchor without aliases is not shared; a file without aliases is not walked', () => {
    expect(model(lines('on: push', 'jobs:', '  a:', '    runs-on: ubuntu-latest', '    steps: &s', '      - run: echo hi')).shared).toEqual([]);
  });
});

describe('a fix inside a shared node', () => {
  test.each([
    ['step list anchor: the expression-injection fix is refused, the oidc-auth fix of job c applies', STEPS_ANCHOR, 'expression-injection',
      'validation gate: step list shared through &steps by jobs a, b: the edit would change every use, and the fix declared only jobs.a.steps',
      'changed'],
    ['env mapping anchor: removing the keys would remove them from job b too', ENV_ANCHOR, 'oidc-auth',
      'validation gate: env mapping shared through &aws by jobs a, b: the edit would change every use, and the fix declared only jobs.a.env',
      'unchanged'],
    ['single step anchor: refused for the shared step, the unshared step of job b is fixed', STEP_ANCHOR, 'expression-injection',
      'validation gate: step shared through &greet by jobs a, b: the edit would change every use, and the fix declared only jobs.a.steps[0]',
      'changed'],
  ])('%s', (_name, text, rule, reason, status) => {
    const out = fixText(text, ['oidc-auth', 'expression-injection']);
    expect(out.status).toBe(status);
    const refused = out.findings.filter((f) => f.rejected);
    expect(refused).toEqual([expect.objectContaining({ ruleId: rule, fixed: false, rejected: true, skippedBecause: reason })]);
    expect(out.findings.filter((f) => !f.rejected).every((f) => f.fixed)).toBe(true);
    if (status === 'unchanged') expect(out.output).toBe(text);
    // The shared node is untouched: its text stands as written.
    expect(out.output).toContain(text.includes('&steps') ? '    steps: &steps\n      - run: echo "${{ github.event.issue.title }}"\n' : text.includes('&greet')
      ? '      - &greet\n        run: echo "${{ github.event.issue.title }}"\n' : '    env: &aws\n');
  });

  test('the step list anchor case, exactly: job c gets OIDC, the shared list stays', () => {
    expect(fixText(STEPS_ANCHOR, ['oidc-auth', 'expression-injection']).output).toBe(lines(
      'on: issues', 'jobs:',
      '  a:', '    runs-on: ubuntu-latest', '    steps: &steps', '      - run: echo "${{ github.event.issue.title }}"',
      '  b:', '    runs-on: ubuntu-latest', '    steps: *steps',
      '  c:', '    runs-on: ubuntu-latest', '    permissions:', '      id-token: write', '      contents: read', '    steps:',
      '      - uses: aws-actions/configure-aws-credentials@v4', '        with:', '          aws-region: us-east-1',
      '          role-to-assume: ${{ vars.AWS_ROLE_ARN }}', '          role-session-name: GitHubActions-c',
    ));
  });

  test('a fix that declares every alias site edits the anchor once and is applied', () => {
    const mark = (declareAliases: boolean): Transform => ({
      meta: { id: 'mark', title: 'mark', severity: 'note', fixesSection: 'test', description: 'test' },
      find: (ctx) => ctx.text.includes('title }}"\n') ? [{ ruleId: 'mark', message: 'mark', offset: 0, path: ['jobs', 'a', 'steps'], fixable: true }] : [],
      fix: (ctx) => {
        const at = ctx.text.indexOf('title }}"') + 'title }}"'.length;
        const declared = [['jobs', 'a', 'steps', 0, 'run'], ...(declareAliases ? ctx.wf.shared.flatMap((s) => s.aliases.map((a) => [...a, 0, 'run'])) : [])];
        return { edits: [{ start: at, end: at, text: ' done' }], declares: declared.map((path) => ({ path })) };
      },
    });
    const run = (t: Transform) => processText(STEPS_ANCHOR, { config: defaultConfig(), transforms: [t], file: 'test.yml' });
    const good = run(mark(true));
    expect(good.status).toBe('changed');
    expect(good.output).toBe(STEPS_ANCHOR.replace('title }}"\n', 'title }}" done\n'));
    expect(good.findings).toEqual([expect.objectContaining({ fixed: true })]);
    const bad = run(mark(false));
    expect(bad.status).toBe('unchanged');
    expect(bad.findings).toEqual([expect.objectContaining({ fixed: false, rejected: true, skippedBecause: expect.stringContaining('step list shared through &steps by jobs a, b') })]);
  });
});
