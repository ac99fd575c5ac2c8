/**
 * `--shard K/N` and `wf-fix merge-reports`: for N = 1..4 the shards split the
 * fleet with no repository twice or missing, and their merged reports equal
 * one unsharded run, file for file (json and sarif).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseShard, shardOf } from '../src/bulk/shard.js';
import { runCli, tempDir } from './helpers.js';
import { CLEAN_WORKFLOW, keysWorkflow, makeRepo } from './repos.js';

interface Report {
  mode: string;
  shard: string | null;
  summary: { scanned: number; changed: number };
  errors: string[];
  repositories: { path: string }[];
  files: { path: string; repository: string }[];
}

describe('parseShard and shardOf', () => {
  test.each([
    ['1/1', { index: 1, count: 1 }],
    ['3/4', { index: 3, count: 4 }],
    [' 2/2 ', { index: 2, count: 2 }],
  ])('%s parses', (text, shard) => expect(parseShard(text)).toEqual(shard));

  test.each([
    ['0/4', '--shard 0/4: K must be between 1 and N'],
    ['5/4', '--shard 5/4: K must be between 1 and N'],
    ['1/0', '--shard 1/0: K must be between 1 and N'],
    ['2', "--shard must be K/N (e.g. 2/4), got '2'"],
    ['a/b', "--shard must be K/N (e.g. 2/4), got 'a/b'"],
  ])('%s is refused', (text, message) => expect(parseShard(text)).toBe(message));

  test('stable (the same key lands in the same shard on every machine) and spread evenly', () => {
    expect([shardOf('repos/app', 4), shardOf('repos/app', 4), shardOf('.', 4)]).toEqual([shardOf('repos/app', 4), shardOf('repos/app', 4), shardOf('.', 4)]);
    expect(shardOf('anything', 1)).toBe(1);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[shardOf(`org/repo-${i}`, 4) - 1]!++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });
});

describe('a fleet split over shards', () => {
  const base = tempDir('wf-fix-fleet-');
  const names = Array.from({ length: 12 }, (_, i) => `repo-${String(i).padStart(2, '0')}`);
  for (const [i, n] of names.entries()) {
    makeRepo(base, n, { '.github/workflows/deploy.yml': i % 3 === 2 ? CLEAN_WORKFLOW : keysWorkflow(n), '.github/workflows/ci.yml': CLEAN_WORKFLOW });
  }
  const json = (args: string[]) => {
    const r = runCli(['--format', 'json', '--jobs', '1', ...args], base);
    expect(r.status).toBe(0);
    return r.stdout;
  };
  const byPath = (doc: Report) => ({ ...doc, shard: null, files: [...doc.files].sort((a, b) => (a.path < b.path ? -1 : 1)) });
  const whole = JSON.parse(json(['.'])) as Report;

  test('the unsharded run sees every repository', () => {
    expect(whole.repositories.map((r) => r.path)).toEqual(names);
    expect(whole.summary).toMatchObject({ scanned: 24, changed: 8 });
    expect(whole.mode).toBe('dry-run');
  });

  test.each([1, 2, 3, 4])('N = %i: shards are disjoint and complete; merged json and sarif equal the unsharded run', (n) => {
    const dir = tempDir('wf-fix-shards-');
    const reports: string[] = [];
    const seen: string[] = [];
    for (let k = 1; k <= n; k++) {
      const text = json(['--shard', `${k}/${n}`, '.']);
      const doc = JSON.parse(text) as Report;
      expect(doc.shard).toBe(`${k}/${n}`);
      for (const r of doc.repositories) expect(shardOf(r.path, n)).toBe(k);
      seen.push(...doc.repositories.map((r) => r.path));
      const file = join(dir, `shard-${k}.json`);
      writeFileSync(file, text);
      reports.push(file);
    }
    expect(seen.sort()).toEqual(names);
    const merged = runCli(['merge-reports', ...reports], base);
    expect(merged.status).toBe(0);
    expect(byPath(JSON.parse(merged.stdout) as Report)).toEqual(byPath(whole));
    const sarif = runCli(['merge-reports', '--format', 'sarif', ...reports], base);
    expect(sarif.status).toBe(0);
    const unshardedSarif = runCli(['--format', 'sarif', '--jobs', '1', '.'], base).stdout;
    const results = (s: string) => (JSON.parse(s) as { runs: { results: { ruleId: string; locations: unknown }[] }[] }).runs.flatMap((r) => r.results).map((x) => JSON.stringify(x)).sort();
    expect(results(sarif.stdout)).toEqual(results(unshardedSarif));
    expect(results(sarif.stdout).length).toBe(8);
  });

  test('merge-reports --format html renders the merged run', () => {
    const dir = tempDir('wf-fix-shards-');
    const files = [1, 2].map((k) => {
      const f = join(dir, `s${k}.json`);
      writeFileSync(f, json(['--shard', `${k}/2`, '.']));
      return f;
    });
    const html = runCli(['merge-reports', '--format', 'html', ...files], base);
    expect(html.status).toBe(0);
    expect(html.stdout).toMatch(/^<!doctype html>/i);
    for (const n of names) expect(html.stdout).toContain(n);
  });

  test('bad input: exit 2 and a message naming the file', () => {
    const dir = tempDir('wf-fix-shards-');
    const shard1 = join(dir, 'shard-1.json');
    writeFileSync(shard1, json(['--shard', '1/2', '.']));
    const notJson = join(dir, 'broken.json');
    writeFileSync(notJson, '{"version": 1,');
    const other = join(dir, 'other.json');
    writeFileSync(other, JSON.stringify({ version: 1, tool: { name: 'zizmor' } }));
    expect(runCli(['merge-reports', notJson], base)).toMatchObject({ status: 2, stdout: '', stderr: expect.stringMatching(/^wf-fix merge-reports: .*broken\.json: not JSON/) });
    expect(runCli(['merge-reports', other], base)).toMatchObject({ status: 2, stderr: expect.stringContaining('other.json: not a wf-fix --format json report') });
    expect(runCli(['merge-reports', join(dir, 'missing.json')], base)).toMatchObject({ status: 2, stderr: expect.stringContaining('missing.json: ENOENT') });
    expect(runCli(['merge-reports', shard1, shard1], base)).toMatchObject({ status: 2, stderr: expect.stringMatching(/repository repo-\d+ is in both .*shard-1\.json and .*shard-1\.json/) });
    expect(runCli(['merge-reports'], base)).toMatchObject({ status: 2, stderr: expect.stringContaining('name at least one report') });
    expect(runCli(['--shard', '5/4', '.'], base)).toMatchObject({ status: 2, stderr: expect.stringContaining('--shard 5/4: K must be between 1 and N') });
  });
});
