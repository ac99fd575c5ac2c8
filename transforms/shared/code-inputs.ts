/**
 * Actions whose `with:` inputs are executed as code, and the language of
 * each: a `${{ }}` pasted into such an input is code injection exactly like
 * one in `run:`. expression-injection moves untrusted expressions out of
 * these inputs into the step's `env:` and reads them the language's way.
 * Actions not listed here are left alone.
 */
export type CodeInputLanguage = 'js' | 'bash' | 'pwsh' | 'python' | 'yq';

export interface CodeInput {
  /** `owner/repo` as in `uses:`, lower-cased. */
  action: string;
  /** Input name (GitHub compares input names case-insensitively). */
  input: string;
  language: CodeInputLanguage;
  /** How the action runs the input, for messages and the README. */
  runsAs: string;
}

export const CODE_INPUTS: readonly CodeInput[] = [
  { action: 'actions/github-script', input: 'script', language: 'js', runsAs: 'body of an async JavaScript function (github, context, core, ...)' },
  { action: 'azure/cli', input: 'inlineScript', language: 'bash', runsAs: 'bash script in the azure-cli container' },
  { action: 'azure/powershell', input: 'inlineScript', language: 'pwsh', runsAs: 'PowerShell script' },
  { action: 'amadevus/pwsh-script', input: 'script', language: 'pwsh', runsAs: 'PowerShell script' },
  { action: 'jannekem/run-python-script-action', input: 'script', language: 'python', runsAs: 'Python script' },
  { action: 'mikefarah/yq', input: 'cmd', language: 'yq', runsAs: 'sh command line (eval) whose quoted arguments are yq expressions' },
];

/** The code inputs of a step's action (by `uses:` owner/repo, any ref). */
export function codeInputsOf(action: string | undefined): CodeInput[] {
  if (!action) return [];
  const repo = action.split('/').slice(0, 2).join('/');
  return CODE_INPUTS.filter((c) => c.action === repo && action.split('/').length === 2);
}
