/**
 * Generator sources in a run: a source file given as an argument is
 * processed directly; a generated workflow (header detected by the engine,
 * YAML left alone) has its source located and processed once per run. The
 * source's diff joins the same unified diff; the user is told the command that
 * regenerates the YAML (never run by wf-fix).
 */
import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { unifiedDiff } from '../diff.js';
import { displayPath } from '../paths.js';
import type { FileResult, RunOptions } from '../run.js';
import { generatorInfo } from '../workflow/generated.js';
import { decodeSource } from '../workflow/source.js';
import { writeIfUnchanged } from '../write.js';
import { runSourceTransform, type SourceTransform } from '../../transforms/generators/shared.js';
import { REGENERATE as CDK_REGENERATE, transform as cdkPipelinesGithub } from '../../transforms/generators/cdk-pipelines-github.js';
import { REGENERATE as PROJEN_REGENERATE, transform as projen } from '../../transforms/generators/projen.js';
import { locateSources } from './locate.js';

const WORKFLOW_TS_REGENERATE = 'npx gwf build';

/**
 * cdk-pipelines-github sources import the library; anything else is read as
 * projen-style workflow objects (github-actions-workflow-ts `*.wac.ts` files
 * too: plain step/job objects, regenerated with `npx gwf build`).
 */
export function sourceTransformFor(text: string): { transform: SourceTransform; regenerate: string } {
  if (/['"]cdk-pipelines-github['"]/.test(text)) return { transform: cdkPipelinesGithub, regenerate: CDK_REGENERATE };
  if (/['"](?:@github-actions-workflow-ts\/lib|github-actions-workflow-ts(?:-lib)?)['"]/.test(text)) return { transform: projen, regenerate: WORKFLOW_TS_REGENERATE };
  return { transform: projen, regenerate: PROJEN_REGENERATE };
}


export interface SourceDeps {
  cwd: string;
  write: boolean;
  /** Config for a file (throws ConfigError). */
  configFor(file: string): Config;
  repositoryRoot(file: string): string;
  /** The source transforms implement oidc-auth: they run when it does. */
  enabled(config: Config): boolean;
}

export function sourceDeps(opts: RunOptions, configs: { forFile(f: string): Config }, repositoryRoot: (f: string) => string): SourceDeps {
  return {
    cwd: opts.cwd,
    write: opts.write,
    configFor: (f) => configs.forFile(f),
    repositoryRoot,
    enabled: (config) => !(opts.only?.length && !opts.only.includes('oidc-auth')) && !opts.skip?.includes('oidc-auth') && config.transforms['oidc-auth'] !== false,
  };
}

function regenerateNote(cmd: string): string {
  return `then regenerate the workflow YAML with \`${cmd}\` (wf-fix does not run it)`;
}

/** Run the matching source transform over one TS/JS file. */
export function processSourceFile(absPath: string, deps: SourceDeps): FileResult {
  const path = displayPath(deps.cwd, absPath);
  const base: FileResult = { path, absPath, diff: '', written: false, findings: [], status: 'unchanged' };
  let config: Config;
  let bytes: Buffer;
  try {
    config = deps.configFor(absPath);
    bytes = readFileSync(absPath);
  } catch (e) {
    return { ...base, status: 'error', reason: (e as NodeJS.ErrnoException).code ? `cannot read: ${(e as NodeJS.ErrnoException).code}` : (e as Error).message };
  }
  if (!deps.enabled(config)) return { ...base, status: 'skipped', reason: 'oidc-auth is not selected' };
  const raw = bytes.toString('utf8');
  const { transform, regenerate } = sourceTransformFor(raw);
  const out = runSourceTransform(transform, raw, absPath, config);
  if (out.status === 'error') return { ...base, status: 'error', reason: out.reason };
  const note = regenerateNote(regenerate);
  for (const f of out.findings) if (f.fixed) f.notes.push(note);
  const result: FileResult = { ...base, status: out.status, findings: out.findings, diff: unifiedDiff(path, raw, out.output) };
  if (deps.write && out.status === 'changed') {
    const err = writeIfUnchanged(absPath, bytes, out.output);
    if (err) return { ...result, status: 'error', reason: err };
    result.written = true;
  }
  return result;
}

/**
 * For every generated workflow among `results`: locate its source, process it
 * (once per run), and point the workflow's findings at it. Returns the
 * results for the source files.
 */
export function generatorSources(results: readonly FileResult[], deps: SourceDeps): FileResult[] {
  const out: FileResult[] = [];
  const byPath = new Map<string, FileResult>();
  for (const r of results) byPath.set(r.absPath, r);
  for (const r of results) {
    if (!r.generator || r.status === 'error') continue;
    let info;
    try {
      info = generatorInfo(decodeSource(readFileSync(r.absPath, 'utf8')).text);
    } catch {
      continue;
    }
    if (!info) continue;
    let config: Config;
    try {
      config = deps.configFor(r.absPath);
    } catch {
      continue;
    }
    if (!deps.enabled(config)) continue;
    const located = locateSources(r.absPath, info, deps.repositoryRoot(r.absPath));
    const sources: FileResult[] = [];
    for (const file of located.files) {
      let s = byPath.get(file);
      if (!s) {
        s = processSourceFile(file, deps);
        byPath.set(file, s);
        out.push(s);
      }
      sources.push(s);
    }
    const changed = sources.filter((s) => s.status === 'changed').map((s) => s.path);
    for (const f of r.findings) {
      // The source transforms implement oidc-auth only; other rules stay "fix the generator source".
      if (!f.skippedBecause?.startsWith('generated by') || f.ruleId !== 'oidc-auth') continue;
      if (changed.length) f.skippedBecause = `generated by ${info.name}: fixed in ${changed.join(', ')} instead; ${regenerateNote(info.regenerate)}`;
      else if (located.note) f.skippedBecause += ` (${located.note})`;
      else if (sources.length) f.skippedBecause += ` (${sources.map((s) => s.path).join(', ')}: ${sources.some((s) => s.findings.some((x) => !x.fixed)) ? 'see its findings' : 'nothing wf-fix can rewrite there'})`;
    }
  }
  return out;
}
