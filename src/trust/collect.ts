/**
 * `wf-fix trust-policy`: run the engine over the paths (nothing is written),
 * read the roles from the fixed workflows, and build the IAM documents.
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { discover } from '../discover.js';
import { ConfigCache, selectTransforms } from '../run.js';
import { repositoryRoot } from '../repo.js';
import { processText } from '../workflow/engine.js';
import { parseYaml } from '../yaml.js';
import { buildRoles, type FileRoles, type RepoIdentity, type RoleEntry } from './policies.js';
import { originDefaultBranch, originSlug } from './repo-slug.js';
import { workflowRoles } from './roles.js';
import { slash } from '../paths.js';

export const TRUST_REPORT_VERSION = 1;

export interface TrustOptions {
  paths: string[];
  cwd: string;
  /** --repo OWNER/REPO: instead of `git remote get-url origin`. */
  repo?: string;
  /** --immutable-ids OWNER_ID/REPO_ID: subjects in the `repo:OWNER@ID/REPO@ID:` form. */
  immutableIds?: string;
  /** --default-branch: instead of origin/HEAD (else 'main'). */
  defaultBranch?: string;
  configFile?: string;
  roleArn?: string;
}

export interface TrustReport {
  version: number;
  repositories: { path: string; repository: string | null; subject: string; defaultBranch: string }[];
  roles: RoleEntry[];
  notes: string[];
  errors: string[];
}

export const REPO_PLACEHOLDER = 'OWNER/REPO';


export function trustReport(opts: TrustOptions): TrustReport {
  const errors: string[] = [];
  const notes: string[] = [];
  const { files, missing } = discover(opts.paths, opts.cwd);
  for (const m of missing) errors.push(`${m}: no such file or directory`);
  const configs = new ConfigCache(opts);
  const repos = new Map<string, RepoIdentity & { slug: string | null; defaultBranch: string; branchKnown: boolean }>();
  const repoFor = (root: string) => {
    let r = repos.get(root);
    if (!r) {
      const path = slash(relative(opts.cwd, root)) || '.';
      const slug = opts.repo ?? originSlug(root) ?? null;
      if (!slug) notes.push(`${path}: no GitHub remote 'origin' (and no --repo): subjects use the placeholder ${REPO_PLACEHOLDER}`);
      const [owner, name] = (slug ?? REPO_PLACEHOLDER).split('/') as [string, string];
      const ids = opts.immutableIds?.split('/');
      const subjectRepo = ids ? `${owner}@${ids[0]}/${name}@${ids[1]}` : `${owner}/${name}`;
      const known = opts.defaultBranch ?? originDefaultBranch(root);
      r = { root, path, subjectRepo, slug, defaultBranch: known ?? 'main', branchKnown: known !== undefined };
      repos.set(root, r);
    }
    return r;
  };
  const fileRoles: FileRoles[] = [];
  for (const f of files) {
    const display = slash(relative(opts.cwd, f.path));
    if (f.skip || !/\.ya?ml$/i.test(f.path)) continue;
    let text: string;
    let config;
    try {
      config = configs.forFile(f.path);
      text = readFileSync(f.path, 'utf8');
    } catch (e) {
      errors.push(`${display}: ${(e as Error).message}`);
      continue;
    }
    const outcome = processText(text, { config, transforms: selectTransforms(config), file: display, bashCheck: false });
    if (outcome.status === 'error') {
      errors.push(`${display}: ${outcome.reason}`);
      continue;
    }
    if (outcome.status === 'skipped') continue;
    const fixedText = outcome.output.replace(/^\uFEFF/, '');
    const parsed = parseYaml(fixedText);
    const doc = parsed.docs[0];
    if (!doc || parsed.errors.length) continue;
    const repo = repoFor(repositoryRoot(f.path));
    const { uses, notes: wfNotes } = workflowRoles(doc, fixedText, {
      defaultBranch: repo.defaultBranch,
      defaultBranchKnown: repo.branchKnown,
      kmsKeyAlias: config.kmsKeyAlias,
    });
    for (const n of wfNotes) notes.push(`${display}: ${n}`);
    if (uses.length) fileRoles.push({ repo, file: display, uses });
  }
  return {
    version: TRUST_REPORT_VERSION,
    repositories: [...repos.values()]
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map((r) => ({ path: r.path, repository: r.slug, subject: `repo:${r.subjectRepo}`, defaultBranch: r.defaultBranch })),
    roles: buildRoles(fileRoles),
    notes: [...new Set(notes)],
    errors,
  };
}
