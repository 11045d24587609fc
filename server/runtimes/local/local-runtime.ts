/**
 * Local runtime: terminals are PTYs on this machine, rooted in the workspace directory, started
 * by the spawner (spawner.ts: no fork of this process, no inherited descriptors) or, where it is
 * unavailable, by node-pty's forkpty (LocalPty below). Output stays binary from the PTY to the
 * socket.
 */
import { spawn } from 'node:child_process';
import { confinedArgv } from '../../os/sandbox';
import { closeSync, constants as fsConstants, openSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as pty from 'node-pty';
import { PathJail } from '../path-jail';
import { LocalFs } from './local-fs';
import type { ExecOptions, ExecResult, PtyOptions, PtyProcess, RunningTerminal, Runtime, RuntimeHealth } from '../runtime';
import { RuntimeError } from '../runtime';
import { PtyExit } from '../pty-exit';
import { PtyWriter } from './pty-writer';
import { signalName, Spawner, SpawnerUnavailable, withoutInheritedFds } from './spawner';

const KILL_GRACE_MS = 3000;
/**
 * node-pty destroys its socket 200 ms after the child exits, dropping whatever the kernel still
 * buffers if the socket is paused then. A paused PTY therefore checks its child this often and
 * drains (resumes for good) as soon as the child is gone.
 */
const PAUSED_EXIT_POLL_MS = 40;
/** Longest wait for a terminal's output to drain after its process exited. */
const MAX_DRAIN_MS = 3000;
const DRAIN_RECHECK_MS = 10;
const DEFAULT_EXEC_TIMEOUT_MS = 60_000;
const DEFAULT_EXEC_MAX_OUTPUT = 16 * 1024 * 1024;
/** glibc malloc tuning the gateway runs with (scripts/gateway-build.mjs GATEWAY_ENV): the
 * gateway's and its pty host's, not for users' programs (two arenas would slow a threaded one). */
export const MALLOC_TUNING_ENV = /^MALLOC_ARENA_MAX$/;
/** Never hand the gateway's secrets, its own runtime mode (NODE_ENV=production would make
 * `npm install` in a user's terminal skip devDependencies) or its malloc tuning to user processes. */
const SCRUBBED_ENV = new RegExp(`^(NEXTAUTH_|AUTH_|TETHER_|DATABASE_URL$|NODE_ENV$|__NEXT|NEXT_)|${MALLOC_TUNING_ENV.source}`);

export function terminalEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SCRUBBED_ENV.test(k)) env[k] = v;
  return { ...env, TERM: 'xterm-256color', COLORTERM: 'truecolor', TERM_PROGRAM: 'tether', ...extra };
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function defaultShell(): string {
  return process.env.SHELL && process.env.SHELL.startsWith('/') ? process.env.SHELL : '/bin/bash';
}

class LocalPty implements PtyProcess {
  private readonly exit = new PtyExit();
  private killTimer: NodeJS.Timeout | undefined;
  private paused = false;
  private draining = false;
  private exitPoll: NodeJS.Timeout | undefined;

  /**
   * Our own descriptor on the PTY's slave side. Without it, Linux may answer the master's read
   * with EIO as soon as the child closes the slave, while its last output is still in the kernel
   * buffers — `seq 1 200000` then loses a few KB at the end. Holding the slave open means the
   * master never sees EIO; node-pty's exit timer ends the read after the child has gone.
   */
  private slaveFd: number | undefined;
  /** Data events so far (to tell whether a loop turn read anything). */
  private reads = 0;
  /** Input straight to the master's descriptor (node-pty's own write goes via the thread pool). */
  private readonly writer: PtyWriter | null;

  constructor(
    private readonly proc: pty.IPty,
    readonly command: string,
  ) {
    proc.onData(() => this.reads++);
    const fd = (proc as unknown as { fd?: unknown }).fd;
    this.writer = typeof fd === 'number' && fd >= 0 ? new PtyWriter(fd) : null;
    this.drainBeforeClose();
    const ptsName = (proc as unknown as { ptsName?: unknown }).ptsName;
    if (typeof ptsName === 'string') {
      try {
        this.slaveFd = openSync(ptsName, fsConstants.O_RDWR | fsConstants.O_NOCTTY);
      } catch {
        // Without it we only risk the kernel race above; the terminal still works.
      }
    }
    proc.onExit(({ exitCode, signal }) => {
      this.writer?.close();
      if (this.slaveFd !== undefined) closeSync(this.slaveFd);
      this.slaveFd = undefined;
      clearTimeout(this.killTimer);
      clearInterval(this.exitPoll);
      // node-pty reports signal as a number; name it for humans (0/undefined → none).
      const sig = signal ? signalName(signal) : null;
      const info = { code: sig ? null : exitCode, signal: sig };
      this.exit.end(info);
    });
  }

