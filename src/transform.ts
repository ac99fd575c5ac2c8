/**
 * The contract every fix implements (ESLint-rule shaped): metadata, `find()`
 * returning findings with locations, and `fix()` returning text edits plus
 * the document paths those edits are allowed to change.
 */
import type { Config } from './config.js';
import type { TextEdit } from './workflow/edits.js';
import type { Path, Workflow } from './workflow/model.js';

export type Severity = 'error' | 'warning' | 'note';

export interface TransformMeta {
  /** Stable id used by --only/--skip, config and reports. */
  id: string;
  title: string;
  severity: Severity;
  /** The FIXES.md section this transform implements, e.g. "1. Long-lived keys -> OIDC". */
  fixesSection: string;
  /** One paragraph for --help, SARIF rule help and the README. */
  description: string;
}

export interface Finding {
  ruleId: string;
  message: string;
  /** Offset in the working text the finding points at. */
  offset: number;
  /** Path of the node concerned (job, step, ...). */
  path: Path;
  /** Extra lines for the user: secrets to delete, IAM needed, why a fix was skipped. */
  notes?: string[];
  /** Transform-private data handed from find() to fix(). */
  data?: unknown;
  /** False for report-only findings. */
  fixable: boolean;
}

/**
 * Where a fix may change the parsed document: `path` and everything under it,
 * or, with `insertOnly`, only new items inserted into the sequence at `path`.
 */
export interface Declared {
  path: Path;
  insertOnly?: boolean;
}

export interface Fix {
  edits: TextEdit[];
  declares: Declared[];
  /** Shell scripts (run: bodies) this fix generated or modified, for `bash -n`. */
  scripts?: string[];
  /**
   * Ids of generated repository files (src/actions/registry.ts) the edited
   * workflow relies on, e.g. a composite action its new `uses:` step runs.
   * The run creates or updates them once per repository.
   */
  repositoryFiles?: string[];
}

/** What a package.json in the repository declares as `scripts` (read, never run). */
export interface PackageScripts {
  /** Repository-relative path of the package.json, for notes. */
  file: string;
  /** Script name -> body; undefined when there is no package.json or it could not be read. */
  scripts?: Record<string, string>;
  /** Why an existing package.json was ignored (malformed, too large, outside the repository). */
  problem?: string;
}

/** package.json scripts of a repository-relative directory (`.` is the repository root). */
export type PackageScriptsLookup = (dir: string) => PackageScripts;

export interface TransformContext {
  wf: Workflow;
  text: string;
  config: Config;
  /** Path of the file, as given on the command line (for messages). */
  file: string;
  /** package.json scripts near the workflow's repository; absent (e.g. in tests) means none are known. */
  packageScripts?: PackageScriptsLookup;
}

export interface Transform {
  meta: TransformMeta;
  find(ctx: TransformContext): Finding[];
  /** Edits for one finding; throw EditRefused (with the reason) to skip it. */
  fix(ctx: TransformContext, finding: Finding): Fix | undefined;
}
