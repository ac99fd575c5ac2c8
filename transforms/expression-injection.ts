/**
 * 9. Expression injection (expression-injection) (FIXES.md). Not implemented yet: finds nothing.
 */
import type { Finding, Fix, Transform, TransformContext, TransformMeta } from '../src/transform.js';
import { jscodeshiftAdapter } from './shared/jscodeshift-adapter.js';

export const meta: TransformMeta = {
  id: 'expression-injection',
  title: 'Expression injection -> env:',
  severity: 'error',
  fixesSection: '9. Expression injection (expression-injection)',
  description: 'Moves ${{ }} expressions of untrusted data out of run: scripts into env:.',
};

function find(_ctx: TransformContext): Finding[] {
  return [];
}

function fix(_ctx: TransformContext, _finding: Finding): Fix | undefined {
  return undefined;
}

export const transform: Transform = { meta, find, fix };
export default jscodeshiftAdapter(transform);
