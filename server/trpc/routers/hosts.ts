/**
 * SSH hosts: add (by `user@host[:port]` or config alias), test (latency, or what went wrong in
 * plain words), accept an unknown host key by its fingerprint, unlock an encrypted identity file,
 * remove. Answers of `test` carry a `kind` the UI turns into the right prompt.
 */
import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { TetherError } from '../../errors';
import { SshError } from '../../runtimes/ssh/errors';
import type { SshHost } from '../../hosts/host-service';
import { endpointName, type SshPool } from '../../runtimes/ssh/pool';
import { RUNNER_MODES, RunnerUnavailableError, type RunnerMode } from '../../runtimes/ssh/runner-service';
import { configAliases } from '../../runtimes/ssh/ssh-target';
import { actorOf, adminOnly, authedProcedure, router } from '../init';

const hostId = z.object({ id: z.string().min(1).max(64) });

function view(h: SshHost, pool: SshPool) {
  return {
    id: h.id,
    name: h.name,
    spec: h.spec,
    address: endpointName(h.target),
    jumps: h.target.jumps.map(endpointName),
    auth: h.auth,
    createdAt: h.createdAt,
    health: pool.healthOf(h.userId, h.target),
    runner: h.runner,
  };
}

const runnerLimits = z
  .object({
    memoryMb: z.number().int().min(16).max(1024 * 1024).optional(),
    cpuPercent: z.number().int().min(1).max(10_000).optional(),
    tasks: z.number().int().min(1).max(1_000_000).optional(),
    openFiles: z.number().int().min(16).max(1_048_576).optional(),
  })
  .strict();

export type HostTestResult =
  | { ok: true; connectMs: number | null; rttMs: number; handshakes: number }
  | {
      ok: false;
      kind: SshError['kind'];
      message: string;
      endpoint: string;
      fingerprint?: string;
      keyType?: string;
      knownFingerprints?: string[];
      identityFile?: string;
    };

