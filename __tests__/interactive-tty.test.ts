/**
 * --interactive in a real terminal: the built CLI runs in a tmux pane, keys
 * go in with send-keys, the screen comes back with capture-pane, and the
 * files on disk are checked afterwards.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, fixed, runCli, tempDir } from './helpers.js';
import { REVIEW_WORKFLOW } from './interactive-fixture.js';

const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;
if (!HAVE_TMUX) console.warn('interactive-tty.test.ts: tmux is not installed, so the real-terminal tests of --interactive are SKIPPED (apt-get install tmux; CI installs it)');
const describeTmux = HAVE_TMUX ? describe : describe.skip;

const SOCKET = `wf-fix-test-${process.pid}`;
const tmux = (...args: string[]) => spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' });
const WF = '.github/workflows';

function repo(files: Record<string, string>): string {
  const dir = tempDir();
  mkdirSync(join(dir, WF), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, WF, name), text);
  return dir;
}

let session = 0;

/** A pane running `wf-fix --interactive` in `dir`; the shell prints the exit code when it ends. */
function start(dir: string): string {
  const name = `s${++session}`;
  const cmd = `'${process.execPath}' '${CLI}' --interactive; echo "wf-fix-exit=$?"; sleep 600`;
  const r = tmux('new-session', '-d', '-s', name, '-x', '200', '-y', '50', '-c', dir, cmd);
  if (r.status !== 0) throw new Error(`tmux new-session failed: ${r.stderr}`);
  return name;
}

/** The whole pane, scrollback included, wrapped lines joined (-e: with colour escapes). */
const screen = (name: string, escapes = false) => tmux('capture-pane', '-p', '-J', '-S', '-', '-t', name, ...(escapes ? ['-e'] : [])).stdout;

