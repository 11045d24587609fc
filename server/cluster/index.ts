/** The cluster bus this gateway's configuration asks for (bus.ts), started. */
import type { Config } from '../config';
import type { DatabaseHandle } from '../db/database';
import type { Logger } from '../log';
import { ClusterBus, memoryTransport } from './bus';
import { postgresTransport } from './pg-bus';
import { sqliteTransport } from './sqlite-bus';

export { ClusterBus } from './bus';
export { wireCluster, type ClusterSockets } from './wiring';

export async function openClusterBus(config: Config, dbh: DatabaseHandle, log: Logger): Promise<ClusterBus> {
  const kind = config.cluster?.bus ?? 'memory';
  const transport = kind === 'postgres' && config.database ? postgresTransport(config.database, log) : kind === 'sqlite' ? sqliteTransport(dbh, log) : memoryTransport();
  const bus = new ClusterBus(transport, log);
  await bus.start();
  if (transport.kind !== 'memory') log.info('cluster bus up', { bus: transport.kind, gateway: bus.gatewayId, node: config.cluster?.node });
  return bus;
}
