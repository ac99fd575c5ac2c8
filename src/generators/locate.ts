/**
 * Where the source of a generated workflow lives: projen names it in the
 * header (relative to the project, i.e. the directory holding `.github`);
 * for cdk-pipelines-github, every TS/JS file of the repository that imports
 * `cdk-pipelines-github` and constructs a `GitHubWorkflow`.
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

/** TS/JS files under `root` that import cdk-pipelines-github and construct a GitHubWorkflow. */
export function cdkPipelinesSources(root: string): string[] {
  const out: string[] = [];
  let scanned = 0;
  walkSorted(root, {
    enter: (name) => !SKIP_DIRS.has(name) && !(name.startsWith('.') && name !== '.projenrc'),
    visit: (p, e) => {
      if (!e.isFile() || !isSourceFile(p)) return;
      scanned++;
      try {
        if (statSync(p).size <= MAX_BYTES) {
          const text = readFileSync(p, 'utf8');
          if (IMPORTS_CDK_PIPELINES_GITHUB.test(text) && NEW_GITHUB_WORKFLOW.test(text)) out.push(p);
        }
      } catch {
        /* unreadable: skip */
      }
      return scanned < MAX_SCANNED;
    },
  });
  return out;
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
  return { files: [], note: `wf-fix has no source transform for ${info.name}` };
}
