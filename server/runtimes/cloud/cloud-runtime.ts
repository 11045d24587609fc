/**
 * Cloud runtime: a workspace served by a worker agent (server/worker) over an agent link. Every
 * operation is a structured request to the agent, which applies the same path jail and atomic
 * saves on its side; terminals are the agent's sessions, relayed byte for byte. Flow control is
 * end to end: pausing a terminal here stops our ACKs, and the agent pauses its PTY.
 */
import { AGENT_IO_CHUNK, AGENT_WORKSPACE, type ExitInfo } from '../../../lib/protocol';
import type { Logger } from '../../log';
import type { Disposable, ExecOptions, ExecResult, FsEntry, FsEvent, FsStat, PtyOptions, PtyProcess, RunningTerminal, Runtime, RuntimeFs, RuntimeHealth } from '../runtime';
import { WatchFanout } from '../watch-fanout';
import { AgentClient, type WorkerEndpoint } from './agent-client';


export class CloudPty implements PtyProcess {
  readonly pid = undefined;
  private readonly dataListeners: ((d: Uint8Array) => void)[] = [];
  /** Output that arrived before anyone listened: several frames can be delivered in the same
   * tick as OPENED, before the caller awaiting openPty has attached its listener. */
  private early: Uint8Array[] | null = [];
  private readonly exitListeners: ((e: ExitInfo, lost?: string) => void)[] = [];
  private ending: [ExitInfo, string | undefined] | null = null;
  control!: import('./agent-client').TerminalControl;

  constructor(
    readonly command: string,
    private readonly onActivity: () => void = () => {},
  ) {}

  handlers() {
    return {
      onData: (d: Uint8Array) => {
        if (this.early) this.early.push(d);
        else for (const l of this.dataListeners) l(d);
      },
      onExit: (e: ExitInfo, lost?: string) => {
        this.ending = [e, lost];
        for (const l of this.exitListeners) l(e, lost);
      },
    };
  }

  onData(listener: (data: Uint8Array) => void): void {
    this.dataListeners.push(listener);
    const early = this.early;
    this.early = null;
    for (const d of early ?? []) listener(d);
  }
  onExit(listener: (exit: ExitInfo, lost?: string) => void): void {
    const ending = this.ending;
    if (ending) queueMicrotask(() => listener(...ending));
    else this.exitListeners.push(listener);
  }
  write(data: Uint8Array): void {
    this.onActivity(); // typing keeps a worker from being released as idle
    this.control.write(data);
  }
  resize(cols: number, rows: number): void {
    this.control.resize(cols, rows);
  }
  pause(): void {
    this.control.pause();
  }
  resume(): void {
    this.control.resume();
  }
  kill(): void {
    this.control.kill();
  }
  detach(): void {
    this.control.detach();
  }
  dispose(): void {
    this.control.kill();
  }
}

class CloudFs implements RuntimeFs {
  private watchId: number | null = null;
  /** One agent watch for all subscribers, asked for again after a reconnect (the new link has none). */
  private readonly watches = new WatchFanout((emit) => {
    const offNotice = this.agent.onNotice((n) => {
      if (n.type === 'fs' && n.watch === this.watchId) emit(n.events as FsEvent[]);
    });
    const offReconnect = this.agent.onReconnect(() => void this.register());
    void this.register();
    return () => {
      offNotice();
      offReconnect();
      if (this.watchId !== null) void this.call('fs.unwatch', { watch: this.watchId }).catch(() => {});
      this.watchId = null;
    };
  });

  constructor(
    private readonly agent: AgentClient,
    private readonly onActivity: () => void,
  ) {}

  private async call<T>(method: string, params: unknown, tail?: Uint8Array): Promise<T> {
    this.onActivity();
    return (await this.agent.call(method, params, tail)).result as T;
  }

  readdir(dir: string): Promise<FsEntry[]> {
    return this.call('fs.readdir', { path: dir });
  }
  stat(p: string): Promise<FsStat> {
    return this.call('fs.stat', { path: p });
  }
  statEntries(dir: string, names: readonly string[]): Promise<(FsStat | null)[]> {
    return this.call('fs.statEntries', { path: dir, names });
  }
  mkdir(p: string): Promise<void> {
    return this.call('fs.mkdir', { path: p });
  }
  rm(p: string): Promise<void> {
    return this.call('fs.rm', { path: p });
  }
  rename(from: string, to: string): Promise<void> {
    return this.call('fs.rename', { from, to });
  }

  async readFile(p: string, maxBytes: number): Promise<Uint8Array> {
    const { size, stream, close } = await this.readStream(p);
    const chunks: Uint8Array[] = [];
    try {
      if (size > maxBytes) throw Object.assign(new Error(`"${p}" is ${size} bytes, over the ${maxBytes}-byte limit`), { code: 'EFBIG' });
      let total = 0;
      for await (const c of stream) {
        total += c.byteLength;
        if (total > maxBytes) throw Object.assign(new Error(`"${p}" is over the ${maxBytes}-byte limit`), { code: 'EFBIG' });
        chunks.push(c);
      }
    } finally {
      await close();
    }
    return Buffer.concat(chunks);
  }

