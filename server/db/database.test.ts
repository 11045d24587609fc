import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config';
import { databaseTarget, isPostgresUrl, redactUrl } from './database';

const env = (vars: Record<string, string>) => vars as NodeJS.ProcessEnv;

describe('DATABASE_URL', () => {
  it('takes a postgres:// URL or a file: path; unset keeps SQLite in DATA_DIR', () => {
    expect(loadConfig(env({ DATABASE_URL: 'postgres://t:secret@db:5432/tether' })).database).toBe('postgres://t:secret@db:5432/tether');
    expect(loadConfig(env({ DATABASE_URL: 'postgresql://db/tether' })).database).toBe('postgresql://db/tether');
    expect(loadConfig(env({ DATABASE_URL: 'file:/srv/tether.db' })).database).toBe('file:/srv/tether.db');
    expect(loadConfig(env({})).database).toBeUndefined();
    expect(loadConfig(env({ DATABASE_URL: '' })).database).toBeUndefined();
    expect(databaseTarget(undefined, '/data/')).toBe('/data/tether.db');
    expect(databaseTarget('postgres://db/x', '/data')).toBe('postgres://db/x');
  });

  it('refuses anything else with a message that never repeats the value', () => {
    let err: unknown;
    try {
      loadConfig(env({ DATABASE_URL: 'mysql://root:hunter2@db/tether' }));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/DATABASE_URL: a postgres:\/\/user:password@host:port\/database URL/);
    expect((err as Error).message).not.toContain('hunter2');
  });

  it('shows a URL without its password', () => {
    expect(redactUrl('postgres://tether:s3cret@db:5432/tether')).toBe('postgres://tether:***@db:5432/tether');
    expect(redactUrl('/data/tether.db')).toBe('/data/tether.db');
    expect(isPostgresUrl('POSTGRES://x/y')).toBe(true);
    expect(isPostgresUrl('file:x.db')).toBe(false);
  });
});
