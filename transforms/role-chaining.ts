/**
 * 4. Cross-account role chaining (role-chaining) (FIXES.md). Not implemented yet: finds nothing.
 */
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';

export const meta: TransformMeta = {
  id: 'role-chaining',
  title: 'Cross-account deploys through role chaining',
  severity: 'error',
  fixesSection: '4. Cross-account role chaining (role-chaining)',
  description: 'Splits cross-account credential steps into a base OIDC step and a role-chaining: true step.',
};

function find(_ctx: TransformContext): Finding[] {
  return [];
}

function fix(_ctx: TransformContext, _finding: Finding): Fix | undefined {
  return undefined;
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
