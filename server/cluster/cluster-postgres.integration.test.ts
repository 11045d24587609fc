/**
 * The cross-gateway cases (cross-gateway-cases.ts) with the cluster bus on a real Postgres
 * (LISTEN/NOTIFY): two gateway processes with DATABASE_URL behind nginx. Until the Postgres data
 * layer lands the gateways keep their data in the shared DATA_DIR's SQLite file and use Postgres
 * for the bus only; with it, the same test runs them wholly on Postgres.
 */
import { afterAll, beforeAll } from 'vitest';
import { startPostgres, type TestPostgres } from '../testing/postgres';
import { clusterUnderTest, crossGatewayCases, type ClusterUnderTest } from './cross-gateway-cases';

let pg: TestPostgres;
let c: ClusterUnderTest;

beforeAll(async () => {
  pg = await startPostgres();
  c = await clusterUnderTest({ databaseUrl: await pg.database() });
}, 120_000);
afterAll(async () => {
  await c?.cluster.close();
  await pg?.close();
});

crossGatewayCases(() => c);
