/**
 * 3. Decrypt after download (kms-decrypt-artifacts) (FIXES.md). Not implemented yet: finds nothing.
 */
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';

export const meta: TransformMeta = {
  id: 'kms-decrypt-artifacts',
  title: 'Decrypt KMS-encrypted artifacts after download',
  severity: 'error',
  fixesSection: '3. Decrypt after download (kms-decrypt-artifacts)',
  description: 'Decrypts and verifies encrypted artifacts after download-artifact.',
};

function find(_ctx: TransformContext): Finding[] {
  return [];
}

function fix(_ctx: TransformContext, _finding: Finding): Fix | undefined {
  return undefined;
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
