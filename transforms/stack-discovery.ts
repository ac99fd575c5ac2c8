/**
 * 5. Hard-coded stack names (stack-discovery) (FIXES.md). Not implemented yet: finds nothing.
 */
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';

export const meta: TransformMeta = {
  id: 'stack-discovery',
  title: 'Hard-coded stack names -> discovery from cdk.out',
  severity: 'warning',
  fixesSection: '5. Hard-coded stack names (stack-discovery)',
  description: 'Reads stack names from cdk.out/manifest.json instead of literals.',
};

function find(_ctx: TransformContext): Finding[] {
  return [];
}

function fix(_ctx: TransformContext, _finding: Finding): Fix | undefined {
  return undefined;
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
