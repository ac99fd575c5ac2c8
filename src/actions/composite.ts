/**
 * The text of a generated composite action (action.yml body, below the
 * registry's header line). Inputs reach `run:` scripts only through `env:`
 * (`inputsInRunScripts` in ./registry.ts checks it); scripts are the same
 * generators the inline fallback uses, so the two cannot drift.
 */
import { renderMapping, type YamlValue } from '../workflow/primitives.js';

export interface ActionInput {
  description: string;
  required?: boolean;
  default?: string;
}

export interface CompositeAction {
  name: string;
  description: string;
  inputs: Record<string, ActionInput>;
  outputs?: Record<string, { description: string; value: string }>;
  steps: YamlValue[];
}

export function compositeActionBody(a: CompositeAction): string {
  const inputs = Object.fromEntries(Object.entries(a.inputs).map(([k, v]) => [k, {
    description: v.description,
    required: v.required ?? false,
    ...(v.default !== undefined ? { default: v.default } : {}),
  }]));
  const doc: Record<string, YamlValue> = {
    name: a.name,
    description: a.description,
    inputs,
    ...(a.outputs ? { outputs: a.outputs } : {}),
    runs: { using: 'composite', steps: a.steps },
  };
  // A blank script line is an empty line, not indentation (no trailing whitespace in the patch).
  return renderMapping(doc, 2).map((l) => (l.trim() === '' ? '' : l)).join('\n') + '\n';
}
