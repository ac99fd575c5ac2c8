/**
 * 8. Strict shell (strict-shell) (FIXES.md). Not implemented yet: finds nothing.
 */
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';

export const meta: TransformMeta = {
  id: 'strict-shell',
  title: 'set -euo pipefail in bash scripts',
  severity: 'warning',
  fixesSection: '8. Strict shell (strict-shell)',
  description: 'Adds set -euo pipefail (or set -eo pipefail) to multi-line bash scripts.',
};

function find(_ctx: TransformContext): Finding[] {
  return [];
}

function fix(_ctx: TransformContext, _finding: Finding): Fix | undefined {
  return undefined;
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
