/**
 * One table from file-system failures to tRPC codes and sentences for people. Messages name the
 * workspace-relative path only — Node's own messages carry absolute server paths.
 */
import { TRPCError } from '@trpc/server';
import type { TRPC_ERROR_CODE_KEY } from '@trpc/server/rpc';

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

export function fsErrorToTrpc(err: unknown, path: string): TRPCError {
  if (err instanceof TRPCError) return err;
  const e = err as { code?: string; message?: string };
  if (e.code === 'bad_path') return new TRPCError({ code: 'BAD_REQUEST', message: e.message ?? 'path refused' });
  if (e.code === 'bad_query') return new TRPCError({ code: 'BAD_REQUEST', message: e.message ?? 'bad query' });
  // A runtime that cannot be reached (SSH host down, key to accept…): its message says why.
  if (e.code === 'unavailable') return new TRPCError({ code: 'SERVICE_UNAVAILABLE', message: e.message ?? 'the workspace cannot be reached', cause: err });
  if (e.code === 'version_conflict') return new TRPCError({ code: 'CONFLICT', message: e.message ?? 'changed on disk' });
  const known = e.code ? ERRNO[e.code] : undefined;
  if (known) {
    // Our own errno errors carry a relative-path sentence; Node's carry absolute paths.
    const own = e.message && !e.message.includes(`${e.code}:`) ? e.message : known.say(path);
    return new TRPCError({ code: known.code, message: own, cause: err });
  }
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: 'file operation failed', cause: err });
}

export function httpStatusOf(err: TRPCError): number {
  const table: Partial<Record<TRPC_ERROR_CODE_KEY, number>> = {
    BAD_REQUEST: 400,
    UNAUTHORIZED: 401,
    FORBIDDEN: 403,
    NOT_FOUND: 404,
    CONFLICT: 409,
    PAYLOAD_TOO_LARGE: 413,
    NOT_IMPLEMENTED: 501,
    SERVICE_UNAVAILABLE: 503,
  };
  return table[err.code] ?? 500;
}
