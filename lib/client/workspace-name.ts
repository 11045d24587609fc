/** Client-side mirror of the gateway's workspace name rule, for instant feedback. */
export const WORKSPACE_NAME_RE = /^[A-Za-z0-9._-]{1,64}$/;

/** A sentence saying what is wrong with `name`, or null when it is acceptable. */
export function workspaceNameProblem(name: string): string | null {
  if (name.length === 0) return 'Give the workspace a name.';
  if (name.length > 64) return 'Use at most 64 characters.';
  if (!WORKSPACE_NAME_RE.test(name)) return 'Use only letters, digits, ".", "_" and "-" (no spaces).';
  return null;
}
