/** --format json: the documented schema, field names asserted exactly (a rename is a breaking change). */
import { runCli, tempDir } from './helpers.js';
import { GIT_ENV, keysWorkflow, makeRepo } from './repos.js';

Object.assign(process.env, GIT_ENV);
const WF = '.github/workflows/deploy.yml';
const keys = (o: object) => Object.keys(o);

describe('--format json schema (version 1)', () => {
  const base = tempDir('wf-fix-json-');
  makeRepo(base, 'app', { [WF]: keysWorkflow('app') });
  makeRepo(base, 'lib', { [WF]: keysWorkflow('lib') });
  const r = runCli(['--format', 'json', '--only', 'oidc-auth', '--patch-dir', 'patches', '.'], base);
  const doc = JSON.parse(r.stdout);

  test('top level, tool and summary', () => {
    expect(r.status).toBe(0);
    expect(keys(doc)).toEqual(['version', 'tool', 'mode', 'shard', 'summary', 'errors', 'repositories', 'files']);
    expect([doc.mode, doc.shard]).toEqual([expect.stringMatching(/^(dry-run|write|check)$/), null]);
    expect(doc.version).toBe(1);
    expect(keys(doc.tool)).toEqual(['name', 'version']);
    expect(keys(doc.summary)).toEqual(['scanned', 'changed', 'skipped', 'failed', 'rejected', 'findingsByRule', 'fixedByRule']);
    expect(doc.summary).toMatchObject({ scanned: 2, changed: 2, findingsByRule: { 'oidc-auth': 2 }, fixedByRule: { 'oidc-auth': 2 } });
    expect(doc.errors).toEqual([]);
  });

  test('repositories', () => {
    expect(doc.repositories).toHaveLength(2);
    expect(keys(doc.repositories[0])).toEqual(['path', 'name', 'files', 'changed', 'skipped', 'failed', 'findings', 'fixed', 'patch', 'git']);
    expect(doc.repositories[0]).toEqual({ path: 'app', name: 'app', files: 1, changed: 1, skipped: 0, failed: 0, findings: 1, fixed: 1, patch: 'patches/app.patch', git: null });
  });

  test('files and findings', () => {
    const f = doc.files[0];
    expect(keys(f)).toEqual(['path', 'repository', 'status', 'reason', 'generator', 'written', 'findings', 'diff', 'repositoryFile']);
    expect(f).toMatchObject({ path: `app/${WF}`, repository: 'app', status: 'changed', reason: null, generator: null, written: false });
    expect(keys(f.findings[0])).toEqual(['ruleId', 'line', 'column', 'message', 'fixable', 'fixed', 'skippedBecause', 'rejected', 'notes']);
    expect(f.findings[0]).toMatchObject({ ruleId: 'oidc-auth', line: 7, column: 9, fixable: true, fixed: true, skippedBecause: null });
    expect(f.diff.split('\n')[0]).toBe(`diff --git a/app/${WF} b/app/${WF}`);
  });

  test('git outcome of a repository under --git-branch', () => {
    const r2 = runCli(['--format', 'json', '--only', 'oidc-auth', '--git-branch', 'wf-fix/oidc', '--git-commit', 'app'], base);
    expect(r2.status).toBe(0);
    const repo = JSON.parse(r2.stdout).repositories[0];
    expect(keys(repo.git)).toEqual(['branch', 'files', 'commit', 'error']);
    expect(repo.git).toMatchObject({ branch: 'wf-fix/oidc', files: [WF], error: null });
    expect(repo.git.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(JSON.parse(r2.stdout).files[0].written).toBe(true);
  });
});
