/**
 * Direct SSH runtime: a workspace in a directory on the user's server, over pooled connections.
 * `exec` runs an argv (every word quoted; never a shell string built from values) under the
 * remote `timeout` when the server has it; files go over SFTP (sftp-fs.ts) and are watched by
 * polling; terminals are exec channels with a PTY (ssh-pty.ts), and one whose connection drops
 * ends with `lost` set. The runner's runtimes (runner-runtime.ts) build on this one.
 */
import type { Client, SFTPWrapper } from 'ssh2';
import type { AgentFs } from '../agent/agent-fs';
import type { Disposable, ExecOptions, ExecResult, FsEvent, PtyOptions, PtyProcess, Runtime, RuntimeHealth } from '../runtime';
import { RuntimeError } from '../runtime';
import { WatchFanout } from '../watch-fanout';
import { SshError } from './errors';
import { endpointName, type PoolTarget, type SshPool } from './pool';
import { SftpFs, call, type SftpSource } from './sftp-fs';
import { openExec, runLine, shellQuote } from './ssh-exec';
import { SshPty } from './ssh-pty';

const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
const DEFAULT_EXEC_MAX_OUTPUT = 16 * 1024 * 1024;
/** After the remote `timeout` should have fired, the channel is closed from here. */
const LOCAL_TIMEOUT_GRACE_MS = 5000;

/** SFTP files, watched through the runner's inotify when a runner serves the workspace, by polling otherwise. */
class SshFs extends SftpFs {
  private readonly fanout: WatchFanout;

  constructor(source: SftpSource, root: string, opts: { watchIntervalMs: number; maxWatchedEntries: number }, watchSource: () => Promise<AgentFs | null>) {
    super(source, root, opts);
    this.fanout = new WatchFanout((emit) => {
      let sub: Disposable | null = null;
      let stopped = false;
      void watchSource()
        .catch(() => null)
        .then((viaRunner) => {
          if (!stopped) sub = viaRunner ? viaRunner.watch(emit) : super.watch(emit);
        });
      return () => {
        stopped = true;
        sub?.dispose();
      };
    });
  }

  override watch(listener: (events: FsEvent[]) => void): Disposable {
    return this.fanout.subscribe(listener);
  }

  override dispose(): void {
    this.fanout.dispose();
    super.dispose();
  }
}

export interface SshRuntimeOptions {
  pool: SshPool;
  target: PoolTarget;
  /** Workspace folder on the server: absolute, `~/dir`, or relative to the login directory. */
  root: string;
  watchIntervalMs?: number;
}

export class DirectSshRuntime implements Runtime {
  readonly id: string;
  readonly fs: SshFs;
  private sftpSession: Promise<SFTPWrapper> | null = null;
  private hasTimeout: Promise<boolean> | null = null;
  private disposed = false;

  constructor(protected readonly opts: SshRuntimeOptions) {
    this.id = `ssh:${endpointName(opts.target.target)}:${opts.root}`;
    this.fs = new SshFs({ sftp: () => this.sftp() }, opts.root, { watchIntervalMs: opts.watchIntervalMs ?? 2000, maxWatchedEntries: 20_000 }, () => this.watchSource());
  }

  get where(): string {
    return endpointName(this.opts.target.target);
  }

  /** Who watches the files for change events: null, polling over SFTP (a runner's runtime: its inotify). */
  protected watchSource(): Promise<AgentFs | null> {
    return Promise.resolve(null);
  }

  openPty(opts: PtyOptions): Promise<PtyProcess> {
    return this.openDirectPty(opts);
  }

