/** `.github/actions/wf-fix-rollback`: roll back the stacks of a failed production deploy (prod-rollback). */
import { ASSEMBLY_ENV, STACKS_ENV, rollbackScript } from '../../transforms/shell/rollback.js';
import { compositeActionBody } from './composite.js';
import { actionPath } from './action-path.js';
import type { RepositoryFileSpec } from './registry.js';

export const ROLLBACK_ID = 'rollback';

export const ROLLBACK_ACTION: RepositoryFileSpec = {
  id: ROLLBACK_ID,
  path: actionPath(ROLLBACK_ID),
  owners: ['prod-rollback'],
  body: compositeActionBody({
    name: 'wf-fix rollback',
    description: 'Cancels, rolls back or continues the rollback of each stack by its CloudFormation state, waits, reports failed events, and fails.',
    inputs: {
      assembly: { description: 'Cloud assembly (cdk.out) whose stacks to roll back, relative to the workspace; empty for none.', default: '' },
      stacks: { description: 'Stack names to roll back, separated by spaces (deploys that name their stacks).', default: '' },
    },
    steps: [{
      shell: 'bash',
      env: { [ASSEMBLY_ENV]: '${{ inputs.assembly }}', [STACKS_ENV]: '${{ inputs.stacks }}' },
      run: rollbackScript({ assembly: true, named: true, whenSet: true }),
    }],
  }),
};