  /**
   * node-pty ends the read 200 ms after the child exits (its socket is destroyed by a timer),
   * trusting the loop to have read everything by then. A busy gateway (hundreds of terminals, a
   * slow GC) has not, and the end of the output was lost (`npm run bench:load` found it). So the
   * destroy waits until a whole loop turn — whose poll phase reads every readable descriptor —
   * brings no data, i.e. the PTY is empty; MAX_DRAIN_MS bounds it for a grandchild that keeps
   * the terminal open and writing.
   */
  private drainBeforeClose(): void {
    const socket = (this.proc as unknown as { _socket?: { destroy(err?: Error): unknown } })._socket;
    if (!socket || typeof socket.destroy !== 'function') return;
    const destroy = socket.destroy.bind(socket);
    let draining = false;
    socket.destroy = (err?: Error) => {
      if (draining) return socket;
      draining = true;
      const deadline = performance.now() + MAX_DRAIN_MS;
      const check = () => {
        const before = this.reads;
        // setImmediate runs after this turn's poll phase: any bytes waiting were read by then.
        setImmediate(() => {
          // Paused by flow control: the exit poll resumes it (draining) within PAUSED_EXIT_POLL_MS.
          if ((this.reads === before && !this.paused) || performance.now() > deadline) {
            this.writer?.close(); // the descriptor closes with the socket
            destroy(err);
          }
          else setTimeout(check, DRAIN_RECHECK_MS);
        });
      };
      check();
      return socket;
    };
  }

  private get exited(): boolean {
    return this.exit.ended;
  }

  get pid(): number {
    return this.proc.pid;
  }
  onData(listener: (data: Uint8Array) => void): void {
    // With encoding: null node-pty emits Buffers even though its typings say string.
    this.proc.onData((d) => listener(d as unknown as Uint8Array));
  }
  onExit(listener: (exit: { code: number | null; signal: string | null }) => void): void {
    this.exit.listen(listener);
  }
  write(data: Uint8Array): void {
    if (this.exited) return;
    if (this.writer) this.writer.write(data);
    else this.proc.write(Buffer.from(data.buffer, data.byteOffset, data.byteLength) as unknown as string);
  }
  resize(cols: number, rows: number): void {
    if (!this.exited) this.proc.resize(cols, rows);
  }
  pause(): void {
    if (this.paused || this.exited || this.draining) return;
    this.paused = true;
    this.proc.pause();
    this.exitPoll = setInterval(() => {
      if (!processAlive(this.proc.pid)) {
        this.draining = true;
        this.resume();
      }
    }, PAUSED_EXIT_POLL_MS);
  }
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    clearInterval(this.exitPoll);
    this.proc.resume();
  }
  kill(): void {
    if (this.exited) return;
    // A paused PTY would hold the child's last output; let it drain so EXIT follows every byte.
    this.resume();
    try {
      this.proc.kill('SIGHUP');
    } catch {
      /* already gone */
    }
    this.killTimer ??= setTimeout(() => {
      try {
        if (!this.exited) this.proc.kill('SIGKILL');
      } catch {
        /* already gone */
      }
    }, KILL_GRACE_MS);
  }
  dispose(): void {
    this.kill();
  }
}

/** Where a LocalRuntime's terminals run when not in this process (the pty host, pty-host.ts). */
export interface HostedTerminals {
  open(opts: PtyOptions): Promise<PtyProcess>;
  running(): Promise<RunningTerminal[]>;
  attach(t: RunningTerminal): Promise<PtyProcess>;
}

export interface LocalRuntimeOptions {
  /** Extra environment for terminals and exec (tests point HOME at a temp dir). */
  env?: Record<string, string>;
  /** Rewrites a terminal's program and arguments (resource limits: runtimes/limits.ts). */
  wrap?: (file: string, args: string[]) => [string, string[]];
  /** Terminals run in the pty host (pty-host.ts), not in this process. */
  hosted?: HostedTerminals;
  /** Terminals and commands run in a bubblewrap sandbox that sees only this folder and the
   * system's programs (os/sandbox.ts): a member's workspace on this machine. */
  confine?: boolean;
}

export class LocalRuntime implements Runtime {
  readonly id: string;
  readonly fs: LocalFs;
  private readonly jail: PathJail;
  /** The environment its programs get (terminalEnv), built at the first: reading process.env
   * walks it through a C++ interceptor, ~0.5 ms with npm's variables, and was a third of the pty
   * host's CPU for a burst of opens. This process's own environment is its start-up one. */
  private programEnv: Readonly<Record<string, string>> | null = null;

  constructor(
    private readonly root: string,
    private readonly opts: LocalRuntimeOptions = {},
  ) {
    this.opts = { ...opts };
    this.id = `local:${root}`;
    this.jail = new PathJail(root);
    this.fs = new LocalFs(this.jail);
  }

