/**
 * The runtime factory: where a workspace's files and terminals live (its placement: local, cloud
 * worker or SSH host) → the Runtime that serves them. The one place that knows kinds of runtime;
 * everything else sees the Runtime contract (`RuntimeRegistry` calls this once per workspace).
 */
import type { Orchestrator } from '../cloud/orchestrator';
import type { Logger } from '../log';
import { CloudRuntime } from '../runtimes/cloud/cloud-runtime';
import { LocalRuntime } from '../runtimes/local/local-runtime';
import type { PtyHosts } from '../runtimes/local/pty-host';
import { RuntimeError, type Runtime } from '../runtimes/runtime';
import type { SshHostService } from '../hosts/host-service';
import type { SshPool } from '../runtimes/ssh/pool';
import type { RunnerService } from '../runtimes/ssh/runner-service';
import { SshRuntime } from '../runtimes/ssh/ssh-runtime';
import type { Workspace } from '../workspaces/workspace-service';

export interface PlacementDeps {
  /** Builds the runtime of a local workspace instead of the default (tests). */
  localRuntime?: (ws: Workspace) => Runtime;
  /** Extra environment for local terminals. */
  terminalEnv?: Record<string, string>;
  /** Where local terminals live when they should outlive the gateway; null: in the gateway. */
  ptyHosts: PtyHosts | null;
  orchestrator: Orchestrator;
  hosts: SshHostService;
  sshPool: SshPool;
  runners: RunnerService;
  log: Logger;
}

export function runtimeFactory(deps: PlacementDeps): (ws: Workspace) => Runtime {
  const { terminalEnv, ptyHosts, orchestrator, hosts, sshPool, runners, log } = deps;
  // Local terminals live in the pty host, so they survive this process (pty-host.ts).
  const localRuntime =
    deps.localRuntime ?? ((ws: Workspace) => new LocalRuntime(ws.root, { env: terminalEnv, hosted: ptyHosts?.forWorkspace(ws.id, ws.root, terminalEnv) }));
  return (ws) => {
    if (ws.kind === 'local') return localRuntime(ws);
    if (ws.kind === 'cloud') {
      const workerId = ws.workerId ?? '';
      return new CloudRuntime({
        id: `cloud:${workerId}`,
        endpoint: async () => orchestrator.get(workerId)?.endpoint ?? null,
        onActivity: () => orchestrator.touch(workerId),
        log: log.child({ component: 'cloud', worker: workerId }),
      });
    }
    const host = ws.hostId ? hosts.byId(ws.hostId) : null;
    if (!host) throw new RuntimeError('unavailable', 'the SSH host of this workspace no longer exists');
    const target = hosts.poolTarget(host);
    return new SshRuntime({
      pool: sshPool,
      target,
      root: ws.root,
      runner: {
        host: runners.forHost(host.id, target),
        workspaceId: ws.id,
        settings: () => hosts.byId(host.id)?.runner ?? { mode: 'never', limits: {} },
      },
    });
  };
}
