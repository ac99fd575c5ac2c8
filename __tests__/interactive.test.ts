/** --interactive without a terminal: the selection logic driven by scripted answers and keys, and the CLI's refusals. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultConfig } from '../src/config.js';
import { helpText, NO_TTY, reviewFile, runInteractive, terminalAsk, visible, type Answer, type Offer } from '../src/interactive.js';
import { PLAIN } from '../src/report/text.js';
import { processText, type ProcessOptions } from '../src/workflow/engine.js';
import type { Transform } from '../src/transform.js';
import { TRANSFORMS } from '../transforms/index.js';
import { STEPS_ANCHOR } from './anchor-fixtures.js';
import { fixed, lines, runCli, tempDir } from './helpers.js';
import { REVIEW_WORKFLOW } from './interactive-fixture.js';

const engineFor = (text: string) => (accept: NonNullable<ProcessOptions['accept']>) =>
  processText(text, { config: defaultConfig(), transforms: TRANSFORMS, file: 'deploy.yml', accept });

/** An Ask answering from a script, recording what it was offered. */
function scripted(answers: Answer[]) {
  const offers: Offer[] = [];
  const ask = async (o: Offer): Promise<Answer> => {
    offers.push(o);
    const a = answers.shift();
    if (!a) throw new Error(`no answer left for ${o.finding.ruleId}`);
    return a;
  };
  return { ask, offers };
}

