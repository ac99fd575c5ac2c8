/**
 * Bash for the production rollback step (FIXES.md section 7). Acts on each
 * stack the cloud assembly declares, by its CloudFormation state:
 *   UPDATE_IN_PROGRESS             -> cancel-update-stack
 *   UPDATE_FAILED / CREATE_FAILED  -> rollback-stack
 *   UPDATE_ROLLBACK_FAILED         -> continue-update-rollback
 *   other *_IN_PROGRESS            -> wait (CloudFormation is already rolling back)
 * then waits until the stack settles, acts again if it settled in a state
 * that needs it, reports the failed events, and always exits non-zero so the
 * job stays failed. Stack names come from discovery (./stacks.ts) over the
 * assembly named by $CDK_ASSEMBLY (CDK deploys), and/or from
 * $ROLLBACK_STACKS (space-separated names the deploy commands gave: `sam
 * deploy`, `aws cloudformation deploy --stack-name X`), both set in the step's env:.
 * ROLLBACK_POLL_SECONDS (default 15) and ROLLBACK_MAX_POLLS (default 240)
 * bound the wait.
 */
import { discoverStacks } from './stacks.js';

export const ASSEMBLY_ENV = 'CDK_ASSEMBLY';
export const STACKS_ENV = 'ROLLBACK_STACKS';

/** Where the stacks to roll back come from: the cloud assembly, named stacks, or both. */
export interface RollbackSources {
  assembly: boolean;
  named: boolean;
  /**
   * Each source only when its variable is set (the rollback action,
   * src/actions/rollback.ts, serves CDK and named-stack deploys alike).
   */
  whenSet?: boolean;
}

/** Stacks from whichever of $CDK_ASSEMBLY and $ROLLBACK_STACKS is set. */
function eitherSource(): string[] {
  return [
    'CDK_STACKS=()',
    `if [ -n "\${${ASSEMBLY_ENV}:-}" ]; then`,
    ...discoverStacks(`"$${ASSEMBLY_ENV}"`).map((l) => `  ${l}`),
    'fi',
    ...namedStacks(true),
  ];
}

function namedStacks(append: boolean): string[] {
  return [
    ...(append ? [] : ['CDK_STACKS=()']),
    `read -r -a named_stacks <<< "\${${STACKS_ENV}:-}"`,
    'CDK_STACKS+=("${named_stacks[@]}")',
  ];
}

export function rollbackScript(from: RollbackSources = { assembly: true, named: false }): string {
  return [
    'set -euo pipefail',
    ...(from.whenSet ? eitherSource() : [
      ...(from.assembly ? discoverStacks(`"$${ASSEMBLY_ENV}"`) : []),
      ...(from.named ? namedStacks(from.assembly) : []),
    ]),
    'poll_seconds="${ROLLBACK_POLL_SECONDS:-15}"',
    'max_polls="${ROLLBACK_MAX_POLLS:-240}"',
    '',
    '# Current StackStatus, or NOT_DEPLOYED.',
    'stack_state() {',
    '  local out',
    `  if out="$(aws cloudformation describe-stacks --stack-name "$1" --query 'Stacks[0].StackStatus' --output text 2>&1)"; then`,
    "    printf '%s\\n' \"$out\"",
    '  elif [[ "$out" == *"does not exist"* ]]; then',
    "    printf 'NOT_DEPLOYED\\n'",
    '  else',
    "    printf '%s\\n' \"$out\" >&2",
    '    return 1',
    '  fi',
    '}',
    '',
    '# Wait until the stack is no longer *_IN_PROGRESS; print the state it settled in.',
    'wait_settled() {',
    '  local state poll',
    '  for ((poll = 0; poll < max_polls; poll++)); do',
    '    state="$(stack_state "$1")" || return 1',
    '    case "$state" in',
    '      *_IN_PROGRESS) sleep "$poll_seconds" ;;',
    '      *) printf \'%s\\n\' "$state"; return 0 ;;',
    '    esac',
    '  done',
    '  echo "::error::$1 is still in progress after $max_polls polls" >&2',
    '  return 1',
    '}',
    '',
    'report_failures() {',
    '  if ! aws cloudformation describe-stack-events --stack-name "$1" --max-items 50 \\',
    `    --query "StackEvents[?ends_with(ResourceStatus, 'FAILED')].[Timestamp,LogicalResourceId,ResourceStatus,ResourceStatusReason]" \\`,
    '    --output table; then',
    '    echo "::warning::could not read the events of $1" >&2',
    '  fi',
    '}',
    '',
    '# Act on one stack by its state until it settles; non-zero when it could not be rolled back.',
    'roll_back() {',
    '  local stack="$1" state action round acted=""',
    '  state="$(stack_state "$stack")" || return 1',
    '  for ((round = 1; round <= 4; round++)); do',
    '    case "$state" in',
    '      NOT_DEPLOYED) echo "$stack: not deployed, nothing to roll back"; return 0 ;;',
    '      UPDATE_IN_PROGRESS) action=cancel-update-stack ;;',
    '      UPDATE_FAILED | CREATE_FAILED) action=rollback-stack ;;',
    '      UPDATE_ROLLBACK_FAILED) action=continue-update-rollback ;;',
    '      *_IN_PROGRESS) action="" ;;',
    '      *_FAILED)',
    '        echo "::error::$stack is $state and needs manual repair" >&2',
    '        report_failures "$stack"',
    '        return 1 ;;',
    '      *)',
    '        echo "$stack: $state"',
    '        if [ -n "$acted" ]; then report_failures "$stack"; fi',
    '        return 0 ;;',
    '    esac',
    '    if [ -n "$action" ]; then',
    '      echo "$stack: $state -> aws cloudformation $action"',
    '      aws cloudformation "$action" --stack-name "$stack" || return 1',
    '      acted=1',
    '    else',
    '      echo "$stack: $state, waiting"',
    '    fi',
    '    state="$(wait_settled "$stack")" || return 1',
    '  done',
    '  echo "::error::$stack did not settle after 4 actions" >&2',
    '  return 1',
    '}',
    '',
    'if [ "${#CDK_STACKS[@]}" -eq 0 ]; then',
    `  echo "::error::${from.whenSet ? 'neither the cloud assembly nor the stacks input name any' : from.assembly ? 'the cloud assembly declares no' : 'the deploy named no'} stacks to roll back" >&2`,
    '  exit 1',
    'fi',
    'failed=()',
    'for stack in "${CDK_STACKS[@]}"; do',
    '  if ! roll_back "$stack"; then',
    '    failed+=("$stack")',
    '  fi',
    'done',
    'if [ "${#failed[@]}" -gt 0 ]; then',
    '  echo "::error::rollback did not complete for: ${failed[*]}" >&2',
    'fi',
    'echo "::error::the production deploy failed or was cancelled; failing the job after rollback" >&2',
    'exit 1',
    '',
  ].join('\n');
}
