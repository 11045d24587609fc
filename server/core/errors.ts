/**
 * Errors of the terminal core as the client sees them: a protocol error code and words. Whatever
 * opens a terminal (the gateway's `/ws`, a worker agent) maps its failures with `toGatewayError`.
 */
import { ErrorCode } from '../../lib/protocol';
import { RuntimeError } from '../runtimes/runtime';
import { SessionLimitError } from './session-registry';

export class GatewayError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * An error from opening a terminal as the client should see it: the session limit → LIMIT, a bad
 * working directory → BAD_PAYLOAD, any other runtime failure → RUNTIME. Anything else is returned
 * as it is (the connection reports it as an internal error). Use as `throw toGatewayError(err)`.
 */
export function toGatewayError(err: unknown): unknown {
  if (err instanceof SessionLimitError) return new GatewayError(ErrorCode.LIMIT, err.message);
  if (err instanceof RuntimeError) return new GatewayError(err.code === 'bad_path' ? ErrorCode.BAD_PAYLOAD : ErrorCode.RUNTIME, err.message);
  return err;
}
