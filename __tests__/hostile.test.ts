/**
 * Hostile input: processing a workflow never executes anything it contains.
 * Each case puts a marker-writing command where a careless tool would run it
 * (a script that closes a wrapper's brace, command substitutions, heredoc
 * tricks, NUL bytes, a repository configuration naming programs for git to
 * start) and asserts, through the CLI, that the marker is never created and
 * that the exit code and message are the documented ones.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { lines, runCli, tempDir } from './helpers.js';
import { keysWorkflow } from './repos.js';

/** A marker path and a program that creates it, for a case to plant. */
function marker(): { path: string; program: string } {
  const dir = tempDir('wf-fix-marker-');
  const path = join(dir, 'pwned');
  const program = join(dir, 'plant.sh');
  writeFileSync(program, `#!/bin/sh\ntouch '${path}'\ncat >/dev/null 2>&1 || true\n`);
  chmodSync(program, 0o755);
  return { path, program };
}

/** Indents a script as the body of a `run: |` block at 10 spaces. */
const block = (script: string) => script.split('\n').map((l) => (l ? `          ${l}` : '')).join('\n');

const workflow = (script: string) => lines('on: push', 'jobs:', '  build:', '    runs-on: ubuntu-latest', '    steps:', '      - run: |', block(script));

const compositeAction = (script: string) =>
  lines('name: hostile', 'description: hostile scripts', 'runs:', '  using: composite', '  steps:', '    - shell: bash', '      run: |', block(script).replace(/^ {10}/gm, '        '));

function repository(files: Record<string, string>): string {
  const dir = tempDir('wf-fix-hostile-');
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), t);
  }
  return dir;
}

/**
 * Scripts a syntax check must never run, with what wf-fix does with each:
 * valid bash is fixed by strict-shell (exit 0); a script that does not parse
 * has its fix rejected by the validation gate (exit 3, bash's own message);
 * a one-line script has nothing to fix (exit 0, byte-identical).
 */
type Outcome = 'fixed' | 'rejected' | 'untouched';
const SCRIPTS: [string, (m: string) => string, Outcome][] = [
  ['closes the brace of a function wrapper', (m) => `echo hi\n}\ntouch ${m}\n__x() {\n`, 'rejected'],
  ['is exactly }', () => '}\n', 'untouched'],
  ['command substitution $(...)', (m) => `echo "$(touch ${m})"\necho done\n`, 'fixed'],
  ['backticks', (m) => `echo "\`touch ${m}\`"\necho done\n`, 'fixed'],
  ['${x:=$(cmd)}', (m) => `echo "\${x:=$(touch ${m})}"\necho done\n`, 'fixed'],
  ['process substitution', (m) => `cat <(touch ${m})\necho done\n`, 'fixed'],
  ['a heredoc whose terminator is missing', (m) => `cat <<EOF\n$(touch ${m})\n`, 'fixed'],
  ['a heredoc terminator followed by a closing brace', (m) => `cat <<EOF\nx\nEOF\n}\ntouch ${m}\n__y() {\necho\n`, 'rejected'],
  ['\\n} in a line continuation', (m) => `echo a \\\n}\ntouch ${m}\n`, 'fixed'],
  ['eval of a string', (m) => `eval "touch ${m}"\necho done\n`, 'fixed'],
];

