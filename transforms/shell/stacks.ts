/**
 * Bash that lists the CloudFormation stack names a CDK cloud assembly
 * declares: `manifest.json` artifacts of type `aws:cloudformation:stack`
 * (name = `properties.stackName`, else the artifact id), recursing into stage
 * assemblies (`cdk:cloud-assembly`, `properties.directoryName`). Never
 * `list-stacks` filtered by name (matches unrelated stacks, misses renamed
 * ones) and never `cdk ls` (display paths, not CloudFormation names).
 *
 * Names are read one per line into the array CDK_STACKS and used quoted
 * ("${CDK_STACKS[@]}"), so spaces and quotes stay data. Errors are handled
 * explicitly, so the snippet is correct with or without `set -e`.
 */

/** jq programs over one manifest. */
export const JQ_STACKS = '(.artifacts // {}) | to_entries[] | select(.value.type == "aws:cloudformation:stack") | (.value.properties.stackName // .key)';
export const JQ_NESTED = '(.artifacts // {}) | to_entries[] | select(.value.type == "cdk:cloud-assembly") | .value.properties.directoryName';

/** `cdk_stack_names DIR`: one stack name per line, nested assemblies included. */
export function stackNamesFunction(): string[] {
  return [
    '# Stack names declared by a cloud assembly (manifest.json), stage assemblies included.',
    'cdk_stack_names() {',
    '  local dir="$1" manifest nested nested_dirs',
    '  manifest="$dir/manifest.json"',
    '  if [ ! -f "$manifest" ]; then',
    '    echo "::error::no cloud assembly manifest at $manifest (run cdk synth first)" >&2',
    '    return 1',
    '  fi',
    `  jq -r '${JQ_STACKS}' "$manifest" || return 1`,
    `  nested_dirs="$(jq -r '${JQ_NESTED}' "$manifest")" || return 1`,
    '  while IFS= read -r nested; do',
    '    if [ -n "$nested" ]; then',
    '      cdk_stack_names "$dir/$nested" || return 1',
    '    fi',
    '  done <<< "$nested_dirs"',
    '}',
  ];
}

/**
 * Define `cdk_stack_names` and set the variable `listVar` to the names (one
 * per line) of the assembly at `dirWord` (a shell word: a quoted literal or
 * "$VAR").
 */
export function discoverStackList(dirWord: string, listVar = 'cdk_stacks_list'): string[] {
  return [
    ...stackNamesFunction(),
    `${listVar}="$(cdk_stack_names ${dirWord})" || exit 1`,
  ];
}

/** Define `cdk_stack_names` and fill the array CDK_STACKS from the assembly at `dirWord`. */
export function discoverStacks(dirWord: string): string[] {
  return [...discoverStackList(dirWord), ...stacksFromList('cdk_stacks_list')];
}

/** Fill the array CDK_STACKS from the variable `name` (one stack name per line; empty means none). */
export function stacksFromList(name: string): string[] {
  return [
    'CDK_STACKS=()',
    `if [ -n "$${name}" ]; then`,
    `  mapfile -t CDK_STACKS <<< "$${name}"`,
    'fi',
  ];
}

/**
 * The discovery action's step (src/actions/cdk-stacks.ts): the names from
 * the assembly at $CDK_ASSEMBLY, one per line, written to the step output
 * `stacks` under a random heredoc delimiter (a name cannot end the value).
 */
export function stacksOutputScript(): string {
  return [
    'set -euo pipefail',
    ...discoverStacks('"$CDK_ASSEMBLY"'),
    'delimiter="wf_fix_$(od -An -N16 -tx1 /dev/urandom | tr -d \' \\n\')"',
    '{',
    '  echo "stacks<<$delimiter"',
    '  if [ "${#CDK_STACKS[@]}" -gt 0 ]; then printf \'%s\\n\' "${CDK_STACKS[@]}"; fi',
    '  echo "$delimiter"',
    '} >> "$GITHUB_OUTPUT"',
    'echo "stacks in $CDK_ASSEMBLY: ${CDK_STACKS[*]}"',
    '',
  ].join('\n');
}

/**
 * Fill the array `array` with the stacks a hard-coded `literal` (a shell
 * word as the script wrote it) stands for, from the variable `list` (one
 * name per line): the literal itself when the assembly declares a stack of
 * that name, otherwise (a guessed or outdated name) every declared stack.
 * One line, so the rewritten command stays three lines longer: this line,
 * `for ...; do` and `done`. An empty list gives an empty array.
 */
export function selectStacks(array: string, list: string, literal: string): string {
  return `mapfile -t ${array} < <(grep -xF -- ${literal} <<< "$${list}" || printf '%s' "$${list}")`;
}

const SAFE_WORD = /^[\w@%+=:,./-]+$/;

/** A string as one shell word. */
export function shellQuote(s: string): string {
  if (s !== '' && SAFE_WORD.test(s)) return s;
  return `'${s.replace(/'/g, `'\\''`)}'`;
}
