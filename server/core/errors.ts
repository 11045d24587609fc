/**
 * Errors of the terminal core as the client sees them: a protocol error code and words. The
 * connection (the core's one edge to its clients, at the gateway's `/ws` and at a worker agent)
 * maps every failure with `toGatewayError`: our errors (TetherError) through the one table
 * WIRE_CODES; sources and decorators just throw.
 */
import { ErrorCode } from '../../lib/protocol';
import { isTetherError, TetherError, type ErrorKind } from '../errors';

/** Our errors on the wire: the session limit → LIMIT, a bad request (a working directory out of
 * the workspace…) → BAD_PAYLOAD, a runtime that cannot run the terminal → RUNTIME. */
export const WIRE_CODES: Readonly<Record<ErrorKind, ErrorCode>> = {
  bad_request: ErrorCode.BAD_PAYLOAD,
  unauthorized: ErrorCode.FORBIDDEN,
  forbidden: ErrorCode.FORBIDDEN,
  not_found: ErrorCode.NOT_FOUND,
  conflict: ErrorCode.BAD_PAYLOAD,
  too_large: ErrorCode.LIMIT,
  limit: ErrorCode.LIMIT,
  unavailable: ErrorCode.RUNTIME,
  not_implemented: ErrorCode.RUNTIME,
  internal: ErrorCode.INTERNAL,
};

/** The kind of an error raised with a protocol code of its own (GatewayError). */
const KIND_OF_CODE: Readonly<Record<ErrorCode, ErrorKind>> = {
  [ErrorCode.BAD_FRAME]: 'bad_request',
  [ErrorCode.UNKNOWN_OP]: 'bad_request',
  [ErrorCode.BAD_PAYLOAD]: 'bad_request',
  [ErrorCode.CHANNEL_IN_USE]: 'conflict',
  [ErrorCode.UNKNOWN_CHANNEL]: 'not_found',
  [ErrorCode.NOT_FOUND]: 'not_found',
  [ErrorCode.LIMIT]: 'limit',
  [ErrorCode.FORBIDDEN]: 'forbidden',
  [ErrorCode.EXITED]: 'conflict',
  [ErrorCode.RUNTIME]: 'unavailable',
  [ErrorCode.INTERNAL]: 'internal',
};

/** A failure with the exact protocol code the client gets (which WIRE_CODES would not choose). */
export class GatewayError extends TetherError {
  constructor(
    readonly code: ErrorCode,
    message: string,
    options?: ErrorOptions,
  ) {
    super(KIND_OF_CODE[code], message, options);
  }
}

/**
 * An error from opening a terminal as the client should see it: a GatewayError as it is, any
 * other TetherError through WIRE_CODES. Anything else is returned as it is (the connection
 * reports it as an internal error). Use as `throw toGatewayError(err)`.
 */
export function toGatewayError(err: unknown): unknown {
  if (err instanceof GatewayError || !isTetherError(err)) return err;
  return new GatewayError(WIRE_CODES[err.errorKind], err.message, { cause: err });
}
