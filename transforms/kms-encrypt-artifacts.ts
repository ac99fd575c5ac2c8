/**
 * 2. Encrypt artifacts before upload (kms-encrypt-artifacts) (FIXES.md). Not implemented yet: finds nothing.
 */
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';

export const meta: TransformMeta = {
  id: 'kms-encrypt-artifacts',
  title: 'Encrypt deploy artifacts with KMS before upload',
  severity: 'error',
  fixesSection: '2. Encrypt artifacts before upload (kms-encrypt-artifacts)',
  description: 'Adds KMS envelope encryption before upload-artifact of deploy inputs.',
};

function find(_ctx: TransformContext): Finding[] {
  return [];
}

function fix(_ctx: TransformContext, _finding: Finding): Fix | undefined {
  return undefined;
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
