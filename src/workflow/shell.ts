/**
 * Which shell a `run:` step runs under: step `shell`, job and workflow
 * `defaults.run.shell`, else the runner's default. One decision for the
 * engine's syntax check and for the transforms that rewrite bash.
 */
import type { Job, Step, Workflow } from './model.js';
import { getNode, isScalar, scalarString, toPlainNode } from '../yaml.js';

export interface ShellChoice {
  bash: boolean;
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

/** The shell a run: step uses: step `shell`, job/workflow `defaults.run.shell`, else the runner default. */
export function stepShell(wf: Workflow, job: Job, step: Step): ShellChoice {
  const explicit = step.shell ?? job.defaultShell ?? (wf.kind === 'workflow' ? wf.defaultShell : undefined);
  if (explicit !== undefined) {
    const first = explicit.trim().split(/\s+/)[0] ?? '';
    const bash = first === 'bash' || /\/bash$/.test(first);
    return { bash, shell: explicit, pipefail: explicit === 'bash' || (bash && /pipefail/.test(explicit)) };
  }
  if (wf.kind === 'composite') return { bash: false, shell: '(none: composite steps must name a shell)', pipefail: false };
  const runsOn = runsOnText(job);
  if (/windows/i.test(runsOn)) return { bash: false, shell: 'pwsh (Windows default)', pipefail: false };
  if (/\$\{\{/.test(runsOn)) return { bash: false, shell: `unknown (runs-on: ${runsOn})`, pipefail: false };
  return { bash: true, shell: 'bash -e (default)', pipefail: false };
}

/** The script is checked with `bash -n`: it runs under bash, or under sh (close enough for syntax). */
export function isShellScriptStep(wf: Workflow, job: Job, step: Step): boolean {
  const choice = stepShell(wf, job, step);
  return choice.bash || /^sh\b/.test(choice.shell.trim());
}
