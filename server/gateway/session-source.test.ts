import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../lib/protocol';
import { RuntimeError } from '../runtimes/runtime';
import { GatewayError } from '../core/errors';
import { SessionLimitError } from '../core/session-registry';
import { toGatewayError } from '../core/errors';

describe('toGatewayError', () => {
  it('maps the errors of opening a terminal to protocol codes, keeping the message', () => {
    const cases: [Error, ErrorCode][] = [
      [new SessionLimitError('too many terminals'), ErrorCode.LIMIT],
      [new RuntimeError('bad_path', 'no such directory'), ErrorCode.BAD_PAYLOAD],
      [new RuntimeError('spawn_failed', 'cannot spawn'), ErrorCode.RUNTIME],
      [new RuntimeError('unavailable', 'host gone'), ErrorCode.RUNTIME],
    ];
    for (const [err, code] of cases) {
      const mapped = toGatewayError(err);
      expect(mapped).toBeInstanceOf(GatewayError);
      expect(mapped).toMatchObject({ code, message: err.message });
    }
  });

  it('returns any other error as it is', () => {
    const err = new Error('disk on fire');
    expect(toGatewayError(err)).toBe(err);
    expect(toGatewayError('x')).toBe('x');
  });
});