describe('reviewFile: one fix at a time', () => {
  test('y n y: exactly the accepted fixes, each offer the hunk it adds, the skipped one still pending', async () => {
    const { ask, offers } = scripted(['y', 'n', 'y']);
    const said: string[] = [];
    const r = await reviewFile('deploy.yml', engineFor(REVIEW_WORKFLOW), ask, new Set(), (l) => said.push(l));
    expect(offers.map((o) => [o.finding.ruleId, o.index, o.known])).toEqual([
      ['oidc-auth', 1, 3], ['deploy-retry', 2, 3], ['expression-injection', 3, 3],
    ]);
    expect(offers[0]!.hunk).toContain('+    permissions:\n+      id-token: write\n');
    expect(offers[0]!.hunk).not.toContain('GITHUB_EVENT_HEAD_COMMIT_MESSAGE');
    // The third hunk is relative to the state with the first fix: its context already has the role.
    expect(offers[2]!.hunk).toContain('\n           role-to-assume: ${{ vars.AWS_ROLE_ARN }}\n');
    expect(offers[2]!.hunk).toContain('+          GITHUB_EVENT_HEAD_COMMIT_MESSAGE: ${{ github.event.head_commit.message }}\n');
    expect(offers[0]!.finding.notes.join('\n')).toContain('AWS_ROLE_ARN');
    expect(r).toMatchObject({ accepted: 2, skipped: 1 });
    expect(r.stop).toBeUndefined();
    expect(said).toEqual([]);
    expect(r.outcome.output).toBe(fixed(REVIEW_WORKFLOW, ['oidc-auth', 'expression-injection']));
    expect(r.outcome.findings.map((f) => [f.ruleId, f.fixed])).toEqual([
      ['oidc-auth', true], ['deploy-retry', false], ['expression-injection', true],
    ]);
  });

  test('a fix that another reveals is offered next, in transform order (all accepted: the same result as a plain run)', async () => {
    const { ask, offers } = scripted(['y', 'y', 'y', 'y']);
    const r = await reviewFile('deploy.yml', engineFor(REVIEW_WORKFLOW), ask, new Set(), () => {});
    expect(offers.map((o) => `${o.finding.ruleId} ${o.index}/${o.known}`)).toEqual([
      'oidc-auth 1/3', 'deploy-retry 2/3', 'strict-shell 3/4', 'expression-injection 4/4',
    ]);
    expect(r.outcome.output).toBe(fixed(REVIEW_WORKFLOW));
    expect(r.accepted).toBe(4);
  });

  test('a: the rest of that transform is applied without asking, in this file and the next', async () => {
    const twoKeys = REVIEW_WORKFLOW.replace('      - run: echo', lines(
      '      - uses: aws-actions/configure-aws-credentials@v4',
      '        with:',
      '          aws-access-key-id: ${{ secrets.OTHER_ID }}',
      '          aws-secret-access-key: ${{ secrets.OTHER_KEY }}',
      '          aws-region: eu-west-1',
    ) + '      - run: echo');
    const acceptAll = new Set<string>();
    const said: string[] = [];
    const first = scripted(['a', 'n', 'n']);
    const r1 = await reviewFile('a.yml', engineFor(twoKeys), first.ask, acceptAll, (l) => said.push(l));
    expect(first.offers.map((o) => o.finding.ruleId)).toEqual(['oidc-auth', 'deploy-retry', 'expression-injection']);
    expect(r1.outcome.findings.filter((f) => f.ruleId === 'oidc-auth').map((f) => f.fixed)).toEqual([true, true]);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^applied \(a, all oidc-auth\): a\.yml:\d+:\d+ \[oidc-auth\] /);
    const second = scripted(['n', 'n']);
    const r2 = await reviewFile('b.yml', engineFor(REVIEW_WORKFLOW), second.ask, acceptAll, (l) => said.push(l));
    expect(second.offers.map((o) => o.finding.ruleId)).toEqual(['deploy-retry', 'expression-injection']);
    expect(r2.outcome.output).toBe(fixed(REVIEW_WORKFLOW, ['oidc-auth']));
  });

  test('q keeps what was accepted so far and stops asking; Ctrl-C reports abort', async () => {
    const quit = scripted(['y', 'q']);
    const r = await reviewFile('deploy.yml', engineFor(REVIEW_WORKFLOW), quit.ask, new Set(), () => {});
    expect(r.stop).toBe('quit');
    expect(quit.offers).toHaveLength(2);
    expect(r.outcome.output).toBe(fixed(REVIEW_WORKFLOW, ['oidc-auth']));
    const abort = scripted(['y', 'abort']);
    expect((await reviewFile('deploy.yml', engineFor(REVIEW_WORKFLOW), abort.ask, new Set(), () => {})).stop).toBe('abort');
  });

  test('a fix the validation gate refuses is not offered, and said so; the others are', async () => {
    const { ask, offers } = scripted(['y']);
    const said: string[] = [];
    const transforms = TRANSFORMS.filter((t) => t.meta.id === 'oidc-auth' || t.meta.id === 'expression-injection');
    const engine = (accept: NonNullable<ProcessOptions['accept']>) => processText(STEPS_ANCHOR, { config: defaultConfig(), transforms, file: 'ci.yml', accept });
    const r = await reviewFile('ci.yml', engine, ask, new Set(), (l) => said.push(l));
    expect(offers.map((o) => o.finding.ruleId)).toEqual(['oidc-auth']);
    expect(said).toEqual([
      'not offered (the fix is refused): ci.yml:6:20 [expression-injection] ' + r.outcome.findings.find((f) => f.ruleId === 'expression-injection')!.message
      + ': validation gate: step list shared through &steps by jobs a, b: the edit would change every use, and the fix declared only jobs.a.steps',
    ]);
    expect(r.outcome.output).toBe(fixed(STEPS_ANCHOR, ['oidc-auth']));
  });

  test('a fix whose script fails bash -n is not offered (the engine retries the file without it)', async () => {
    const INPUT = lines('on: push', 'jobs:', '  build:', '    runs-on: ubuntu-latest', '    steps:', '      - run: npm ci');
    const broken: Transform = {
      meta: { id: 'broken', title: 'broken', severity: 'warning', fixesSection: 'test', description: 'test' },
      find: (ctx) => {
        const step = ctx.wf.jobs[0]!.steps[0]!;
        return step.script === 'npm ci' ? [{ ruleId: 'broken', message: 'broken finding', offset: step.node.range![0], path: step.path, fixable: true }] : [];
      },
      fix: (ctx) => ({ edits: [{ start: ctx.text.indexOf('npm ci'), end: ctx.text.indexOf('npm ci') + 6, text: 'if then' }], declares: [{ path: ['jobs', 'build', 'steps', 0, 'run'] }] }),
    };
    const { ask, offers } = scripted([]);
    const said: string[] = [];
    const engine = (accept: NonNullable<ProcessOptions['accept']>) => processText(INPUT, { config: defaultConfig(), transforms: [broken], file: 'ci.yml', accept });
    const r = await reviewFile('ci.yml', engine, ask, new Set(), (l) => said.push(l));
    expect(offers).toEqual([]);
    expect(said).toHaveLength(1);
    expect(said[0]).toMatch(/^not offered \(the fix is refused\): ci\.yml:6:9 \[broken\] broken finding: validation gate: a run: script it generates or modifies fails bash -n \(bash: .*syntax error/);
    expect(r).toMatchObject({ accepted: 0, skipped: 1 });
    expect(r.outcome.output).toBe(INPUT);
  });

  test('n everywhere: nothing changes', async () => {
    const { ask } = scripted(['n', 'n', 'n']);
    const r = await reviewFile('deploy.yml', engineFor(REVIEW_WORKFLOW), ask, new Set(), () => {});
    expect(r.outcome.status).toBe('unchanged');
    expect(r.outcome.output).toBe(REVIEW_WORKFLOW);
    expect(r.skipped).toBe(3);
  });
});