  async readStream(p: string): Promise<{ size: number; stream: AsyncIterable<Uint8Array>; close(): Promise<void> }> {
    const { handle, size } = await this.call<{ handle: number; size: number }>('fs.readOpen', { path: p });
    let closed = false;
    const close = async () => {
      if (closed) return;
      closed = true;
      await this.call('fs.close', { handle }).catch(() => {});
    };
    const agent = this.agent;
    const stream = async function* () {
      try {
        for (;;) {
          const r = await agent.call('fs.readChunk', { handle });
          if ((r.result as { eof: boolean }).eof) return;
          yield r.tail;
        }
      } finally {
        await close();
      }
    };
    return { size, stream: stream(), close };
  }

  async writeFile(p: string, data: Uint8Array | AsyncIterable<Uint8Array>, opts: { exclusive?: boolean; maxBytes?: number } = {}): Promise<FsStat> {
    const { handle } = await this.call<{ handle: number }>('fs.writeOpen', { path: p, exclusive: opts.exclusive === true, maxBytes: opts.maxBytes });
    try {
      const send = async (chunk: Uint8Array) => {
        for (let off = 0; off < chunk.byteLength; off += AGENT_IO_CHUNK) await this.call('fs.writeChunk', { handle }, chunk.subarray(off, off + AGENT_IO_CHUNK));
      };
      if (data instanceof Uint8Array) await send(data);
      else for await (const c of data) await send(c);
      return await this.call<FsStat>('fs.writeCommit', { handle });
    } catch (err) {
      await this.call('fs.close', { handle }).catch(() => {});
      throw err;
    }
  }

  watch(listener: (events: FsEvent[]) => void): Disposable {
    return this.watches.subscribe(listener);
  }

  dispose(): void {
    this.watches.dispose();
  }

  private async register(): Promise<void> {
    const r = await this.call<{ watch: number }>('fs.watch', {}).catch(() => null);
    if (r && this.watches.active) this.watchId = r.watch;
  }
}

export interface CloudRuntimeOptions {
  /** Where the worker is now; null once it is gone. */
  endpoint(): Promise<WorkerEndpoint | null>;
  /** For logs: `cloud:<worker id>`. */
  id: string;
  log: Logger;
  /** Called on activity (the orchestrator's idle clock). */
  onActivity?(): void;
  lostAfterMs?: number;
}

export class CloudRuntime implements Runtime {
  readonly id: string;
  readonly fs: CloudFs;
  private readonly agent: AgentClient;

  constructor(private readonly opts: CloudRuntimeOptions) {
    this.id = opts.id;
    this.agent = new AgentClient(opts.endpoint, opts.log, { lostAfterMs: opts.lostAfterMs ?? 30_000 });
    this.fs = new CloudFs(this.agent, () => opts.onActivity?.());
  }

  async openPty(opts: PtyOptions): Promise<PtyProcess> {
    this.opts.onActivity?.();
    const pty = new CloudPty(opts.command ?? 'login shell', () => this.opts.onActivity?.());
    pty.control = await this.agent.openTerminal({ workspace: AGENT_WORKSPACE, cols: opts.cols, rows: opts.rows, cwd: opts.cwd, command: opts.command }, pty.handlers());
    return pty;
  }

  async runningTerminals(): Promise<RunningTerminal[]> {
    const list = (await this.agent.call('sessions.list', {})).result as { id: string; command: string; cols: number; rows: number; createdAt: number }[];
    return list.map(({ id, command, cols, rows, createdAt }) => ({ id, command, cols, rows, createdAt }));
  }

  async attachPty(t: RunningTerminal): Promise<PtyProcess> {
    const pty = new CloudPty(t.command, () => this.opts.onActivity?.());
    pty.control = await this.agent.openTerminal({ session: t.id, cols: t.cols, rows: t.rows }, pty.handlers());
    return pty;
  }

  async exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.opts.onActivity?.();
    const r = await this.agent.call('exec', { argv, cwd: opts.cwd, timeoutMs: opts.timeoutMs, maxOutputBytes: opts.maxOutputBytes }, opts.stdin);
    const res = r.result as { code: number | null; signal: string | null; stdoutBytes: number };
    return { code: res.code, signal: res.signal, stdout: Buffer.from(r.tail.subarray(0, res.stdoutBytes)), stderr: Buffer.from(r.tail.subarray(res.stdoutBytes)) };
  }

  async health(): Promise<RuntimeHealth> {
    try {
      return (await this.agent.call('health', {})).result as RuntimeHealth;
    } catch (err) {
      return { ok: false, detail: (err as Error).message };
    }
  }

  async dispose(): Promise<void> {
    this.fs.dispose();
    this.agent.dispose();
  }

  /** Fault injection: drop the agent link as a network failure would (it reconnects). */
  dropLink(): void {
    this.agent.dropLink();
  }
}
