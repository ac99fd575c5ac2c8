/**
 * Test helper: run a generated composite action's steps the way the runner
 * does. `with:` values become the `inputs` context (defaults filled in,
 * unknown inputs rejected); each step's `env:` and the action's `outputs`
 * are evaluated (`${{ inputs.* }}` and `${{ steps.<id>.outputs.* }}` only:
 * anything else throws, so an expression the helper cannot evaluate fails
 * the test); composite actions get no INPUT_* variables; step outputs are
 * read back from $GITHUB_OUTPUT (`name=value` and `name<<DELIMITER` forms).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseYaml, toPlain } from '../src/yaml.js';

interface ActionStep { id?: string; shell?: string; env?: Record<string, string>; run?: string; if?: string; uses?: string }
interface ActionDoc {
  inputs?: Record<string, { required?: boolean; default?: string }>;
  outputs?: Record<string, { value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

export interface ScriptResult { status: number; stdout: string; stderr: string }
export type Exec = (script: string, env: Record<string, string>) => ScriptResult;

export interface CompositeResult extends ScriptResult {
  /** The action's outputs, as a calling workflow's `steps.<id>.outputs` would see them. */
  outputs: Record<string, string>;
}

/** Read a $GITHUB_OUTPUT file. */
export function parseGithubOutput(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (!line) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2]!, i + 1);
      if (end < 0) throw new Error(`GITHUB_OUTPUT: no closing ${heredoc[2]}`);
      out[heredoc[1]!] = lines.slice(i + 1, end).join('\n');
      i = end;
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`GITHUB_OUTPUT: malformed line ${JSON.stringify(line)}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function evaluate(value: string, inputs: Record<string, string>, steps: Record<string, Record<string, string>>): string {
  return value.replace(/\$\{\{\s*([^}]*?)\s*\}\}/g, (_, expr: string) => {
    const input = /^inputs\.([\w-]+)$/.exec(expr);
    if (input) {
      if (!(input[1]! in inputs)) throw new Error(`the action has no input ${input[1]}`);
      return inputs[input[1]!]!;
    }
    const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expr);
    if (output) return steps[output[1]!]?.[output[2]!] ?? '';
    throw new Error(`expression not evaluated by this helper: ${expr}`);
  });
}

/** Run the composite action `body` with `with` inputs; `exec` runs one bash script with its environment. */
export function runComposite(body: string, withInputs: Record<string, string>, exec: Exec, env: Record<string, string> = {}): CompositeResult {
  const doc = toPlain(parseYaml(body).docs[0]!) as ActionDoc;
  if (doc.runs.using !== 'composite') throw new Error('not a composite action');
  const declared = doc.inputs ?? {};
  for (const k of Object.keys(withInputs)) if (!(k in declared)) throw new Error(`unexpected input ${k}`);
  const inputs: Record<string, string> = {};
  for (const [k, v] of Object.entries(declared)) {
    if (k in withInputs) inputs[k] = withInputs[k]!;
    else if (v.required) throw new Error(`input ${k} is required`);
    else inputs[k] = v.default ?? '';
  }
  const steps: Record<string, Record<string, string>> = {};
  const result: ScriptResult = { status: 0, stdout: '', stderr: '' };
  const tmp = mkdtempSync(join(tmpdir(), 'wf-fix-composite-'));
  doc.runs.steps.forEach((step, i) => {
    if (result.status !== 0) return; // a failed step skips the rest (no step here has an if:)
    if (step.uses || step.if || step.shell !== 'bash' || step.run === undefined) throw new Error(`step ${i}: only shell: bash run: steps without if: are supported`);
    const outputFile = join(tmp, `output-${i}`);
    writeFileSync(outputFile, '');
    const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(String(v), inputs, steps)]));
    const r = exec(step.run, { ...env, ...stepEnv, GITHUB_OUTPUT: outputFile });
    result.status = r.status;
    result.stdout += r.stdout;
    result.stderr += r.stderr;
    if (step.id) steps[step.id] = parseGithubOutput(readFileSync(outputFile, 'utf8'));
  });
  const outputs = Object.fromEntries(Object.entries(doc.outputs ?? {}).map(([k, v]) => [k, evaluate(v.value, inputs, steps)]));
  return { ...result, outputs };
}
