/**
 * The local pty host: local terminals live in a detached worker agent (the runner artifact run
 * as `serve`, server/worker/daemon.ts) instead of in the gateway, so a gateway restart — deploy,
 * crash, upgrade — does not end them. The gateway talks to it with lib/protocol over its Unix
 * socket (DATA_DIR/pty-host/<digest16>/agent.sock, 0600, in a 0700 directory, every link
 * authenticated with the directory's secret): the same AgentClient path as cloud workers and
 * SSH runners.
 *
 * One host per gateway data directory and runner version: every Tether user's local terminals
 * run as the gateway's own OS user anyway, so one process per user would isolate nothing the
 * kernel enforces; it would only multiply processes. A crash ends every local terminal, which
 * is reported on each (`lost`) and a new host is started for new ones.
 *
 * Versions: the host of this gateway's runner digest is the current one and serves new
 * terminals. A host left by an older gateway keeps its terminals; this gateway re-attaches them
 * through that host's own socket and never kills it — it exits by itself once it has no terminal
 * and no link (idle exit).
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { terminate as terminateProcesses } from '../../os/processes';
import type { Logger } from '../../log';
import { connectDaemon, readDaemonInfo, socketAnswers, spawnDaemon, SOCKET_NAME } from '../agent/daemon-dir';
import { AgentBindings } from '../agent/agent-bindings';
import { AgentClient, AgentGoneError } from '../agent/agent-client';
import { AgentTerminals } from '../agent/agent-pty';
import { runnerArtifact } from '../agent/runner-artifact';
import { koffiDir } from '../../os/libc';
import type { PtyOptions, PtyProcess, RunningTerminal } from '../runtime';
import { whyNoTakeFds } from '../../os/take-fd';
import { LentReader } from './lent-reader';
import { makeRingFile, openHostRing } from './host-ring';
import { MALLOC_TUNING_ENV, terminalEnv, type HostedTerminals } from './local-runtime';
import { ptyHandlesAvailable } from './spawner';

export interface PtyHostOptions {
  dataDir: string;
  log: Logger;
  /** How long the host keeps terminals with no gateway connected. */
  graceMs: number;
  /** The host exits after this long with no terminal and no link. */
  idleExitMs?: number;
  /** Terminals end as lost if the host cannot be reached (or restarted) for this long. */
  lostAfterMs?: number;
}

const SWEEP_MS = 10_000;

/**
 * Whether this gateway reads its terminals' PTYs itself, the host lending them (lent-reader.ts):
 * on Linux where descriptors can be taken from the host (os/take-fd.ts) and read through a pipe
 * handle. `TETHER_PTY_LEND=off` keeps every byte relayed through the host instead.
 */
function lendingHere(): boolean {
  return process.env.TETHER_PTY_LEND !== 'off' && lendingUnavailable() === '';
}

/** Why this gateway cannot read its terminals' PTYs itself ('' when it can). */
function lendingUnavailable(): string {
  if (!ptyHandlesAvailable()) return "this Node has no process.binding('pipe_wrap') to read a PTY with";
  return whyNoTakeFds();
}

/**
 * Terminals lent at once at most (TETHER_PTY_LEND_MAX); the host relays the others. Lending
 * them all takes the relay off every byte: with 500 printing (bench:load) the gateway and the
 * host took 43–46% of a core together against 60–63% with 64 lent. That needs the gateway to
 * read them in bounded turns (lent-reader.ts, TURN_LENT_BYTES): without that, with 1,000 printing
 * on 2 cores, each turn read every terminal and echo waited (p50 0.95 s); with it, echo p50 58 ms,
 * p99 0.3 s, and output arrives as it is printed (12–13 MiB/s a second), where 64 lent left the
 * host's relay behind (echo p50 13–17 ms but p99 0.75–0.84 s, and 2 MiB/s a second until a burst
 * at the end). A limit stays: each lent terminal is two descriptors in the gateway.
 */
function lendMax(): number {
  return Number(process.env.TETHER_PTY_LEND_MAX ?? 1024);
}

/** The host's environment: what its terminals get, how it starts them (spawner.ts), and the
 * gateway's malloc tuning for the host itself (its terminals do not get that). */
function hostEnv(): NodeJS.ProcessEnv {
  const how = process.env.TETHER_PTY_SPAWNER;
  const tuning = Object.entries(process.env).filter(([k]) => MALLOC_TUNING_ENV.test(k));
  // Lending on: the host keeps terminals' output in files this gateway reads (worker/ring-file.ts).
  const ringFiles = lendingHere() ? { TETHER_RING_FILES: '1' } : {};
  // This install's koffi, with which the host starts programs through posix_spawn (os/posix-spawn.ts).
  const koffi = koffiDir();
  return { ...terminalEnv(), ...Object.fromEntries(tuning), ...(how ? { TETHER_PTY_SPAWNER: how } : {}), ...ringFiles, ...(koffi ? { TETHER_KOFFI: koffi } : {}) } as NodeJS.ProcessEnv;
}

interface Host {
  dir: string;
  client: AgentClient;
  bindings: AgentBindings;
  current: boolean;
}

