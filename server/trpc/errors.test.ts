import { TRPCError } from '@trpc/server';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../lib/protocol';
import { OrchestratorError } from '../cloud/orchestrator';
import { GatewayError, toGatewayError, WIRE_CODES } from '../core/errors';
import { SessionLimitError } from '../core/session-registry';
import { ERROR_KINDS, TetherError } from '../errors';
import { BodyTooLargeError } from '../http/body';
import { MigrationError } from '../migration/git-state';
import { PathRefusedError } from '../runtimes/path-jail';
import { fsError, RuntimeError } from '../runtimes/runtime';
import { SshError } from '../runtimes/ssh/errors';
import { RunnerUnavailableError } from '../runtimes/ssh/runner-service';
import { CloneError } from '../workspaces/clone';
import { WorkspaceError } from '../workspaces/workspace-service';
import { fsErrorToTrpc, httpStatusOf, toTrpcError, TRPC_CODES } from './errors';
import { publicProcedure, router, type TrpcContext } from './init';

describe('the error tables', () => {
  it('give every kind a tRPC code and a wire code', () => {
    for (const kind of ERROR_KINDS) {
      expect(TRPC_CODES[kind], kind).toMatch(/^[A-Z_]+$/);
      expect(Object.values(ErrorCode), kind).toContain(WIRE_CODES[kind]);
    }
    expect(Object.keys(TRPC_CODES).sort()).toEqual([...ERROR_KINDS].sort());
    expect(Object.keys(WIRE_CODES).sort()).toEqual([...ERROR_KINDS].sort());
  });

  it('translate the domain errors as the client has always seen them', () => {
    const cases: [Error, string, ErrorCode][] = [
      [new WorkspaceError('conflict', 'you already have a workspace named "a"'), 'CONFLICT', ErrorCode.BAD_PAYLOAD],
      [new WorkspaceError('not_found', 'no such workspace'), 'NOT_FOUND', ErrorCode.NOT_FOUND],
      [new OrchestratorError('limit', 'at most 3 cloud workers'), 'TOO_MANY_REQUESTS', ErrorCode.LIMIT],
      [new OrchestratorError('unavailable', 'could not start a cloud worker'), 'SERVICE_UNAVAILABLE', ErrorCode.RUNTIME],
      [new SessionLimitError('too many terminals'), 'TOO_MANY_REQUESTS', ErrorCode.LIMIT],
      [new RuntimeError('bad_path', 'working directory refused'), 'BAD_REQUEST', ErrorCode.BAD_PAYLOAD],
      [new RuntimeError('spawn_failed', 'could not start the shell'), 'SERVICE_UNAVAILABLE', ErrorCode.RUNTIME],
      [new RuntimeError('unavailable', 'host gone'), 'SERVICE_UNAVAILABLE', ErrorCode.RUNTIME],
      [new RunnerUnavailableError('no node on the host'), 'SERVICE_UNAVAILABLE', ErrorCode.RUNTIME],
      [new SshError('refused', 'h:22 refused the connection', { endpoint: 'h:22' }), 'SERVICE_UNAVAILABLE', ErrorCode.RUNTIME],
      [new PathRefusedError('path may not contain ".."'), 'BAD_REQUEST', ErrorCode.BAD_PAYLOAD],
      [new CloneError('/x is not a git repository'), 'BAD_REQUEST', ErrorCode.BAD_PAYLOAD],
      [new MigrationError('git stash failed'), 'BAD_REQUEST', ErrorCode.BAD_PAYLOAD],
      [new BodyTooLargeError(1024), 'PAYLOAD_TOO_LARGE', ErrorCode.LIMIT],
      [new TetherError('limit', 'you have 50 working share links'), 'TOO_MANY_REQUESTS', ErrorCode.LIMIT],
    ];
    for (const [err, trpc, wire] of cases) {
      expect(err, err.message).toBeInstanceOf(TetherError);
      expect(toTrpcError(err as TetherError)).toMatchObject({ code: trpc, message: err.message });
      expect(fsErrorToTrpc(err, 'some/path')).toMatchObject({ code: trpc, message: err.message });
      expect(toGatewayError(err)).toMatchObject({ code: wire, message: err.message });
    }
  });

  it('keep the fields code branches on', () => {
    const ssh = new SshError('host_key_unknown', 'h:22 is not a known host', { endpoint: 'h:22' });
    expect(ssh).toMatchObject({ kind: 'host_key_unknown', code: 'unavailable', errorKind: 'unavailable' });
    expect(new RuntimeError('bad_path', 'x')).toMatchObject({ code: 'bad_path', errorKind: 'bad_request' });
    expect(new PathRefusedError('x')).toMatchObject({ code: 'bad_path', name: 'PathRefusedError' });
    expect(httpStatusOf(toTrpcError(new BodyTooLargeError(10)))).toBe(413);
  });

  it('leave a GatewayError its own code, and other errors as they are', () => {
    const own = new GatewayError(ErrorCode.FORBIDDEN, 'this share link is view-only');
    expect(own.errorKind).toBe('forbidden');
    expect(toGatewayError(own)).toBe(own);
    const plain = new Error('disk on fire');
    expect(toGatewayError(plain)).toBe(plain);
  });

  it('still say file-system failures with the relative path, and an agent refusing a path as ours', () => {
    const enoent = Object.assign(new Error("ENOENT: no such file or directory, open '/srv/ws/a.txt'"), { code: 'ENOENT' });
    expect(fsErrorToTrpc(enoent, 'a.txt')).toMatchObject({ code: 'NOT_FOUND', message: '"a.txt" does not exist (it may have been moved or deleted)' });
    expect(fsErrorToTrpc(fsError('bad_path', 'path may not contain ".."'), '../x')).toMatchObject({ code: 'BAD_REQUEST', message: 'path may not contain ".."' });
    expect(fsErrorToTrpc(new Error('boom'), 'a.txt').code).toBe('INTERNAL_SERVER_ERROR');
  });
});