async function waitFor(name: string, text: string, count = 1): Promise<string> {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const s = screen(name);
    if (s.split(text).length - 1 >= count) return s;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${JSON.stringify(text)} (x${count}); screen:\n${s}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const keys = (name: string, ...k: string[]) => {
  const r = tmux('send-keys', '-t', name, ...k);
  if (r.status !== 0) throw new Error(`tmux send-keys failed: ${r.stderr}`);
};

const prompt = (i: number, n: number) => `(${i}/${n}) Apply this fix [y,n,a,q,?]? `;

describeTmux('wf-fix --interactive in tmux', () => {
  afterAll(() => {
    tmux('kill-server');
  });

  test('y, ?, n, y: the prompts show each hunk; only the accepted fixes are written; --check then finds only the skipped one', async () => {
    const dir = repo({ 'deploy.yml': REVIEW_WORKFLOW });
    const s = start(dir);
    let out = await waitFor(s, prompt(1, 3));
    expect(out).toContain('.github/workflows/deploy.yml:8:9 [oidc-auth] step \'aws-actions/configure-aws-credentials@v4\' authenticates with long-lived access keys');
    expect(out).toContain('    note: after this fix no step references secrets AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY: delete them from the repository settings');
    expect(out).toContain('@@ -3,12 +3,15 @@\n jobs:\n   deploy:\n     runs-on: ubuntu-latest\n+    permissions:\n+      id-token: write\n+      contents: read\n');
    expect(out).toContain('-          aws-access-key-id: ${{ secrets.AWS_ACCESS_KEY_ID }}\n');
    expect(out).not.toContain('diff --git');
    // Coloured like the dry-run diff: green additions, red removals.
    expect(screen(s, true)).toContain('\u001b[32m+    permissions:');
    keys(s, 'y');
    out = await waitFor(s, prompt(2, 3));
    expect(out).toContain('[deploy-retry] step \'3\' runs `npx cdk deploy` once');
    expect(out).toContain('+          wf_fix_retry npx cdk deploy --all --require-approval never\n');
    keys(s, '?');
    out = await waitFor(s, prompt(2, 3), 2);
    expect(out).toContain(`${prompt(2, 3)}?\ny - apply this fix\nn - skip this fix (the next run offers it again)\na - apply this fix and every remaining deploy-retry fix, in this file and the following ones\n`);
    keys(s, 'n');
    out = await waitFor(s, prompt(3, 3));
    expect(out).toContain('[expression-injection] step \'2\' pastes ${{ github.event.head_commit.message }} into its run: script');
    // Relative to what was accepted: the role is already in the context lines.
    expect(out).toContain('           role-to-assume: ${{ vars.AWS_ROLE_ARN }}\n           role-session-name: GitHubActions-deploy\n-      - run: echo "title ${{ github.event.head_commit.message }}"\n+      - run: echo "title ${GITHUB_EVENT_HEAD_COMMIT_MESSAGE}"\n');
    keys(s, 'y');
    out = await waitFor(s, 'wf-fix-exit=');
    expect(out).toContain('2 fix(es) accepted, 1 skipped (a later run offers the skipped ones again)\nwf-fix-exit=0');
    expect(out).toContain('.github/workflows/deploy.yml:14:14 pending [deploy-retry]');
    expect(readFileSync(join(dir, WF, 'deploy.yml'), 'utf8')).toBe(fixed(REVIEW_WORKFLOW, ['oidc-auth', 'expression-injection']));
    // The skipped fix (and strict-shell, which it brings) is all that is still pending.
    const check = runCli(['--check'], dir);
    expect(check.status).toBe(1);
    expect(check.stderr.split('\n').filter((l) => l.startsWith('.github/')).map((l) => l.replace(/^(\S+) \w+ (\[[\w-]+\]).*/, '$1 $2'))).toEqual([
      '.github/workflows/deploy.yml:19:14 [deploy-retry]',
      '.github/workflows/deploy.yml:19:59 [strict-shell]',
    ]);
  });

  test('y, q: the fix accepted before quitting is written, nothing else', async () => {
    const dir = repo({ 'deploy.yml': REVIEW_WORKFLOW });
    const s = start(dir);
    await waitFor(s, prompt(1, 3));
    keys(s, 'y');
    await waitFor(s, prompt(2, 3));
    keys(s, 'q');
    const out = await waitFor(s, 'wf-fix-exit=');
    expect(out).toContain(`${prompt(2, 3)}q\n`);
    expect(out).toContain('quit: 1 fix(es) accepted, 0 skipped (a later run offers the skipped ones again)\nwf-fix-exit=0');
    expect(readFileSync(join(dir, WF, 'deploy.yml'), 'utf8')).toBe(fixed(REVIEW_WORKFLOW, ['oidc-auth']));
  });

  test('a carries over to the next file; Ctrl-C leaves the file under review as it was (exit 130)', async () => {
    const dir = repo({ 'a.yml': REVIEW_WORKFLOW, 'b.yml': REVIEW_WORKFLOW });
    const s = start(dir);
    await waitFor(s, prompt(1, 3));
    keys(s, 'a');
    await waitFor(s, prompt(2, 3));
    keys(s, 'n');
    await waitFor(s, prompt(3, 3));
    keys(s, 'n');
    // b.yml: its oidc-auth fix is taken without asking; the first question is deploy-retry.
    let out = await waitFor(s, prompt(1, 2));
    expect(out).toMatch(/applied \(a, all oidc-auth\): \.github\/workflows\/b\.yml:8:9 \[oidc-auth\]/);
    expect(out.slice(out.lastIndexOf('b.yml:'))).toContain('[deploy-retry]');
    keys(s, 'C-c');
    out = await waitFor(s, 'wf-fix-exit=');
    expect(out).toContain('aborted: the file under review was left as it was; 1 fix(es) accepted, 2 skipped');
    expect(out).toContain('wf-fix-exit=130');
    expect(readFileSync(join(dir, WF, 'a.yml'), 'utf8')).toBe(fixed(REVIEW_WORKFLOW, ['oidc-auth']));
    expect(readFileSync(join(dir, WF, 'b.yml'), 'utf8')).toBe(REVIEW_WORKFLOW);
  });
});
