/** The gauges' sources: live figures read at scrape time from the gateway's objects. */
import type { Orchestrator } from '../cloud/orchestrator';
import type { SessionRegistry } from '../core/session-registry';
import type { WsGateway } from '../gateway/ws-server';
import type { SshPool } from '../runtimes/ssh/pool';
import type { ShareService } from '../sharing/share-service';
import type { MetricSources } from './metrics';

export interface GaugedObjects {
  sessions: SessionRegistry;
  sshPool: SshPool;
  orchestrator: Orchestrator;
  gateway: WsGateway;
  shares: ShareService;
}

/** `get` is called at scrape time, so the objects may be built after the Metrics that reads them. */
export function gauges(get: () => GaugedObjects): MetricSources {
  return {
    sessions: () => ({ running: get().sessions.running, total: get().sessions.size }),
    sshPool: () => {
      const entries = get().sshPool.health();
      return {
        connections: entries.reduce((n, e) => n + e.connections, 0),
        channels: entries.reduce((n, e) => n + e.channels, 0),
        healthy: entries.filter((e) => e.state === 'ready').length,
        hosts: entries.length,
      };
    },
    cloudPool: () => get().orchestrator.poolStatus(),
    sockets: () => get().gateway.size,
    guestsOnline: () => get().shares.guestsOnline(),
  };
}