describe('the base procedure', () => {
  const counted: (string | null)[] = [];
  const ctx = { metrics: { trpcCall: (_p: string, _t: string, _s: number, code: string | null) => counted.push(code), limitHit: () => {} } } as unknown as TrpcContext;
  const app = router({
    taken: publicProcedure.mutation(() => {
      throw new WorkspaceError('conflict', 'you already have a workspace named "a"');
    }),
    full: publicProcedure.query(async () => {
      throw new OrchestratorError('limit', 'at most 3 cloud workers');
    }),
    plain: publicProcedure.query(() => {
      throw new Error('disk on fire');
    }),
    own: publicProcedure.query(() => {
      throw new TRPCError({ code: 'BAD_GATEWAY', message: 'the host said no' });
    }),
    stream: publicProcedure.subscription(async function* () {
      yield 1;
      throw new RuntimeError('unavailable', 'the host went away');
    }),
  });
  const caller = app.createCaller(ctx);

  it('turns a TetherError thrown anywhere in a procedure into its tRPC code, and counts that code', async () => {
    await expect(caller.taken()).rejects.toMatchObject({ code: 'CONFLICT', message: 'you already have a workspace named "a"' });
    await expect(caller.full()).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS', message: 'at most 3 cloud workers' });
    await expect(caller.plain()).rejects.toMatchObject({ code: 'INTERNAL_SERVER_ERROR' });
    await expect(caller.own()).rejects.toMatchObject({ code: 'BAD_GATEWAY' });
    expect(counted).toEqual(['CONFLICT', 'TOO_MANY_REQUESTS', 'INTERNAL_SERVER_ERROR', 'BAD_GATEWAY']);
  });

  it('translates a subscription stream that fails after it started', async () => {
    const seen: unknown[] = [];
    const failure = await (async () => {
      for await (const n of await caller.stream()) seen.push(n);
    })().catch((err: unknown) => err);
    expect(seen).toEqual([1]);
    expect(failure).toBeInstanceOf(TRPCError);
    expect(failure).toMatchObject({ code: 'SERVICE_UNAVAILABLE', message: 'the host went away' });
  });
});