  /** A login shell (or `command`) in an exec channel with a PTY. */
  protected async openDirectPty(opts: PtyOptions): Promise<PtyProcess> {
    const cwd = await this.cwd(opts.cwd);
    const shell = opts.command ? `"\${SHELL:-/bin/sh}" -c ${shellQuote(opts.command)}` : `"\${SHELL:-/bin/sh}" -l`;
    const line = `export TERM_PROGRAM=tether COLORTERM=truecolor; cd ${shellQuote(cwd)} && exec ${shell}`;
    const handle = await this.channel((client) => openExec(client, line, { pty: { term: 'xterm-256color', cols: opts.cols, rows: opts.rows, width: 0, height: 0 } }));
    return new SshPty(handle, opts.command ?? 'login shell', this.where);
  }

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    const [file] = argv;
    if (!file) throw new RuntimeError('spawn_failed', 'exec needs a program');
    const cwd = await this.cwd(opts.cwd);
    const timeoutMs = opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS;
    const max = opts.maxOutputBytes ?? DEFAULT_EXEC_MAX_OUTPUT;
    const secs = Math.max(1, Math.ceil(timeoutMs / 1000));
    const guard = (await this.remoteHasTimeout()) ? `timeout -s KILL ${secs} ` : '';
    const line = `cd ${shellQuote(cwd)} && exec ${guard}${argv.map(shellQuote).join(' ')}`;
    const started = Date.now();
    const handle = await this.channel((client) => openExec(client, line));
    const channel = handle.channel;
    return new Promise<ExecResult>((resolve) => {
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      let size = 0;
      let killed = false;
      const kill = () => {
        killed = true;
        channel.signal('KILL');
        channel.close();
      };
      const collect = (into: Buffer[]) => (chunk: Buffer) => {
        size += chunk.length;
        if (size > max) kill();
        else into.push(chunk);
      };
      channel.on('data', collect(out));
      channel.stderr.on('data', collect(err));
      const timer = setTimeout(kill, timeoutMs + (guard ? LOCAL_TIMEOUT_GRACE_MS : 0));
      handle.once('close', () => {
        clearTimeout(timer);
        const { code, signal } = handle.exit ?? { code: null, signal: null };
        // `timeout -s KILL` reports a killed child as 137: say what happened, as a local kill would.
        const timedOut = guard !== '' && code === 137 && Date.now() - started >= timeoutMs - 50;
        if (killed || timedOut) resolve({ code: null, signal: 'SIGKILL', stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
        else resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
      });
      channel.end(opts.stdin ?? undefined);
    }).then((res) => {
      // The shell's "not found" is the remote form of a local spawn failure.
      if (res.code === 127 && /not found|No such file/i.test(Buffer.from(res.stderr).toString())) {
        throw new RuntimeError('spawn_failed', `could not run ${file} on ${this.where}: not found`);
      }
      return res;
    });
  }

  async health(): Promise<RuntimeHealth> {
    const pooled = this.opts.pool.healthOf(this.opts.target.userId, this.opts.target.target);
    try {
      await this.fs.rootReal();
      await this.fs.stat('');
      return { ok: true, detail: pooled?.connectMs != null ? `connected to ${this.where} (handshake ${pooled.connectMs} ms)` : `connected to ${this.where}` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.fs.dispose();
    const s = this.sftpSession;
    this.sftpSession = null;
    if (s) (await s.catch(() => null))?.end();
  }

  /** One SFTP session per runtime, re-opened after it closes (e.g. the connection dropped). */
  private sftp(): Promise<SFTPWrapper> {
    if (this.disposed) return Promise.reject(new SshError('lost', 'the workspace is closing', { endpoint: this.where }));
    if (!this.sftpSession) {
      const s = this.channel((client) => call<SFTPWrapper>((cb) => client.sftp(cb)));
      this.sftpSession = s;
      s.then(
        (sftp) =>
          sftp.once('close', () => {
            if (this.sftpSession === s) this.sftpSession = null;
          }),
        () => {
          if (this.sftpSession === s) this.sftpSession = null;
        },
      );
    }
    return this.sftpSession;
  }

  private channel<C extends { once(event: 'close', l: () => void): unknown }>(open: (client: Client) => Promise<C>): Promise<C> {
    return this.opts.pool.openChannel(this.opts.target, open);
  }

  private remoteHasTimeout(): Promise<boolean> {
    if (!this.hasTimeout) {
      const probe = runLine(this.opts.pool, this.opts.target, 'command -v timeout >/dev/null 2>&1').then((r) => r.code === 0);
      this.hasTimeout = probe;
      probe.catch(() => (this.hasTimeout = null));
    }
    return this.hasTimeout;
  }

  private async cwd(rel: string | undefined): Promise<string> {
    try {
      return await this.fs.resolveExisting(rel ?? '');
    } catch (err) {
      if (err instanceof RuntimeError) throw err;
      throw new RuntimeError('bad_path', `working directory ${JSON.stringify(rel ?? '.')} refused: ${(err as Error).message}`);
    }
  }
}

/** A remote path as a shell word: `~` and `~/x` stay relative to the login's home. */
function remotePathWord(p: string): string {
  if (p === '~') return '"$HOME"';
  if (p.startsWith('~/')) return `"$HOME"/${shellQuote(p.slice(2))}`;
  return shellQuote(p);
}

/**
 * Create a workspace folder on a host if needed and return its absolute real path, which is what
 * the workspace records (so the folder stays the same even if `$HOME` or a symlink changes).
 */
export async function prepareRemoteRoot(pool: SshPool, target: PoolTarget, root: string): Promise<string> {
  if (!root || root.includes('\0') || root.includes('\n')) throw new RuntimeError('bad_path', 'give a folder path on the host');
  const word = remotePathWord(root);
  const { code, out, err } = await runLine(pool, target, `mkdir -p -- ${word} && cd -- ${word} && pwd -P`);
  const abs = out.trim();
  if (code !== 0 || !abs.startsWith('/')) throw new RuntimeError('bad_path', `could not create ${root} on ${endpointName(target.target)}: ${err.trim() || `exit code ${code}`}`);
  return abs;
}
