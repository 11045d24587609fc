/**
 * The server's one error type: a kind (what went wrong, in terms a caller can act on) and a
 * sentence for people. Domain errors (a workspace name taken, a host missing, a runtime out of
 * reach, a limit reached…) are TetherErrors or subclasses of it, so every edge translates them
 * with one table: tRPC codes in server/trpc/errors.ts, wire-protocol codes in server/core/errors.ts.
 * Messages must be safe to show: no absolute server paths, no secrets.
 *
 * The kind is read as `errorKind`: subclasses keep fields of their own, and SshError's `kind` (the
 * SSH failure: host_key_unknown, auth_failed…) is what the hosts UI has always read.
 */
export const ERROR_KINDS = [
  'bad_request',
  'unauthorized',
  'forbidden',
  'not_found',
  'conflict',
  'too_large',
  'limit',
  'unavailable',
  'not_implemented',
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export class TetherError extends Error {
  constructor(
    readonly errorKind: ErrorKind,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

export function isTetherError(err: unknown): err is TetherError {
  return err instanceof TetherError;
}
