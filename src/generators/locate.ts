/**
 * Where the source of a generated workflow lives: projen names it in the
 * header (relative to the project, i.e. the directory holding `.github`);
 * for cdk-pipelines-github, every TS/JS file of the repository that imports
 * `cdk-pipelines-github` and constructs a `GitHubWorkflow`; for
 * github-actions-workflow-ts, every `*.wac.ts` file that imports it.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { GeneratorInfo } from '../workflow/generated.js';
import { walkSorted } from '../walk.js';

export interface Located {
  files: string[];
  /** Why nothing was found (for the user). */
  note?: string;
}

/** TS/JS sources wf-fix can rewrite (declaration files excluded). */
export function isSourceFile(path: string): boolean {
  return /\.(?:[cm]?[jt]s|tsx)$/i.test(path) && !/\.d\.[cm]?ts$/i.test(path);
}

/** The project a workflow belongs to: the directory holding its `.github`. */
function projectRoot(workflowPath: string): string {
  const dir = dirname(resolve(workflowPath));
  if (basename(dir) === 'workflows' && basename(dirname(dir)) === '.github') return dirname(dirname(dir));
  return dir;
}

const SKIP_DIRS = new Set(['node_modules', '.git', 'cdk.out', 'dist', 'lib-cov', 'coverage', '.projen', 'build', 'out']);
const MAX_SCANNED = 5000;
const MAX_BYTES = 1_000_000;

const IMPORTS_CDK_PIPELINES_GITHUB = /(?:from\s*|require\s*\(\s*)['"]cdk-pipelines-github['"]/;
const NEW_GITHUB_WORKFLOW = /\bnew\s+(?:[\w$]+\s*\.\s*)?GitHubWorkflow\s*\(/;

const IMPORTS_GITHUB_ACTIONS_WORKFLOW_TS = /(?:from\s*|require\s*\(\s*)['"](?:@github-actions-workflow-ts\/lib|github-actions-workflow-ts(?:-lib)?)['"]/;

/** TS/JS files under `root` (`.github` included, other dot dirs not) whose name and text pass the tests. */
function sourcesMatching(root: string, name: (p: string) => boolean, text: (t: string) => boolean): string[] {
  const out: string[] = [];
  let scanned = 0;
  walkSorted(root, {
    enter: (dir) => !SKIP_DIRS.has(dir) && !(dir.startsWith('.') && dir !== '.projenrc' && dir !== '.github'),
    visit: (p, e) => {
      if (!e.isFile() || !isSourceFile(p) || !name(p)) return;
      scanned++;
      try {
        if (statSync(p).size <= MAX_BYTES && text(readFileSync(p, 'utf8'))) out.push(p);
      } catch {
        /* unreadable: skip */
      }
      return scanned < MAX_SCANNED;
    },
  });
  return out;
}

/** TS/JS files under `root` that import cdk-pipelines-github and construct a GitHubWorkflow. */
export function cdkPipelinesSources(root: string): string[] {
  return sourcesMatching(root, () => true, (t) => IMPORTS_CDK_PIPELINES_GITHUB.test(t) && NEW_GITHUB_WORKFLOW.test(t));
}

/** `*.wac.ts` files under `root` that import github-actions-workflow-ts (what `npx gwf build` compiles). */
export function workflowTsSources(root: string): string[] {
  return sourcesMatching(root, (p) => /\.wac\.ts$/i.test(p), (t) => IMPORTS_GITHUB_ACTIONS_WORKFLOW_TS.test(t));
}

export function locateSources(workflowPath: string, info: GeneratorInfo, repoRoot: string): Located {
  if (info.name.startsWith('projen')) {
    const rel = info.source ?? '.projenrc.ts';
    const file = join(projectRoot(workflowPath), rel);
    return existsSync(file) ? { files: [file] } : { files: [], note: `projen source ${rel} not found next to .github` };
  }
  if (info.name === 'cdk-pipelines-github') {
    const files = cdkPipelinesSources(repoRoot);
    return files.length ? { files } : { files: [], note: 'no TS/JS file in the repository imports cdk-pipelines-github and constructs a GitHubWorkflow' };
  }
  if (info.name === 'github-actions-workflow-ts') {
    const files = workflowTsSources(repoRoot);
    return files.length ? { files } : { files: [], note: 'no *.wac.ts file in the repository imports github-actions-workflow-ts' };
  }
  return { files: [], note: `wf-fix has no source transform for ${info.name}` };
}
