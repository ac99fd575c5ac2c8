/**
 * Where generated actions live (no imports: the action specs and the registry
 * both use it without an import cycle).
 */
/** `.github/actions/wf-fix-<id>/action.yml`: where a generated composite action lives. */
export function actionPath(id: string): string {
  return `.github/actions/wf-fix-${id}/action.yml`;
}

/** How a workflow step refers to the action at `path`: `./.github/actions/wf-fix-<id>`. */
export function usesReference(path: string): string {
  return `./${path.replace(/\/action\.ya?ml$/, '')}`;
}
