/**
 * `.github/actions/wf-fix-retry/retry.sh`: bounded retries for deploy
 * commands (deploy-retry), one file per repository instead of a function
 * pasted into every deploy script. A workflow calls it on the deploy line,
 * so the deploy command stays visible where it was:
 *
 *   bash "$GITHUB_WORKSPACE"/.github/actions/wf-fix-retry/retry.sh --attempts 3 --delay 30 -- npx cdk deploy --all
 *
 * The command's words are expanded by the calling script and handed over as
 * arguments; retry.sh runs them as given (`"$@"`), never through eval. It is
 * read by `bash` (mode 100644, no exec bit needed) and written for bash 3.2
 * (macOS) as well as 5.x.
 */
import type { RepositoryFileSpec } from './registry.js';

export const RETRY_ID = 'retry';
export const RETRY_PATH = '.github/actions/wf-fix-retry/retry.sh';

/** Exit status for wrong options (nothing was run). */
export const RETRY_USAGE_STATUS = 2;

export const RETRY_BODY = `# shellcheck shell=bash
# wf-fix retry: run a command until it succeeds, at most --attempts times, and
# fail with its last exit status. A workflow calls it on the deploy line:
#   bash "$GITHUB_WORKSPACE"/${RETRY_PATH} --attempts 3 --delay 30 -- npx cdk deploy --all
# --delay is the wait after the first failed attempt; it doubles after each one
# after that (--backoff exponential, the default) or stays (--backoff fixed).
# Not retried: exit 126 or 127 (the command cannot run) and 130 or 143 (SIGINT,
# SIGTERM: the job is being cancelled). Wrong options: exit ${RETRY_USAGE_STATUS}, nothing runs.
# The command runs as given, its words already expanded by the calling script.
set -u
attempts=3
delay=30
backoff=exponential
usage() {
  echo "wf-fix retry: $1" >&2
  echo 'usage: retry.sh [--attempts N] [--delay SECONDS] [--backoff exponential|fixed] -- COMMAND [ARGUMENT...]' >&2
  exit ${RETRY_USAGE_STATUS}
}
while [ "$#" -gt 0 ]; do
  case $1 in
    --attempts | --delay | --backoff)
      [ "$#" -ge 2 ] || usage "$1 needs a value"
      case $1 in
        --attempts) attempts=$2 ;;
        --delay) delay=$2 ;;
        *) backoff=$2 ;;
      esac
      shift 2
      ;;
    --) shift; break ;;
    *) usage "unknown option '$1' (the command goes after --)" ;;
  esac
done
case $attempts in '' | *[!0-9]*) usage "--attempts takes a whole number, not '$attempts'" ;; esac
case $delay in '' | *[!0-9]*) usage "--delay takes a whole number of seconds, not '$delay'" ;; esac
case $backoff in exponential | fixed) ;; *) usage "--backoff takes exponential or fixed, not '$backoff'" ;; esac
attempts=$((10#$attempts)) delay=$((10#$delay))
[ "$attempts" -ge 1 ] || usage '--attempts must be at least 1'
[ "$#" -gt 0 ] || usage 'no command after --'
attempt=1
until "$@"; do
  status=$?
  case $status in
    126 | 127) echo "wf-fix retry: $1 cannot run (exit $status): not retried" >&2; exit "$status" ;;
    130 | 143) echo "wf-fix retry: $1 was interrupted (exit $status): not retried" >&2; exit "$status" ;;
  esac
  if [ "$attempt" -ge "$attempts" ]; then
    echo "wf-fix retry: $1 failed $attempts times; last exit status $status" >&2
    exit "$status"
  fi
  echo "wf-fix retry: attempt $attempt of $attempts ($1) failed with exit $status; next attempt in \${delay}s" >&2
  sleep "$delay"
  attempt=$((attempt + 1))
  if [ "$backoff" = exponential ]; then delay=$((delay * 2)); fi
done
`;

export const RETRY_FILE: RepositoryFileSpec = {
  id: RETRY_ID,
  path: RETRY_PATH,
  owners: ['deploy-retry'],
  referencedFrom: 'run',
  body: RETRY_BODY,
};
