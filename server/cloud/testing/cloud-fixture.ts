/**
 * Test fixture for cloud workers: a temp DATA_DIR with a migrated database and ProcessProviders
 * whose workers (this repository's real worker agent) live in DATA_DIR/workers. dispose()
 * destroys every worker left there, so a failed test leaves no detached agents behind.
 */
import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { openDatabase, type DatabaseHandle } from '../../db/database';
import { silentLogger, type Logger } from '../../log';
import { ProcessProvider } from '../process-provider';
import { agentRequestTarget } from '../worker-health';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../../..');

export interface CloudFixture {
  dataDir: string;
  /** DATA_DIR/workers. */
  baseDir: string;
  dbh: DatabaseHandle;
  /** A new provider on DATA_DIR/workers (a second one stands for the gateway after a restart). */
  provider(opts?: { log?: Logger; sandbox?: 'auto' | 'off' }): ProcessProvider;
  /** The agent pid from a worker's state.json. */
  agentPid(workerId: string): Promise<number>;
  dispose(): Promise<void>;
}

export async function createCloudFixture(): Promise<CloudFixture> {
  const dataDir = await realpath(await mkdtemp(path.join(os.tmpdir(), 'tether-cloud-')));
  const baseDir = path.join(dataDir, 'workers');
  const dbh = await openDatabase(path.join(dataDir, 'tether.db'));
  const provider = (opts: { log?: Logger; sandbox?: 'auto' | 'off' } = {}) =>
    new ProcessProvider({ baseDir, repoRoot: REPO_ROOT, log: opts.log ?? silentLogger, sandbox: opts.sandbox });
  return {
    dataDir,
    baseDir,
    dbh,
    provider,
    async agentPid(workerId) {
      return (JSON.parse(await readFile(path.join(baseDir, workerId, 'state.json'), 'utf8')) as { pid: number }).pid;
    },
    async dispose() {
      const leftover = provider();
      await Promise.all((await leftover.list()).map((w) => leftover.destroy(w.id)));
      await dbh.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export { until } from '../../testing/until';

/** GET /healthz of an agent's ws:// or ws+unix:// URL: the body, or null when it does not answer. */
export function healthz(url: string): Promise<string | null> {
  return new Promise((resolve) => {
    const req = http.get({ ...agentRequestTarget(url, '/healthz'), agent: false, timeout: 2_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.once('end', () => resolve(res.statusCode === 200 ? body : null));
    });
    req.once('timeout', () => req.destroy());
    req.once('error', () => resolve(null));
  });
}