export class PtyHosts {
  private readonly hosts = new Map<string, Host>();
  /** Running terminal id → the host that has it (for attach). */
  private readonly owner = new Map<string, Host>();
  private currentDir: Promise<string> | null = null;
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly opts: PtyHostOptions) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_MS);
    this.sweeper.unref();
    // Relaying every byte through the host costs about twice the CPU and keeps output twice:
    // say so, and why, unless it was asked for.
    const why = process.env.TETHER_PTY_LEND === 'off' ? '' : lendingUnavailable();
    if (why) opts.log.warn('terminal output is relayed through the pty host: this gateway cannot read the PTYs itself', { reason: why });
  }

  private get base(): string {
    return path.join(this.opts.dataDir, 'pty-host');
  }

  /** The terminals of one local workspace (bound on the host on first use; `confine`: sandboxed). */
  forWorkspace(workspaceId: string, root: string, env: Record<string, string> = {}, confine = false): HostedTerminals {
    const bind = async (): Promise<AgentTerminals> => {
      const host = await this.current();
      await host.bindings.ensure(workspaceId, { root, limits: {}, env, ...(confine ? { confine } : {}) });
      return new AgentTerminals(host.client, workspaceId);
    };
    return {
      open: async (o) => (await bind()).open(o),
      running: async () => {
        await this.discover();
        const all: RunningTerminal[] = [];
        for (const host of this.hosts.values()) {
          const list = await new AgentTerminals(host.client, workspaceId).running().catch((err: Error) => {
            this.opts.log.warn('pty host did not list its terminals', { dir: host.dir, error: err.message });
            return [];
          });
          for (const t of list) this.owner.set(t.id, host);
          all.push(...list);
        }
        return all;
      },
      attach: async (t) => {
        const host = this.owner.get(t.id) ?? (await this.current());
        return new AgentTerminals(host.client, workspaceId).attach(t);
      },
    };
  }

  /** The pid of the current host (tests). */
  async currentPid(): Promise<number> {
    const host = await this.current();
    return (await host.client.call('agent.info', {})).result.pid;
  }

  /** Close our links; the hosts and their terminals go on (a gateway restarting). */
  dispose(): void {
    clearInterval(this.sweeper);
    for (const h of this.hosts.values()) h.client.dispose();
    this.hosts.clear();
  }

  /** End every pty host of this data directory and its terminals (tests; never the gateway's own
   * shutdown, whose point is to leave them running). */
  async terminate(): Promise<void> {
    this.dispose();
    const pids = this.hostDirs().flatMap((dir) => readDaemonInfo(dir)?.pid ?? []);
    await terminateProcesses(pids, 5000);
  }

  /** Every host directory (of any version) under DATA_DIR/pty-host. */
  private hostDirs(): string[] {
    try {
      return readdirSync(this.base).map((d) => path.join(this.base, d));
    } catch {
      return [];
    }
  }

  /** Let go of older hosts whose terminals have all ended: with no link they exit on their own. */
  private sweep(): void {
    for (const [dir, h] of this.hosts) {
      if (h.current || h.client.activeTerminals > 0) continue;
      h.client.dispose();
      this.hosts.delete(dir);
    }
  }

  private async current(): Promise<Host> {
    this.currentDir ??= runnerArtifact(this.opts.dataDir).then((a) => path.join(this.base, a.sha256.slice(0, 16)));
    const dir = await this.currentDir;
    let host = this.hosts.get(dir);
    if (!host) this.hosts.set(dir, (host = this.client(dir, true)));
    return host;
  }

  /** Hosts left by earlier gateways (other versions) that still answer. */
  private async discover(): Promise<void> {
    await this.current();
    for (const dir of this.hostDirs()) {
      if (this.hosts.has(dir)) continue;
      if (await socketAnswers(path.join(dir, SOCKET_NAME))) this.hosts.set(dir, this.client(dir, false));
    }
  }

  private client(dir: string, current: boolean): Host {
    const bindings = new AgentBindings(() => host.client);
    const host: Host = {
      dir,
      current,
      bindings,
      client: new AgentClient({
        dial: async () => {
          try {
            return await connectDaemon(dir);
          } catch (err) {
            // An older host that is gone stays gone; the current one is (re)started.
            if (!current) throw new AgentGoneError(`the pty host in ${path.basename(dir)} has ended`);
            this.opts.log.info('starting the pty host', { dir, after: (err as Error).message });
            const artifact = await runnerArtifact(this.opts.dataDir);
            await spawnDaemon({ script: artifact.path, dir, graceMs: this.opts.graceMs, idleExitMs: this.opts.idleExitMs, env: hostEnv() });
            return connectDaemon(dir);
          }
        },
        // A new host process has no bindings; one that lived on keeps them (binding is idempotent).
        afterConnect: (callNow) => bindings.rebind(callNow),
        log: this.opts.log.child({ component: 'pty-host' }),
        lostAfterMs: this.opts.lostAfterMs ?? 15_000,
        name: 'the pty host',
        lostTerminal: 'the pty host ended (it crashed or was killed), and this terminal with it',
        ...(lendingHere() ? { lend: { reader: () => new LentReader(), max: lendMax(), ringFiles: { make: makeRingFile, open: openHostRing } } } : {}),
      }),
    };
    return host;
  }
}
