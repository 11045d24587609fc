/**
 * The audit trail's vocabulary, shared by the gateway (which records) and the admin page (which
 * filters). An action is `<area>.<what>`; the admin page filters by area or by exact action.
 */
export const AUDIT_ACTIONS = [
  'auth.sign-in',
  'auth.sign-in-failed',
  'auth.sign-out',
  'auth.session-revoked',
  'user.created',
  'user.updated',
  'user.role-changed',
  'user.disabled',
  'user.enabled',
  'user.deleted',
  'user.password-reset',
  'user.password-changed',
  'token.created',
  'token.revoked',
  'share.created',
  'share.joined',
  'share.revoked',
  'share.kicked',
  'member.added',
  'member.changed',
  'member.removed',
  'host-key.trusted',
  'host-key.forgotten',
  'migration.started',
  'migration.finished',
  'migration.failed',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export const AUDIT_AREAS = [...new Set(AUDIT_ACTIONS.map((a) => a.slice(0, a.indexOf('.'))))];

/** Detail values are short scalars: never a secret, never a blob. */
export type AuditDetail = Record<string, string | number | boolean | null>;

export interface AuditRecord {
  id: number;
  at: number;
  action: AuditAction;
  /** Who did it: an account (its name when it happened), or null for the system/an anonymous peer. */
  actorId: string | null;
  actorName: string | null;
  /** What it was done to, as `kind:id` or a name (e.g. `user:alice`, `share:ab12…`). */
  target: string | null;
  detail: AuditDetail;
  ip: string | null;
}
