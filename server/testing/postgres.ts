/**
 * Test fixture: a real, throwaway PostgreSQL server (Debian's `postgresql` package, installed by
 * .ci/run) on a free loopback port, for the data layer and the several-gateways tests.
 *
 * One cluster per test file: initdb into a temp dir, `postgres` listening on 127.0.0.1 only (and a
 * Unix socket in the same dir), password authentication for TCP. PostgreSQL refuses to run as
 * root, so when we are root the cluster belongs to the `postgres` user the Debian package creates.
 * Each `database()` call creates a fresh, empty database and returns its `postgres://` URL.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chown, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './free-port';

const run = promisify(execFile);
const HOST = '127.0.0.1';
const SUPERUSER = 'tether';
const READY_TIMEOUT_MS = 20_000;

export interface TestPostgres {
  readonly host: string;
  readonly port: number;
  /** URL of the cluster's `postgres` database, as the superuser. */
  readonly adminUrl: string;
  /** Create a fresh empty database; its URL (superuser credentials). */
  database(name?: string): Promise<string>;
  /** Stop the server; its port refuses connections when this resolves. Idempotent. */
  stop(): Promise<void>;
  /** Start again on the same port with the same data (after stop). */
  start(): Promise<void>;
  /** stop() and remove the data dir. */
  close(): Promise<void>;
}

/** The directory holding initdb and postgres: Debian's versioned folder, or PATH. */
export function postgresBinDir(): string {
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'postgres')));
    versions.sort((a, b) => Number(b) - Number(a));
    if (versions[0]) return path.join(base, versions[0], 'bin');
  }
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(path.join(dir, 'postgres')) && existsSync(path.join(dir, 'initdb'))) return dir;
  }
  throw new Error('PostgreSQL is not installed (apt-get install postgresql; .ci/run does this)');
}

export async function startPostgres(): Promise<TestPostgres> {
  const bin = postgresBinDir();
  const root = process.getuid?.() === 0;
  const ids = root ? await userIds('postgres') : undefined;
  const dir = await mkdtemp(path.join(os.tmpdir(), 'tether-pg-'));
  const data = path.join(dir, 'data');
  const password = `pw-${Math.random().toString(36).slice(2)}`;
  const pwFile = path.join(dir, 'pwfile');
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  if (ids) {
    await chown(dir, ids.uid, ids.gid);
    await chown(pwFile, ids.uid, ids.gid);
  }
  const asOwner: { uid?: number; gid?: number; env: NodeJS.ProcessEnv } = { ...ids, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C.UTF-8' } as unknown as NodeJS.ProcessEnv };
  await run(path.join(bin, 'initdb'), ['-D', data, '-U', SUPERUSER, '--pwfile', pwFile, '-A', 'scram-sha-256', '-E', 'UTF8', '--no-sync'], asOwner);
  const port = await freePort();
  let child: ChildProcess | null = null;

  const start = async (): Promise<void> => {
    const proc = spawn(
      path.join(bin, 'postgres'),
      ['-D', data, '-p', String(port), '-c', `listen_addresses=${HOST}`, '-c', `unix_socket_directories=${dir}`, '-c', 'fsync=off', '-c', 'max_connections=200'],
      { ...asOwner, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let log = '';
    proc.stderr!.on('data', (d: Buffer) => { log = (log + d.toString()).slice(-4000); });
    child = proc;
    const deadline = Date.now() + READY_TIMEOUT_MS;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`postgres exited (${proc.exitCode}): ${log}`);
      const client = new pg.Client({ connectionString: adminUrl });
      try {
        await client.connect();
        await client.end();
        return;
      } catch {
        await client.end().catch(() => {});
        if (Date.now() > deadline) throw new Error(`postgres did not start in time: ${log}`);
        await sleep(100);
      }
    }
  };
  const stop = async (): Promise<void> => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((resolve) => proc.once('exit', resolve));
    proc.kill('SIGINT'); // fast shutdown: ends every connection
    await Promise.race([exited, sleep(10_000).then(() => proc.kill('SIGKILL'))]);
    await exited;
  };
  const adminUrl = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@${HOST}:${port}/postgres`;
  try {
    await start();
  } catch (err) {
    await stop();
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
  let seq = 0;
  return {
    host: HOST,
    port,
    adminUrl,
    async database(name) {
      const db = name ?? `t_${process.pid}_${++seq}_${Math.random().toString(36).slice(2, 8)}`;
      if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`bad database name: ${db}`);
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${db}`);
      } finally {
        await client.end();
      }
      return `postgres://${SUPERUSER}:${encodeURIComponent(password)}@${HOST}:${port}/${db}`;
    },
    stop,
    start,
    async close() {
      await stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function userIds(name: string): Promise<{ uid: number; gid: number }> {
  const { stdout } = await run('id', ['-u', name]).catch(() => {
    throw new Error(`no '${name}' user: install Debian's postgresql package (.ci/run does this)`);
  });
  const { stdout: g } = await run('id', ['-g', name]);
  return { uid: Number(stdout.trim()), gid: Number(g.trim()) };
}

