/**
 * 6. Retries (deploy-retry) (FIXES.md). Not implemented yet: finds nothing.
 */
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';

export const meta: TransformMeta = {
  id: 'deploy-retry',
  title: 'Bounded retries around deploy commands',
  severity: 'warning',
  fixesSection: '6. Retries (deploy-retry)',
  description: 'Wraps deploy commands in a bounded retry loop with backoff.',
};

function find(_ctx: TransformContext): Finding[] {
  return [];
}

function fix(_ctx: TransformContext, _finding: Finding): Fix | undefined {
  return undefined;
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