  /** New terminals run under these limits (terminals already running keep theirs). */
  setWrap(wrap: LocalRuntimeOptions['wrap']): void {
    this.opts.wrap = wrap;
  }

  /** New terminals and commands run confined or not (terminals already running keep how they run). */
  setConfine(confine: boolean): void {
    this.opts.confine = confine;
  }

  async openPty(opts: PtyOptions): Promise<PtyProcess> {
    const cwd = await this.cwd(opts.cwd);
    if (this.opts.hosted) return this.opts.hosted.open(opts);
    const shell = defaultShell();
    const [file, args] = this.confined(...(this.opts.wrap ?? ((f: string, a: string[]) => [f, a] as [string, string[]]))(shell, opts.command ? ['-c', opts.command] : ['-l']));
    const env = this.env();
    const spawner = Spawner.shared();
    try {
      if (spawner) {
        try {
          return await spawner.open({ file, args, cwd, env, cols: opts.cols, rows: opts.rows }, opts.command ?? shell);
        } catch (err) {
          if (!(err instanceof SpawnerUnavailable)) throw err;
          // This Perl cannot be the spawner: node-pty, as where there is no Perl.
        }
      }
      const proc = pty.spawn(file, args, {
        name: 'xterm-256color',
        cols: opts.cols,
        rows: opts.rows,
        cwd,
        env: env as NodeJS.ProcessEnv,
        encoding: null,
      });
      return new LocalPty(proc, opts.command ?? shell);
    } catch (err) {
      throw new RuntimeError('spawn_failed', `could not start ${shell}: ${(err as Error).message}`);
    }
  }

  private env(): Readonly<Record<string, string>> {
    return (this.programEnv ??= Object.freeze(terminalEnv(this.opts.env)));
  }

  /** The program and arguments as they run: inside the sandbox when this runtime is confined. */
  private confined(file: string, args: string[]): [string, string[]] {
    return this.opts.confine ? confinedArgv(this.root, this.env().HOME, file, args) : [file, args];
  }

  /** Terminals running in the pty host (after a gateway restart: to adopt them again). */
  async runningTerminals(): Promise<RunningTerminal[]> {
    return this.opts.hosted ? this.opts.hosted.running() : [];
  }

  attachPty(t: RunningTerminal): Promise<PtyProcess> {
    if (!this.opts.hosted) return Promise.reject(new RuntimeError('unavailable', 'terminals of this workspace run in the gateway'));
    return this.opts.hosted.attach(t);
  }

  exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    return this.cwd(opts.cwd).then(
      (cwd) =>
        new Promise<ExecResult>((resolve, reject) => {
          const [program, ...rest] = argv;
          if (!program) return reject(new RuntimeError('spawn_failed', 'exec needs a program'));
          // A member's command must not inherit the terminals this process holds (spawner.ts).
          const [file, args] = this.opts.confine ? withoutInheritedFds(...this.confined(program, rest)) : [program, rest];
          const max = opts.maxOutputBytes ?? DEFAULT_EXEC_MAX_OUTPUT;
          const child = spawn(file, args, { cwd, env: this.env() as NodeJS.ProcessEnv, stdio: 'pipe' });
          const out: Buffer[] = [];
          const err: Buffer[] = [];
          let size = 0;
          const collect = (into: Buffer[]) => (chunk: Buffer) => {
            size += chunk.length;
            if (size > max) child.kill('SIGKILL');
            else into.push(chunk);
          };
          child.stdout.on('data', collect(out));
          child.stderr.on('data', collect(err));
          const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? DEFAULT_EXEC_TIMEOUT_MS);
          child.on('error', (e) => {
            clearTimeout(timer);
            reject(new RuntimeError('spawn_failed', `could not run ${file}: ${e.message}`));
          });
          child.on('close', (code, signal) => {
            clearTimeout(timer);
            resolve({ code, signal, stdout: Buffer.concat(out), stderr: Buffer.concat(err) });
          });
          child.stdin.end(opts.stdin ?? undefined);
        }),
    );
  }

  async health(): Promise<RuntimeHealth> {
    try {
      const s = await stat(this.root);
      return s.isDirectory() ? { ok: true } : { ok: false, detail: `${this.root} is not a directory` };
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async dispose(): Promise<void> {
    // PTYs are owned by the session registry, which kills them; watchers by their subscribers.
    this.fs.dispose();
  }

  private async cwd(rel: string | undefined): Promise<string> {
    try {
      return await this.jail.resolveExisting(rel ?? '');
    } catch (err) {
      throw new RuntimeError('bad_path', `working directory ${JSON.stringify(rel ?? '.')} refused: ${(err as Error).message}`);
    }
  }
}
