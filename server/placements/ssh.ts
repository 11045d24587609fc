/**
 * A folder on one of the user's SSH hosts. Terminals run per the host's runner setting
 * (runner-runtime.ts: `never` direct SSH, `always` the runner, `auto` either); a change of that
 * setting rebuilds the runtimes of the host's workspaces (RuntimeRegistry.rebuild).
 */
import { TetherError } from '../errors';
import type { SshHostService } from '../hosts/host-service';
import { RuntimeError } from '../runtimes/runtime';
import type { SshPool } from '../runtimes/ssh/pool';
import { sshRuntime } from '../runtimes/ssh/runner-runtime';
import type { RunnerService } from '../runtimes/ssh/runner-service';
import { prepareRemoteRoot } from '../runtimes/ssh/ssh-runtime';
import type { Placement } from './placement';

export interface SshPlacementDeps {
  hosts: SshHostService;
  sshPool: SshPool;
  runners: RunnerService;
}

export function sshPlacement({ hosts, sshPool, runners }: SshPlacementDeps): Placement<'ssh'> {
  const hostOf = async (userId: string, hostId: string) => {
    const host = await hosts.get(userId, hostId);
    if (!host) throw new TetherError('not_found', 'no such SSH host');
    return host;
  };
  return {
    kind: 'ssh',
    async build(ws) {
      const host = ws.hostId ? await hosts.byId(ws.hostId) : null;
      if (!host) throw new RuntimeError('unavailable', 'the SSH host of this workspace no longer exists');
      const target = hosts.poolTarget(host);
      const { mode, limits } = host.runner;
      return sshRuntime(mode, { pool: sshPool, target, root: ws.root }, { host: runners.forHost(host.id, target), workspaceId: ws.id, limits });
    },
    check: async (userId, target) => void (await hostOf(userId, target.hostId)),
    async provision({ user, name, target }) {
      const host = await hostOf(user.id, target.hostId);
      const root = await prepareRemoteRoot(sshPool, hosts.poolTarget(host), target.path?.trim() || `~/tether/${name}`);
      return { place: { kind: 'ssh', root, hostId: host.id, workerId: null }, label: `${host.name}:${root}`, userFolder: true, cleanup: async () => {} };
    },
    isAt: (place, target) => place.kind === 'ssh' && place.hostId === target.hostId && (target.path === undefined || target.path === place.root),
    label: async (place, userId) => `${(place.hostId && (await hosts.get(userId, place.hostId))?.name) || 'SSH host'}:${place.root}`,
    release: async () => {},
    removalDeletesFiles: false,
    // Only a runner keeps terminals across a gateway restart, and only one that was up last time is asked.
    async mayHaveTerminals(ws) {
      const h = ws.hostId ? await hosts.byId(ws.hostId) : null;
      return h?.runner.mode !== 'never' && h?.runner.status?.state === 'runner';
    },
    async status(ws, userId) {
      const host = ws.hostId ? await hosts.get(userId, ws.hostId) : null;
      const pool = host ? sshPool.healthOf(userId, host.target) : null;
      return {
        host: host ? { id: host.id, name: host.name } : null,
        pool: pool ? { state: pool.state, connections: pool.connections, channels: pool.channels, failures: pool.failures, nextRetryAt: pool.nextRetryAt, connectMs: pool.connectMs, lastError: pool.lastError } : null,
      };
    },
  };
}
