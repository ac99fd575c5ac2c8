/** `.github/actions/wf-fix-cdk-stacks`: the stack names a CDK cloud assembly declares (stack-discovery). */
import { stacksOutputScript } from '../../transforms/shell/stacks.js';
import { compositeActionBody } from './composite.js';
import { actionPath } from './action-path.js';
import type { RepositoryFileSpec } from './registry.js';

export const CDK_STACKS_ID = 'cdk-stacks';

export const CDK_STACKS_ACTION: RepositoryFileSpec = {
  id: CDK_STACKS_ID,
  path: actionPath(CDK_STACKS_ID),
  owners: ['stack-discovery'],
  body: compositeActionBody({
    name: 'wf-fix CDK stacks',
    description: 'Stack names declared by a CDK cloud assembly (manifest.json), stage assemblies included, one per line.',
    inputs: { assembly: { description: 'Directory of the cloud assembly, relative to the workspace.', default: 'cdk.out' } },
    outputs: { stacks: { description: 'The CloudFormation stack names, one per line.', value: '${{ steps.stacks.outputs.stacks }}' } },
    steps: [{ id: 'stacks', shell: 'bash', env: { CDK_ASSEMBLY: '${{ inputs.assembly }}' }, run: stacksOutputScript() }],
  }),
};