export const hostsRouter = router({
  list: authedProcedure.query(async ({ ctx }) => (await ctx.hosts.list(ctx.user.id)).map((h) => view(h, ctx.sshPool))),

  /** Concrete Host aliases of this server's SSH config (admins only: it is the operator's file). */
  aliases: adminOnly("see this server's SSH config").query(async ({ ctx }) => configAliases(await ctx.hosts.configText())),

  add: authedProcedure
    .input(
      z.object({
        spec: z.string().min(1).max(300),
        name: z.string().min(1).max(100).optional(),
        auth: z.enum(['local', 'key']),
        privateKey: z.string().max(16 * 1024).optional(),
        passphrase: z.string().max(1024).optional(),
      }),
    )
    .mutation(async ({ ctx, input }) => view(await ctx.hosts.add(ctx.user, input), ctx.sshPool)),

  remove: authedProcedure.input(hostId).mutation(async ({ ctx, input }) => {
    const h = await ctx.hosts.get(ctx.user.id, input.id);
    if (!h) throw new TetherError('not_found', 'no such host');
    const used = await ctx.workspaces.countOnHost(h.id);
    if (used > 0) throw new TetherError('conflict', `${used} workspace${used === 1 ? '' : 's'} still live on ${h.name}; remove them first`);
    await ctx.hosts.remove(ctx.user.id, h.id);
    ctx.runners.forget(h.id);
    ctx.sshPool.forget(ctx.user.id, h.target);
    return { ok: true };
  }),

  /** How the host runs terminals (`auto`: the runner when it can run there), and their limits. */
  setRunner: authedProcedure
    .input(z.object({ id: z.string().min(1).max(64), mode: z.enum(RUNNER_MODES as [RunnerMode, ...RunnerMode[]]), limits: runnerLimits }))
    .mutation(async ({ ctx, input }) => {
      const host = view(await ctx.hosts.setRunner(ctx.user.id, input.id, input.mode, input.limits), ctx.sshPool);
      // The host's workspaces get runtimes built for the new setting; open terminals stay where they are.
      await ctx.runtimes.rebuild((ws) => ws.hostId === input.id);
      return host;
    }),

  /** Connect the host's runner now (deploying it if needed) and answer the outcome. */
  checkRunner: authedProcedure.input(hostId).mutation(async ({ ctx, input }) => {
    const h = await ctx.hosts.get(ctx.user.id, input.id);
    if (!h) throw new TetherError('not_found', 'no such host');
    if (h.runner.mode === 'never') throw new TetherError('bad_request', `${h.name} is set to never use the runner`);
    try {
      await ctx.runners.forHost(h.id, ctx.hosts.poolTarget(h)).connect();
    } catch (err) {
      // The runner cannot run there: the host's status (in the view) says why. Anything else
      // (SSH failed, the deploy failed) is the host's answer, whatever its kind.
      if (!(err instanceof RunnerUnavailableError)) throw new TRPCError({ code: 'BAD_GATEWAY', message: (err as Error).message, cause: err });
    }
    return view((await ctx.hosts.get(ctx.user.id, h.id))!, ctx.sshPool);
  }),

  /** Connect now (ignoring backoff) and time a round trip. */
  test: authedProcedure.input(hostId).mutation(async ({ ctx, input }): Promise<HostTestResult> => {
    const h = await ctx.hosts.get(ctx.user.id, input.id);
    if (!h) throw new TetherError('not_found', 'no such host');
    const target = ctx.hosts.poolTarget(h);
    try {
      const lease = await ctx.sshPool.acquire(target, { force: true });
      try {
        const started = performance.now();
        await new Promise<void>((resolve, reject) =>
          lease.client.exec('true', (err, ch) => {
            if (err) return reject(err);
            ch.on('close', () => resolve());
            ch.resume();
          }),
        );
        const rttMs = Math.round((performance.now() - started) * 10) / 10;
        const health = ctx.sshPool.healthOf(ctx.user.id, h.target);
        return { ok: true, connectMs: health?.connectMs ?? null, rttMs, handshakes: health?.handshakes ?? 0 };
      } finally {
        lease.release();
      }
    } catch (err) {
      if (!(err instanceof SshError)) throw err;
      return { ok: false, kind: err.kind, message: err.message, ...err.detail };
    }
  }),

  /** Accept the key an unknown host (or jump host) presented; `fingerprint` is what the user saw. */
  trustKey: authedProcedure
    .input(z.object({ id: z.string().min(1).max(64), endpoint: z.string().max(400), fingerprint: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}$/) }))
    .mutation(async ({ ctx, input }) => {
      const h = await ctx.hosts.get(ctx.user.id, input.id);
      if (!h) throw new TetherError('not_found', 'no such host');
      const hop = [...h.target.jumps, h.target].find((e) => endpointName(e) === input.endpoint);
      if (!hop) throw new TetherError('bad_request', `${input.endpoint} is not on the way to ${h.name}`);
      await ctx.hosts.trustHostKey(ctx.user.id, hop, input.fingerprint);
      ctx.sshPool.reset(ctx.hosts.poolTarget(h));
      ctx.audit.record({ action: 'host-key.trusted', actor: actorOf(ctx.user), target: `host:${h.id}`, detail: { host: h.name, endpoint: input.endpoint, fingerprint: input.fingerprint }, ip: ctx.peer });
      return { ok: true };
    }),

  /** Forget accepted keys of a host whose key changed for a known reason (never done automatically). */
  forgetKeys: authedProcedure.input(hostId).mutation(async ({ ctx, input }) => {
    const h = await ctx.hosts.get(ctx.user.id, input.id);
    if (!h) throw new TetherError('not_found', 'no such host');
    const removed = await ctx.hosts.forgetHostKeys(ctx.user.id, h.target);
    ctx.sshPool.forget(ctx.user.id, h.target);
    ctx.audit.record({ action: 'host-key.forgotten', actor: actorOf(ctx.user), target: `host:${h.id}`, detail: { host: h.name, keys: removed }, ip: ctx.peer });
    return { removed };
  }),

  /** Give the passphrase of an encrypted identity file (kept in memory only). */
  unlock: authedProcedure
    .input(z.object({ id: z.string().min(1).max(64), identityFile: z.string().min(1).max(4096), passphrase: z.string().max(1024) }))
    .mutation(async ({ ctx, input }) => {
      const h = await ctx.hosts.get(ctx.user.id, input.id);
      if (!h) throw new TetherError('not_found', 'no such host');
      if (h.auth !== 'local') throw new TetherError('bad_request', 'this host uses a stored key');
      await ctx.hosts.unlockIdentity(ctx.user.id, input.identityFile, input.passphrase);
      ctx.sshPool.reset(ctx.hosts.poolTarget(h));
      return { ok: true };
    }),
});
