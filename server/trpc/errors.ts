/**
 * Errors as tRPC sees them. Our own (TetherError and its subclasses) go through one table,
 * TRPC_CODES, applied to every procedure by the base procedure (server/trpc/init.ts): routers
 * let them propagate. Node's file-system failures (not ours) have their errno table, whose
 * messages name the workspace-relative path only — Node's own carry absolute server paths.
 */
import { TRPCError } from '@trpc/server';
import { getHTTPStatusCodeFromError } from '@trpc/server/http';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';
import { isTetherError, type ErrorKind, type TetherError } from '../errors';

export const TRPC_CODES: Readonly<Record<ErrorKind, TRPC_ERROR_CODE_KEY>> = {
  bad_request: 'BAD_REQUEST',
  unauthorized: 'UNAUTHORIZED',
  forbidden: 'FORBIDDEN',
  not_found: 'NOT_FOUND',
  conflict: 'CONFLICT',
  too_large: 'PAYLOAD_TOO_LARGE',
  limit: 'TOO_MANY_REQUESTS',
  unavailable: 'SERVICE_UNAVAILABLE',
  not_implemented: 'NOT_IMPLEMENTED',
  internal: 'INTERNAL_SERVER_ERROR',
};

export function toTrpcError(err: TetherError): TRPCError {
  return new TRPCError({ code: TRPC_CODES[err.errorKind], message: err.message, cause: err });
}

/** What a procedure failed with, as the client should see it: a TetherError (which tRPC wrapped
 * as an internal error) through TRPC_CODES; anything else as it is. */
export function translateTrpcError(error: TRPCError): TRPCError {
  return error.code === 'INTERNAL_SERVER_ERROR' && isTetherError(error.cause) ? toTrpcError(error.cause) : error;
}

/** A subscription's stream with its failures translated as translateTrpcError does (they happen
 * after the procedure has returned, out of the middleware's reach). */
export async function* translatedStream<T>(stream: AsyncIterable<T>): AsyncGenerator<T, unknown> {
  try {
    return yield* stream;
  } catch (err) {
    throw isTetherError(err) ? toTrpcError(err) : err;
  }
}

const ERRNO: Record<string, { code: TRPC_ERROR_CODE_KEY; say: (p: string) => string }> = {
  ENOENT: { code: 'NOT_FOUND', say: (p) => `"${p}" does not exist (it may have been moved or deleted)` },
  EEXIST: { code: 'CONFLICT', say: (p) => `"${p}" already exists` },
  EACCES: { code: 'FORBIDDEN', say: (p) => `permission denied for "${p}"` },
  EPERM: { code: 'FORBIDDEN', say: (p) => `operation not permitted on "${p}"` },
  ENOTDIR: { code: 'BAD_REQUEST', say: (p) => `a part of "${p}" is not a folder` },
  EISDIR: { code: 'BAD_REQUEST', say: (p) => `"${p}" is a folder` },
  ENOTEMPTY: { code: 'BAD_REQUEST', say: (p) => `"${p}" is not empty` },
  EINVAL: { code: 'BAD_REQUEST', say: (p) => `that operation is not possible on "${p}"` },
  ENAMETOOLONG: { code: 'BAD_REQUEST', say: (p) => `the name "${p}" is too long` },
  ELOOP: { code: 'BAD_REQUEST', say: (p) => `"${p}" is a loop of symbolic links` },
  EFBIG: { code: 'PAYLOAD_TOO_LARGE', say: (p) => `"${p}" is too large` },
  ENOSPC: { code: 'SERVICE_UNAVAILABLE', say: () => 'the disk is full; nothing was changed' },
  EDQUOT: { code: 'SERVICE_UNAVAILABLE', say: () => 'the disk quota is exhausted; nothing was changed' },
  EROFS: { code: 'FORBIDDEN', say: (p) => `"${p}" is on a read-only file system` },
  ENOSYS: { code: 'NOT_IMPLEMENTED', say: () => 'this workspace has no files' },
};

/** A file operation's failure: ours through TRPC_CODES, Node's (errno) through ERRNO with `path`. */
export function fsErrorToTrpc(err: unknown, path: string): TRPCError {
  if (err instanceof TRPCError) return err;
  if (isTetherError(err)) return toTrpcError(err);
  const e = err as { code?: string; message?: string };
  const known = e.code ? ERRNO[e.code] : undefined;
  if (known) {
    // Our own errno errors carry a relative-path sentence; Node's carry absolute paths.
    const own = e.message && !e.message.includes(`${e.code}:`) ? e.message : known.say(path);
    return new TRPCError({ code: known.code, message: own, cause: err });
  }
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'file operation failed', cause: err });
}

/** The HTTP status of a tRPC error, as tRPC itself answers it (for routes outside tRPC). */
export function httpStatusOf(err: TRPCError): number {
  return getHTTPStatusCodeFromError(err);
}
