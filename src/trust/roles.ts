/**
 * What a fixed workflow asks of IAM: each role a job assumes through OIDC
 * (with the subjects its token carries), each chained role with the base
 * role it is assumed from, and the KMS calls the wf-fix artifact steps make
 * with whichever role is active at them.
 */
import { getNode, toPlainNode } from '../yaml.js';
import { isSkip, modelWorkflow, type Job, type Workflow } from '../workflow/model.js';
import type { Document } from '../yaml.js';
import { effectiveRole, hasKeyInputs, isChainedStep, isConfigureStep, isOidcStep, withValue } from '../../transforms/shared/aws.js';
import { isDecryptStep, isEncryptStep } from '../../transforms/shared/artifacts.js';
import { kmsStepValue } from '../../transforms/shared/crypto-step.js';
import { jobSubjects, triggersOf, type Subject } from './subjects.js';

export const DEFAULT_AUDIENCE = 'sts.amazonaws.com';

export type RoleUse =
  | { kind: 'oidc'; role: string; job: string; audience: string; subjects: Subject[] }
  | { kind: 'chained'; role: string; job: string; base?: string; skipTagging: boolean }
  | { kind: 'kms'; role: string; job: string; action: 'kms:GenerateDataKey' | 'kms:Decrypt'; alias: string };

export interface WorkflowRoles {
  uses: RoleUse[];
  notes: string[];
}

export interface RoleContext {
  defaultBranch: string;
  defaultBranchKnown: boolean;
  kmsKeyAlias: string;
}

const isTrue = (v: string | undefined) => /^true$/i.test(v ?? '');

function jobUses(wf: Workflow, job: Job, ctx: RoleContext, triggers: ReturnType<typeof triggersOf>, notes: string[]): RoleUse[] {
  const uses: RoleUse[] = [];
  let active: string | undefined;
  let subjects: Subject[] | undefined;
  for (const step of job.steps) {
    if (isConfigureStep(step)) {
      const role = effectiveRole(wf, job, step);
      if (isOidcStep(step)) {
        if (!subjects) {
          const js = jobSubjects(job, triggers, ctx.defaultBranch, ctx.defaultBranchKnown);
          subjects = js.subjects;
          notes.push(...js.notes);
        }
        uses.push({ kind: 'oidc', role: role!, job: job.id, audience: withValue(step, 'audience') ?? DEFAULT_AUDIENCE, subjects });
        active = role;
      } else if (isChainedStep(step) && role) {
        if (!active) notes.push(`job '${job.id}': the chained role ${role} has no OIDC base role before it in the job`);
        uses.push({ kind: 'chained', role, job: job.id, base: active, skipTagging: isTrue(withValue(step, 'role-skip-session-tagging')) });
        active = role;
      } else {
        if (hasKeyInputs(step)) notes.push(`job '${job.id}': a configure-aws-credentials step still uses access keys (not fixed): no trust policy for it`);
        active = undefined;
      }
    } else if ((isEncryptStep(step) || isDecryptStep(step)) && active) {
      const alias = kmsStepValue(step, 'keyAlias') ?? ctx.kmsKeyAlias;
      uses.push({ kind: 'kms', role: active, job: job.id, action: isEncryptStep(step) ? 'kms:GenerateDataKey' : 'kms:Decrypt', alias });
    }
  }
  return uses;
}

/** Role uses of one fixed workflow text; composite actions and non-workflows give none. */
export function workflowRoles(doc: Document.Parsed, text: string, ctx: RoleContext): WorkflowRoles {
  const wf = modelWorkflow(doc, text);
  if (isSkip(wf)) return { uses: [], notes: [] };
  const notes: string[] = [];
  if (wf.kind === 'composite') {
    if (wf.jobs.some((j) => j.steps.some(isOidcStep))) notes.push('composite action assumes a role: its subject is that of the calling workflow');
    return { uses: [], notes };
  }
  const triggers = triggersOf(toPlainNode(getNode(wf.root, 'on')));
  const uses = wf.jobs.flatMap((job) => jobUses(wf, job, ctx, triggers, notes));
  return { uses, notes: [...new Set(notes)] };
}
