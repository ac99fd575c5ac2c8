/**
 * Which shell a `run:` step runs under: step `shell`, job and workflow
 * `defaults.run.shell`, else the runner's default. One decision for the
 * engine's syntax check and for the transforms that rewrite bash.
 */
import type { Job, Step, Workflow } from './model.js';
import { getNode, isScalar, scalarString, toPlainNode } from '../yaml.js';
import { chain, expressionBody, findExpressions, parseExpression } from '../../transforms/shell/expr-lexer.js';
import { matrixValues } from './matrix.js';

/** The language a run: script is written in, for the transforms that rewrite it. */
export type ShellFamily = 'bash' | 'sh' | 'pwsh' | 'cmd' | 'python' | 'other' | 'unknown';

export interface ShellChoice {
  bash: boolean;
  family: ShellFamily;
  /** What the step runs under, for messages: `bash`, `bash -e (default)`, `pwsh`, ... */
  shell: string;
  /** `shell: bash` (or a bash template with pipefail) already runs with -eo pipefail. */
  pipefail: boolean;
}

function runsOnText(job: Job): string {
  const node = getNode(job.node, 'runs-on');
  if (isScalar(node)) return scalarString(node) ?? '';
  return node ? JSON.stringify(toPlainNode(node)) : '';
}

function familyOf(first: string): ShellFamily {
  const base = first.replace(/^.*[\\/]/, '').replace(/\.exe$/i, '').toLowerCase();
  if (base === 'bash') return 'bash';
  if (base === 'sh') return 'sh';
  if (base === 'pwsh' || base === 'powershell') return 'pwsh';
  if (base === 'cmd') return 'cmd';
  if (base === 'python' || base === 'python3') return 'python';
  return 'other';
}

export type RunnerOs = 'windows' | 'posix' | 'unknown';

/**
 * The runner family of a job: Windows, Linux/macOS (posix), or unknown. A
 * `runs-on` made of `${{ matrix.X }}` is resolved against a literal matrix:
 * posix when every value (include: entries too) is, Windows when every one is.
 */
export function runnerOs(job: Job): RunnerOs {
  const runsOn = runsOnText(job);
  const keys: string[] = [];
  let rest = '';
  let at = 0;
  for (const e of findExpressions(runsOn)) {
    rest += runsOn.slice(at, e.start);
    at = e.end;
    let ref: string[] | undefined;
    try { ref = chain(parseExpression(expressionBody(e.text))); } catch { ref = undefined; }
    if (ref?.length !== 2 || ref[0]!.toLowerCase() !== 'matrix' || ref[1] === '*') return 'unknown';
    keys.push(ref[1]!);
  }
  rest += runsOn.slice(at);
  if (/windows/i.test(rest)) return 'windows';
  const values: string[] = [];
  for (const key of keys) {
    const found = matrixValues(job, key);
    if (!found || found.expressions.length || !found.values.length) return 'unknown';
    values.push(...found.values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))));
  }
  const windows = values.filter((v) => /windows/i.test(v)).length;
  if (windows === 0) return 'posix';
  return windows === values.length ? 'windows' : 'unknown';
}

/** The shell a run: step uses: step `shell`, job/workflow `defaults.run.shell`, else the runner default. */
export function stepShell(wf: Workflow, job: Job, step: Step): ShellChoice {
  const explicit = step.shell ?? job.defaultShell ?? (wf.kind === 'workflow' ? wf.defaultShell : undefined);
  if (explicit !== undefined) {
    const first = explicit.trim().split(/\s+/)[0] ?? '';
    const family = familyOf(first);
    const bash = family === 'bash';
    return { bash, family, shell: explicit, pipefail: explicit === 'bash' || (bash && /pipefail/.test(explicit)) };
  }
  if (wf.kind === 'composite') return { bash: false, family: 'unknown', shell: '(none: composite steps must name a shell)', pipefail: false };
  const os = runnerOs(job);
  if (os === 'windows') return { bash: false, family: 'pwsh', shell: 'pwsh (Windows default)', pipefail: false };
  if (os === 'unknown') return { bash: false, family: 'unknown', shell: `unknown (runs-on: ${runsOnText(job)})`, pipefail: false };
  return { bash: true, family: 'bash', shell: 'bash -e (default)', pipefail: false };
}

/** The script is checked with `bash -n`: it runs under bash, or under sh (close enough for syntax). */
export function isShellScriptStep(wf: Workflow, job: Job, step: Step): boolean {
  const family = stepShell(wf, job, step).family;
  return family === 'bash' || family === 'sh';
}
