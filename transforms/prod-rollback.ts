/**
 * 7. Production rollback (prod-rollback) (FIXES.md). Not implemented yet: finds nothing.
 */
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';

export const meta: TransformMeta = {
  id: 'prod-rollback',
  title: 'Rollback of failed production deploys',
  severity: 'error',
  fixesSection: '7. Production rollback (prod-rollback)',
  description: 'Adds a rollback step keyed on the deploy step outcome for production jobs.',
};

function find(_ctx: TransformContext): Finding[] {
  return [];
}

function fix(_ctx: TransformContext, _finding: Finding): Fix | undefined {
  return undefined;
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
