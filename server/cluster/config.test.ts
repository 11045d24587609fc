/** Which cluster bus a gateway's environment asks for, and its node. */
import { hostname } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config';

const load = (vars: Record<string, string>) => loadConfig(vars as NodeJS.ProcessEnv);

describe('cluster configuration', () => {
  it('is one gateway alone by default, on this host as its node', () => {
    expect(load({}).cluster).toEqual({ bus: 'memory', node: hostname() });
  });

  it('uses the SQLite file with TETHER_CLUSTER=on, and Postgres whenever DATABASE_URL is set', () => {
    expect(load({ TETHER_CLUSTER: 'on' }).cluster?.bus).toBe('sqlite');
    const pg = load({ DATABASE_URL: 'postgres://u:p@db.internal:5432/tether' });
    expect(pg.cluster?.bus).toBe('postgres');
    expect(pg.database).toBe('postgres://u:p@db.internal:5432/tether');
    expect(load({ DATABASE_URL: 'postgresql://db/tether', TETHER_CLUSTER: 'off' }).cluster?.bus).toBe('memory');
  });

  it('takes the node name from TETHER_NODE_NAME and refuses a bad one or a non-Postgres URL', () => {
    expect(load({ TETHER_NODE_NAME: 'build-1' }).cluster?.node).toBe('build-1');
    expect(() => load({ TETHER_NODE_NAME: 'a b' })).toThrow(ConfigError);
    expect(() => load({ DATABASE_URL: 'mysql://db/tether' })).toThrow(/DATABASE_URL: a postgres:\/\/user/);
  });
});
