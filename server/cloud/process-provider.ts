/**
 * The embedded worker provider: each cloud worker is a worker-agent process on this machine.
 *
 * `<baseDir>/<id>/` holds everything a worker owns: `token` (its secret, 0600), `workspace/` (the
 * workspace root), `home/` (its HOME), `agent.log` (the agent's stderr) and `state.json`
 * ({pid, url, startedAt}, written once it listens). That directory is the provider's whole record:
 * workers run detached in their own session, outlive the gateway, and are found again from disk.
 *
 * Agents get a clean environment (never the gateway's secrets) and, where bubblewrap works, a
 * sandbox in which they see the system read-only, the code, and their own directory — not other
 * workers' directories, nor DATA_DIR. Without bubblewrap (or user namespaces) they run unconfined,
 * which is logged once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, openSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { Logger } from '../log';
import { commandLine, findProcesses, terminate } from '../os/processes';
import { BWRAP, probeSandbox, systemMounts } from '../os/sandbox';
import { AGENT_NODE_FLAGS } from '../runtimes/agent/daemon-dir';
import type { ProviderWorker, WorkerEndpoint, WorkerProvider, WorkerSize } from './provider';

export interface ProcessProviderOptions {
  /** One directory per worker (DATA_DIR/workers). */
  baseDir: string;
  /** The repository: server/worker/main.ts, node_modules and the tsconfig.json tsx reads. */
  repoRoot: string;
  log: Logger;
  /** 'auto' (default): run agents under bubblewrap when it works here; 'off': never. */
  sandbox?: 'auto' | 'off';
}

const AGENT_MAIN = 'server/worker/main.ts';
const START_TIMEOUT_MS = 30_000;
const KILL_GRACE_MS = 3_000;
const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
const LISTENING = /^Tether worker listening on (ws:\/\/\S+\/)$/;
const LOG_TAIL_CHARS = 2_000;

interface WorkerState {
  pid: number;
  url: string;
  startedAt: number;
}

