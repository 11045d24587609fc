/** Test and bench helper: end the SSH runner daemons a test started on a host (read from their
 * agent.json under `<home>/<cacheDir>/run-*`), with their terminals. */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { terminate } from '../os/processes';
import { readDaemonInfo } from '../runtimes/agent/daemon-dir';

export async function endRunnerDaemons(home: string, cacheDir: string): Promise<void> {
  const base = path.join(home, cacheDir);
  let dirs: string[] = [];
  try {
    dirs = readdirSync(base).filter((d) => d.startsWith('run-'));
  } catch {
    return;
  }
  await terminate(
    dirs.flatMap((d) => readDaemonInfo(path.join(base, d))?.pid ?? []),
    3000,
  );
}
