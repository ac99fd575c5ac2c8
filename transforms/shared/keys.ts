/**
 * Long-lived key material in a workflow: the key inputs and `env:` entries fed
 * from secrets, which secrets only they use, and the configure-aws-credentials
 * version and base OIDC step every credential fix writes. Shared by oidc-auth,
 * role-chaining and kms-encrypt-artifacts (a build job without credentials).
 */
import type { TransformContext } from '../../src/transform.js';
import type { TextEdit } from '../../src/workflow/edits.js';
import type { Job, Step } from '../../src/workflow/model.js';
import type { YamlValue } from '../../src/workflow/primitives.js';
import { getPair, isScalar, scalarString, type Pair, type YamlNode, type YAMLMap } from '../../src/yaml.js';
import {
  baseRoleFor, bumpMajor, CONFIGURE_ACTION, CONFIGURE_INPUTS, hasKeyInputs, isShaPin, KEY_ENV_VARS, KEY_INPUTS, majorVersion, regionExpressionFor, roleNote, sessionNameFor, sessionNamesIn,
} from './aws.js';

/** The lowest configure-aws-credentials major the fixes emit (node20). */
export const MIN_MAJOR = 4;

const SECRET_REF = /\$\{\{\s*secrets\.([A-Za-z_][\w]*)\s*\}\}/g;

function secretsIn(s: string): string[] {
  return [...s.matchAll(SECRET_REF)].map((m) => m[1]!);
}

export function keyEnvPairs(map: YAMLMap | undefined): Pair[] {
  if (!map) return [];
  return map.items.filter((p) => {
    const k = scalarString(p.key);
    return k !== undefined && (KEY_ENV_VARS as readonly string[]).includes(k) && /\$\{\{\s*secrets\./.test(scalarString(p.value) ?? '');
  }) as Pair[];
}

/** Secrets referenced only by key inputs/env entries that the fix removes. */
export function unreferencedSecrets(ctx: TransformContext): string[] {
  const removed = new Set<string>();
  const spans: [number, number][] = [];
  const note = (pair: Pair | undefined) => {
    if (!pair) return;
    const v = pair.value as YamlNode | null;
    for (const s of secretsIn(scalarString(v) ?? '')) removed.add(s);
    spans.push([(pair.key as YamlNode).range![0], v?.range?.[1] ?? (pair.key as YamlNode).range![1]]);
  };
  for (const job of ctx.wf.jobs) {
    for (const step of job.steps) {
      if (hasKeyInputs(step)) for (const k of KEY_INPUTS) note(getPair(step.with, k) as Pair | undefined);
      keyEnvPairs(step.env).forEach(note);
    }
    keyEnvPairs(job.env).forEach(note);
  }
  keyEnvPairs(ctx.wf.env).forEach(note);
  const kept: string[] = [];
  let pos = 0;
  for (const [a, b] of spans.sort((x, y) => x[0] - y[0])) {
    if (a > pos) kept.push(ctx.text.slice(pos, a));
    pos = Math.max(pos, b);
  }
  kept.push(ctx.text.slice(pos));
  const rest = kept.join('');
  const still = new Set(secretsIn(rest));
  return [...removed].filter((s) => !still.has(s)).sort();
}

/** Bump configure-aws-credentials to MIN_MAJOR (a SHA pin is kept, with a note). */
export function refreshVersion(step: Step, notes: string[]): TextEdit[] {
  const usesNode = getPair(step.node, 'uses')?.value as YamlNode | undefined;
  if (!usesNode || !isScalar(usesNode)) return [];
  const unknown = (step.with?.items ?? []).map((p) => scalarString(p.key) ?? '').filter((k) => !CONFIGURE_INPUTS.has(k));
  if (unknown.length && (majorVersion(step.ref) ?? MIN_MAJOR) < MIN_MAJOR) {
    // v4 rejects inputs it does not define: moving such a step would trade a silent typo for a failing step.
    notes.push(`kept ${CONFIGURE_ACTION}@${step.ref}: ${unknown.map((k) => `'${k}'`).join(', ')} ${unknown.length === 1 ? 'is not an input' : 'are not inputs'} of v${MIN_MAJOR} (a typo?); correct ${unknown.length === 1 ? 'it' : 'them'}, then move to v${MIN_MAJOR}`);
    return [];
  }
  if (isShaPin(step.ref)) {
    notes.push(`${CONFIGURE_ACTION} is pinned to a SHA: keep the pin but make sure it is v${MIN_MAJOR} or later (v${MIN_MAJOR} runs on node20; role chaining needs >= v2.1.0)`);
    return [];
  }
  if (majorVersion(step.ref) === undefined) notes.push(`${CONFIGURE_ACTION}@${step.ref ?? '(no ref)'} is not a version tag: pin it to v${MIN_MAJOR} or later`);
  return bumpMajor(step, MIN_MAJOR);
}

/**
 * A new base OIDC configure step for `job`, to go before `before`: role from
 * config, else the workflow's own OIDC role, else vars.AWS_ROLE_ARN (the
 * choice is noted); a session name unique in the workflow.
 */
export function baseCredentialStep(ctx: TransformContext, job: Job, before: Step | undefined, notes: string[]): Record<string, YamlValue> {
  const choice = baseRoleFor(ctx.config, ctx.wf, job);
  notes.push(roleNote(choice));
  return {
    name: 'Configure AWS credentials (OIDC)',
    uses: `${CONFIGURE_ACTION}@v${MIN_MAJOR}`,
    with: {
      'role-to-assume': choice.role,
      'role-session-name': sessionNameFor(job.id, sessionNamesIn(ctx.wf)),
      'aws-region': regionExpressionFor(ctx.wf, job, before),
    },
  };
}