/** All an agent's environment: nothing of the gateway's (NODE_OPTIONS included) leaks in. */
export function workerEnv(home: string): Record<string, string> {
  return { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8', TERM: 'xterm-256color' };
}

export { probeSandbox };

export interface SandboxLayout {
  repoRoot: string;
  baseDir: string;
  /** The worker's own directory, the only writable place besides its private /tmp. */
  workerDir: string;
  /** Default: this process's node. */
  nodePath?: string;
}

/**
 * The bubblewrap command line that runs `command` confined to `layout`. Order matters: later
 * mounts go on top of earlier ones, so /tmp is private before the repository (which may itself
 * live under /tmp) is bound, and DATA_DIR is hidden before the worker's own directory reappears.
 *
 * `--dev /dev` mounts a fresh devpts instance, so PTYs work and show only the worker's own.
 * `--cap-drop ALL` matters when the gateway is root: bwrap keeps root's capabilities otherwise,
 * and CAP_SYS_ADMIN could simply mount its way out. No `--die-with-parent`: workers outlive
 * the gateway. No network namespace: the gateway reaches the agent on loopback.
 */
export function sandboxArgv(layout: SandboxLayout, command: readonly string[]): string[] {
  const readOnly = [path.dirname(layout.nodePath ?? process.execPath), layout.repoRoot];
  return [
    BWRAP,
    ...systemMounts(),
    ...['--tmpfs', '/tmp', '--proc', '/proc', '--dev', '/dev'],
    ...readOnly.flatMap((p) => ['--ro-bind', p, p]),
    ...hiddenDataDir(layout, readOnly).flatMap((p) => ['--tmpfs', p]),
    ...['--bind', layout.workerDir, layout.workerDir],
    ...['--unshare-pid', '--new-session', '--cap-drop', 'ALL', '--chdir', layout.repoRoot],
    '--',
    ...command,
  ];
}

/** DATA_DIR (baseDir's parent), or baseDir itself, when a read-only mount would expose it (the default ./data lies inside the repository). */
function hiddenDataDir(layout: SandboxLayout, readOnly: string[]): string[] {
  const trees = ['/usr', '/etc', ...readOnly];
  const hidden = [path.dirname(layout.baseDir), layout.baseDir].find((p) => trees.some((t) => strictlyInside(p, t)));
  return hidden ? [hidden] : [];
}

function strictlyInside(p: string, tree: string): boolean {
  const rel = path.relative(tree, p);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

export class ProcessProvider implements WorkerProvider {
  readonly name = 'process';
  /** Ids being created by this process; they have a directory but no state.json yet. */
  private readonly starting = new Set<string>();
  /** Null when agents run under bubblewrap, else why they do not. */
  private unconfined: Promise<string | null> | undefined;

  constructor(private readonly opts: ProcessProviderOptions) {}

  /** Starts the agent; the worker's size is recorded by the orchestrator but not enforced here. */
  async create(spec: { id: string; size: WorkerSize }): Promise<ProviderWorker & { endpoint: WorkerEndpoint }> {
    const { id } = spec;
    const dir = this.dir(id);
    await mkdir(this.opts.baseDir, { recursive: true, mode: 0o700 });
    await mkdir(dir, { mode: 0o700 }); // fails for an id in use
    this.starting.add(id);
    try {
      await mkdir(path.join(dir, 'workspace'));
      await mkdir(path.join(dir, 'home'));
      const secret = randomBytes(32).toString('base64url');
      await writeFile(this.tokenFile(id), secret + '\n', { mode: 0o600, flag: 'wx' });
      const url = await this.launch(id);
      const pid = this.agentPids(id)[0];
      if (pid === undefined) throw new Error(`the worker agent exited right after listening${await this.logTail(id)}`);
      await this.writeState(id, { pid, url, startedAt: Date.now() });
      this.opts.log.info('cloud worker started', { workerId: id, pid, url, sandbox: await this.useSandbox() });
      return { id, state: 'running', endpoint: { url, secret } };
    } catch (err) {
      await this.destroy(id);
      throw err;
    } finally {
      this.starting.delete(id);
    }
  }

  /** SIGTERM the agent (it ends its terminals), SIGKILL what is left after 3 s, delete its directory. */
  async destroy(id: string): Promise<void> {
    const dir = this.dir(id);
    const tokenFile = this.tokenFile(id);
    // Both bwrap processes and the agent name the token file; the agent's terminals run under them.
    await terminate(findProcesses((argv) => argv.includes(tokenFile)), KILL_GRACE_MS);
    await rm(dir, { recursive: true, force: true });
    this.opts.log.info('cloud worker destroyed', { workerId: id });
  }

  async list(): Promise<ProviderWorker[]> {
    let ids: string[];
    try {
      ids = (await readdir(this.opts.baseDir, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw err;
    }
    return Promise.all(
      ids.filter((id) => ID_PATTERN.test(id)).map(async (id): Promise<ProviderWorker> => {
        if (this.starting.has(id)) return { id, state: 'starting', endpoint: null };
        const endpoint = await this.endpoint(id);
        return { id, state: endpoint ? 'running' : 'gone', endpoint };
      }),
    );
  }

  /** From disk; null unless the pid in state.json is still this worker's agent. */
  async endpoint(id: string): Promise<WorkerEndpoint | null> {
    const state = await this.readState(id);
    if (!state || !this.isAgent(state.pid, id)) return null;
    const secret = (await readFile(this.tokenFile(id), 'utf8')).trim();
    return { url: state.url, secret };
  }

  private dir(id: string): string {
    if (!ID_PATTERN.test(id)) throw new Error(`invalid worker id: ${JSON.stringify(id)}`);
    return path.join(this.opts.baseDir, id);
  }

  private tokenFile(id: string): string {
    return path.join(this.dir(id), 'token');
  }

  /** Spawn the agent (in the sandbox when possible) and resolve with its URL once it listens. */
  private async launch(id: string): Promise<string> {
    const dir = this.dir(id);
    const { repoRoot, baseDir } = this.opts;
    const agent = [process.execPath, ...AGENT_NODE_FLAGS, '--import', 'tsx', path.join(repoRoot, AGENT_MAIN)];
    agent.push('--listen', '127.0.0.1:0', '--token-file', this.tokenFile(id), '--root', path.join(dir, 'workspace'));
    const argv = (await this.useSandbox()) ? sandboxArgv({ repoRoot, baseDir, workerDir: dir }, agent) : agent;
    const logFd = openSync(path.join(dir, 'agent.log'), 'a', 0o600);
    let child: ChildProcess;
    try {
      // cwd: tsx resolves `--import tsx` and reads tsconfig.json from there (never from a user's workspace).
      child = spawn(argv[0]!, argv.slice(1), {
        cwd: repoRoot,
        detached: true,
        // (Next.js types declare NODE_ENV required in ProcessEnv; the agent must not get it.)
        env: workerEnv(path.join(dir, 'home')) as NodeJS.ProcessEnv,
        stdio: ['ignore', 'pipe', logFd],
      });
    } finally {
      closeSync(logFd);
    }
    try {
      return await waitForListening(child, START_TIMEOUT_MS);
    } catch (err) {
      throw new Error(`the worker agent ${(err as Error).message}${await this.logTail(id)}`);
    }
  }

  /** For the admin view: "bubblewrap", or "none (why)". */
  async sandbox(): Promise<string> {
    const why = await this.whyUnconfined();
    return why === null ? 'bubblewrap' : `none (${why})`;
  }

  private async useSandbox(): Promise<boolean> {
    return (await this.whyUnconfined()) === null;
  }

  private whyUnconfined(): Promise<string | null> {
    this.unconfined ??=
      this.opts.sandbox === 'off'
        ? Promise.resolve('turned off')
        : probeSandbox().then((reason) => {
            if (reason) this.opts.log.warn('cloud workers run without a sandbox', { reason });
            return reason;
          });
    return this.unconfined;
  }

  /** The agent process itself (under bwrap, the two bwrap processes above it name the token file too). */
  private agentPids(id: string): number[] {
    const tokenFile = this.tokenFile(id);
    return findProcesses((argv) => argv[0] === process.execPath && argv.includes(tokenFile));
  }

  private isAgent(pid: number, id: string): boolean {
    const argv = commandLine(pid);
    return argv !== null && argv.includes(this.tokenFile(id)) && argv.some((a) => a.endsWith(AGENT_MAIN));
  }

  private async readState(id: string): Promise<WorkerState | null> {
    try {
      return JSON.parse(await readFile(path.join(this.dir(id), 'state.json'), 'utf8')) as WorkerState;
    } catch {
      return null;
    }
  }

  private async writeState(id: string, state: WorkerState): Promise<void> {
    const file = path.join(this.dir(id), 'state.json');
    await writeFile(`${file}.tmp`, JSON.stringify(state) + '\n');
    await rename(`${file}.tmp`, file);
  }

  private async logTail(id: string): Promise<string> {
    try {
      const log = (await readFile(path.join(this.dir(id), 'agent.log'), 'utf8')).trim();
      return log ? `; its log ends with:\n${log.slice(-LOG_TAIL_CHARS)}` : '';
    } catch {
      return '';
    }
  }
}

/**
 * Resolve with the URL from the agent's one stdout line. Afterwards stdout keeps being drained
 * (a full pipe would block the agent) and neither it nor the child keeps the gateway alive.
 */
function waitForListening(child: ChildProcess, timeoutMs: number): Promise<string> {
  const stdout = child.stdout as Socket;
  return new Promise((resolve, reject) => {
    let buffered = '';
    const settle = (result: string | Error) => {
      clearTimeout(timer);
      stdout.off('data', onData);
      child.off('exit', onExit);
      child.off('error', onError);
      stdout.resume();
      stdout.unref();
      child.unref();
      if (typeof result === 'string') resolve(result);
      else reject(result);
    };
    const onData = (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const m = LISTENING.exec(line.trim());
        if (m) return settle(m[1]!);
      }
    };
    const onExit = (code: number | null, signal: string | null) => settle(new Error(`exited (${signal ?? code}) before listening`));
    const onError = (err: Error) => settle(new Error(`failed to start (${err.message})`));
    const timer = setTimeout(() => settle(new Error(`did not listen within ${timeoutMs / 1000} s`)), timeoutMs);
    stdout.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
    child.once('error', onError);
  });
}
