/**
 * Echo runtime — a test double for testing the gateway itself (never a user-facing runtime).
 * Its terminals echo input back as output. Tests drive output and exit through `handles`.
 */
import type { ExitInfo } from '../../../lib/protocol';
import { fsError, type ExecResult, type PtyOptions, type PtyProcess, type Runtime, type RuntimeFs, type RuntimeHealth } from '../runtime';
import { PtyExit } from '../pty-exit';

export class EchoPty implements PtyProcess {
  readonly pid = undefined;
  readonly command: string;
  paused = false;
  cols: number;
  rows: number;
  private dataListeners: ((d: Uint8Array) => void)[] = [];
  private readonly ended = new PtyExit();
  private pending: Uint8Array[] = [];
  private exited = false;

  constructor(opts: PtyOptions) {
    this.command = opts.command ?? 'echo';
    this.cols = opts.cols;
    this.rows = opts.rows;
  }

  /** Emit output as the program would; held back while paused, like a real PTY. */
  emit(data: Uint8Array | string): void {
    const bytes = typeof data === 'string' ? new TextEncoder().encode(data) : data;
    if (this.paused) this.pending.push(bytes);
    else for (const l of this.dataListeners) l(bytes);
  }
  exit(info: ExitInfo = { code: 0, signal: null }): void {
    if (this.exited) return;
    this.exited = true;
    this.flush();
    this.ended.end(info);
  }
  onData(listener: (data: Uint8Array) => void): void {
    this.dataListeners.push(listener);
  }
  onExit(listener: (exit: ExitInfo) => void): void {
    this.ended.listen(listener);
  }
  write(data: Uint8Array): void {
    if (!this.exited) this.emit(data.slice());
  }
  resize(cols: number, rows: number): void {
    this.cols = cols;
    this.rows = rows;
  }
  pause(): void {
    this.paused = true;
  }
  resume(): void {
    this.paused = false;
    this.flush();
  }
  kill(): void {
    this.exit({ code: null, signal: 'SIGHUP' });
  }
  dispose(): void {
    this.kill();
  }
  private flush(): void {
    const pending = this.pending;
    this.pending = [];
    for (const p of pending) for (const l of this.dataListeners) l(p);
  }
}

function noFiles(): never {
  throw fsError('ENOSYS', 'the echo runtime has no files');
}

/** The echo double is for terminal traffic; it has no file system. */
const NO_FS: RuntimeFs = {
  readdir: async () => noFiles(),
  stat: async () => noFiles(),
  statEntries: async () => noFiles(),
  readFile: async () => noFiles(),
  writeFile: async () => noFiles(),
  readStream: async () => noFiles(),
  readable: async (paths) => paths.map(() => false),
  mkdir: async () => noFiles(),
  rm: async () => noFiles(),
  rename: async () => noFiles(),
  watch: () => ({ dispose() {} }),
};

export class EchoRuntime implements Runtime {
  readonly id = 'echo';
  readonly fs = NO_FS;
  readonly handles: EchoPty[] = [];

  async openPty(opts: PtyOptions): Promise<PtyProcess> {
    const p = new EchoPty(opts);
    this.handles.push(p);
    return p;
  }
  async exec(argv: readonly string[]): Promise<ExecResult> {
    return { code: 0, signal: null, stdout: new TextEncoder().encode(argv.join(' ') + '\n'), stderr: new Uint8Array() };
  }
  async health(): Promise<RuntimeHealth> {
    return { ok: true };
  }
  async dispose(): Promise<void> {
    for (const h of this.handles) h.dispose();
  }
}