describe.each([
  ['workflow', '.github/workflows/ci.yml', workflow],
  ['composite action', 'action.yml', compositeAction],
] as const)('hostile scripts in a %s never run', (_kind, file, wrap) => {
  test.each(SCRIPTS)('a script that %s', (_name, script, outcome) => {
    const m = marker();
    const repo = repository({ [file]: wrap(script(m.path)) });
    const before = readFileSync(join(repo, file), 'utf8');
    const dry = runCli([], repo);
    const status = outcome === 'rejected' ? 3 : 0;
    expect(existsSync(m.path)).toBe(false);
    expect(dry.status).toBe(status);
    if (outcome === 'fixed') expect(dry.stdout).toMatch(/^\+ +set -e/m);
    if (outcome === 'untouched') expect(dry.stdout).toBe('');
    if (outcome === 'rejected') {
      expect(dry.stderr).toMatch(/rejected \[strict-shell\] .*\n +why rejected: validation gate: a run: script it generates or modifies fails bash -n \(bash: line \d+: syntax error/);
      expect(dry.stdout).toBe('');
    }
    const written = runCli(['--write'], repo);
    expect(existsSync(m.path)).toBe(false);
    expect(written.status).toBe(status);
    if (outcome !== 'fixed') expect(readFileSync(join(repo, file), 'utf8')).toBe(before);
    // And the written result is checked again by a second run: still nothing runs.
    expect(runCli(['--check'], repo).status).toBe(status);
    expect(existsSync(m.path)).toBe(false);
  });
});

test('NUL bytes in a double-quoted run: scalar never split a script into commands', () => {
  const m = marker();
  // YAML's "\0" escape puts a NUL into the script text; a NUL-separated batch would see `touch` as its own script.
  const repo = repository({
    '.github/workflows/ci.yml': lines('on: push', 'jobs:', '  build:', '    runs-on: ubuntu-latest', '    steps:', `      - run: "echo a\\0}\\ntouch ${m.path}\\n__x() {\\necho b\\n"`),
  });
  const r = runCli(['--write'], repo);
  expect(existsSync(m.path)).toBe(false);
  expect(r.status).toBe(3);
  expect(r.stderr).toMatch(/why rejected: validation gate: a run: script it generates or modifies fails bash -n/);
  expect(r.stderr).not.toMatch(/internal error/);
});

describe('git in a repository whose configuration names programs', () => {
  const KEYS = keysWorkflow();

  const gitIn = (cwd: string, ...args: string[]) => {
    // The test's own git calls run with hooks and fsmonitor off too (before the config is planted they are inert anyway).
    const r = spawnSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', ...args], { cwd, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
    return r.stdout;
  };

  /** A committed repository with a key-based workflow, then a `.git/config` and hooks that would run the marker program. */
  function booby(program: string): string {
    const repo = repository({ '.github/workflows/deploy.yml': KEYS, '.gitattributes': '* filter=plant diff=plant\n' });
    gitIn(repo, 'init', '-q', '-b', 'main');
    gitIn(repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '.');
    gitIn(repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init');
    gitIn(repo, 'remote', 'add', 'origin', 'https://github.com/acme/app.git');
    const hooks = join(repo, 'planted-hooks');
    mkdirSync(hooks);
    for (const h of ['pre-commit', 'commit-msg', 'post-commit', 'post-checkout', 'reference-transaction', 'prepare-commit-msg', 'pre-auto-gc']) {
      writeFileSync(join(hooks, h), `#!/bin/sh\nexec '${program}'\n`);
      chmodSync(join(hooks, h), 0o755);
      writeFileSync(join(repo, '.git/hooks', h), `#!/bin/sh\nexec '${program}'\n`);
      chmodSync(join(repo, '.git/hooks', h), 0o755);
    }
    const settings: [string, string][] = [
      ['core.fsmonitor', program],
      ['core.hooksPath', hooks],
      ['diff.external', program],
      ['core.pager', program],
      ['pager.status', program],
      ['credential.helper', `!${program}`],
      ['filter.plant.clean', program],
      ['filter.plant.smudge', program],
      ['filter.plant.process', program],
      ['diff.plant.textconv', program],
      ['commit.gpgSign', 'true'],
      ['gpg.program', program],
      ['core.editor', program],
      ['gc.auto', '1'],
      ['user.name', 'Hostile Repo'],
      ['user.email', 'hostile@example.com'],
    ];
    for (const [k, v] of settings) gitIn(repo, 'config', k, v);
    return repo;
  }

  test('--git-branch X --git-commit: the fix is committed and no hook, filter, fsmonitor, pager, editor or signing program runs', () => {
    const m = marker();
    const repo = booby(m.program);
    const r = runCli(['--git-branch', 'wf-fix/oidc', '--git-commit', repo], repo);
    expect(existsSync(m.path)).toBe(false);
    expect(r.stderr).not.toMatch(/^error|git \w+ failed/m);
    expect(r.status).toBe(0);
    // The commit happened, unsigned, with exactly the workflow file.
    const show = spawnSync('git', ['-c', 'core.hooksPath=/dev/null', '-c', 'core.fsmonitor=false', 'log', '-1', '--name-only', '--format=%s%n%G?', 'wf-fix/oidc'], { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_PAGER: 'cat' } });
    expect(show.stdout).toBe('wf-fix: oidc-auth\nN\n\n.github/workflows/deploy.yml\n');
    expect(existsSync(m.path)).toBe(false);
  });

  test('trust-policy reads the remote without starting a program', () => {
    const m = marker();
    const repo = booby(m.program);
    const r = runCli(['trust-policy', repo], repo);
    expect(existsSync(m.path)).toBe(false);
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('repo:acme/app:');
  });

  test('a repository owned by another user: git refuses it and wf-fix says why (safe.directory is not overridden)', () => {
    const repo = repository({ '.github/workflows/deploy.yml': KEYS });
    gitIn(repo, 'init', '-q', '-b', 'main');
    gitIn(repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'add', '.');
    gitIn(repo, '-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-q', '-m', 'init');
    const chown = spawnSync('chown', ['-R', '65534:65534', repo]);
    if (chown.status !== 0 || process.getuid?.() !== 0) return; // needs root to hand the repository to another user
    const r = runCli(['--git-branch', 'wf-fix/oidc', repo], repo);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('the repository is owned by another user (git\'s safe.directory check); wf-fix does not override it');
    expect(readFileSync(join(repo, '.github/workflows/deploy.yml'), 'utf8')).toBe(KEYS);
  });
});