describe('terminalAsk: keys', () => {
  const offer: Offer = {
    path: 'w.yml', index: 2, known: 5, hunk: 'diff --git a/w.yml b/w.yml\n--- a/w.yml\n+++ b/w.yml\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n',
    finding: { ruleId: 'strict-shell', message: 'no set -e', line: 4, column: 9, notes: ['one note'], fixable: true, fixed: false },
  };
  const keys = (ks: string[]) => ({ next: async () => ks.shift() ?? 'ctrl-d' });

  test('the finding, its notes, the hunk without the file header, then the prompt; ? prints help, other keys ask again', async () => {
    let out = '';
    const answer = await terminalAsk(keys(['?', 'x', 'Y']), (s) => { out += s; }, PLAIN)(offer);
    expect(answer).toBe('y');
    const prompt = '(2/5) Apply this fix [y,n,a,q,?]? ';
    expect(out).toBe(
      '\nw.yml:4:9 [strict-shell] no set -e\n    note: one note\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n'
      + `${prompt}?\n${helpText('strict-shell')}${prompt}x\nunknown answer; ? for help\n${prompt}y\n`,
    );
  });

  test('hostile: escape sequences from the workflow are shown in caret notation, never sent to the terminal', async () => {
    let out = '';
    const title = '\u001b]0;pwned\u0007';
    const hostile: Offer = { ...offer, hunk: `@@ -1 +1 @@\n-a\n+      - name: x${title}\u001b[2J\n`, finding: { ...offer.finding, message: `step 'x${title}'`, notes: ['\u009b31m\u007f\ttab'] } };
    await terminalAsk(keys(['y']), (s) => { out += s; }, PLAIN)(hostile);
    expect(out).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/);
    expect(out).toContain("[strict-shell] step 'x^[]0;pwned^G'\n    note: \\u009b31m^?\ttab\n@@ -1 +1 @@\n-a\n+      - name: x^[]0;pwned^G^[[2J\n");
    expect(visible('a\tb\nc\u0000')).toBe('a\tb\nc^@');
  });

  test.each([['n', 'n'], ['a', 'a'], ['q', 'q'], ['ctrl-c', 'abort'], ['ctrl-d', 'abort']])('%s -> %s', async (key, want) => {
    expect(await terminalAsk(keys([key]), () => {}, PLAIN)(offer)).toBe(want);
  });
});

describe('runInteractive: files on disk', () => {
  const WF = '.github/workflows/deploy.yml';
  const repo = () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(join(dir, WF), REVIEW_WORKFLOW);
    return dir;
  };
  const opts = (dir: string) => ({ paths: ['.'], cwd: dir, write: true });

  test('only accepted fixes are written; the next review offers only what was skipped', async () => {
    const dir = repo();
    const first = scripted(['n', 'y', 'y', 'n']);
    const r = await runInteractive(opts(dir), first.ask, () => {});
    expect(first.offers.map((o) => o.finding.ruleId)).toEqual(['oidc-auth', 'deploy-retry', 'strict-shell', 'expression-injection']);
    expect(r.files.map((f) => [f.path, f.status, f.written])).toEqual([[WF, 'changed', true]]);
    expect(readFileSync(join(dir, WF), 'utf8')).toBe(fixed(REVIEW_WORKFLOW, ['deploy-retry', 'strict-shell']));
    const second = scripted(['n', 'n']);
    const again = await runInteractive(opts(dir), second.ask, () => {});
    expect(second.offers.map((o) => o.finding.ruleId)).toEqual(['oidc-auth', 'expression-injection']);
    expect(again.files.map((f) => [f.status, f.written])).toEqual([['unchanged', false]]);
    expect(readFileSync(join(dir, WF), 'utf8')).toBe(fixed(REVIEW_WORKFLOW, ['deploy-retry', 'strict-shell']));
  });

  test('abort leaves the file under review as it was; quit stops before the next file', async () => {
    const dir = repo();
    writeFileSync(join(dir, '.github/workflows/other.yml'), REVIEW_WORKFLOW);
    const aborted = await runInteractive(opts(dir), scripted(['y', 'abort']).ask, () => {});
    expect(aborted).toMatchObject({ stop: 'abort', notReviewed: 1 });
    expect(readFileSync(join(dir, WF), 'utf8')).toBe(REVIEW_WORKFLOW);
    const quit = await runInteractive(opts(dir), scripted(['y', 'q']).ask, () => {});
    expect(quit).toMatchObject({ stop: 'quit', notReviewed: 1, accepted: 1 });
    expect(readFileSync(join(dir, WF), 'utf8')).toBe(fixed(REVIEW_WORKFLOW, ['oidc-auth']));
    expect(readFileSync(join(dir, '.github/workflows/other.yml'), 'utf8')).toBe(REVIEW_WORKFLOW);
  });
});

describe('CLI', () => {
  test('without a terminal: exit 2, a clear message, nothing written', () => {
    const dir = tempDir();
    mkdirSync(join(dir, '.github/workflows'), { recursive: true });
    writeFileSync(join(dir, '.github/workflows/deploy.yml'), REVIEW_WORKFLOW);
    const r = runCli(['--interactive'], dir, '');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`${NO_TTY}\n`);
    expect(r.stdout).toBe('');
    expect(readFileSync(join(dir, '.github/workflows/deploy.yml'), 'utf8')).toBe(REVIEW_WORKFLOW);
  });

  test.each([
    [['--check'], '--check (--interactive writes what you accept)'],
    [['--format', 'json'], '--format json (--interactive prints text)'],
    [['--jobs', '2'], '--jobs > 1 (--interactive runs in-process)'],
    [['--patch-dir', 'p', '--html', 'r.html'], '--patch-dir, --html'],
  ])('--interactive %j: exit 2', (flags, why) => {
    const r = runCli(['--interactive', ...flags], tempDir(), '');
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`wf-fix: --interactive cannot be combined with ${why}\nRun wf-fix --help for usage.\n`);
  });
});
