/**
 * The Runtime contract: what the gateway needs from wherever a workspace runs (this machine, an
 * SSH host, a cloud worker). Callers never switch on the kind of runtime. Paths given to a
 * runtime are workspace-relative POSIX paths; the runtime resolves them inside its root.
 *
 * Issue scope: terminals, exec and health now; fs and state capture/restore join the contract
 * with the files and migration work.
 */
import type { ExitInfo } from '../../lib/protocol';

export interface Disposable {
  dispose(): void;
}

export interface PtyOptions {
  /** Workspace-relative working directory; default the workspace root. */
  cwd?: string;
  cols: number;
  rows: number;
  /** A shell command line run with `$SHELL -c`; default an interactive login shell. */
  command?: string;
}

/** A running terminal process. Output is raw bytes; the owner pauses it for flow control. */
export interface PtyProcess extends Disposable {
  readonly pid: number | undefined;
  /** Human-readable command (for lists and titles). */
  readonly command: string;
  onData(listener: (data: Uint8Array) => void): void;
  /** Fires once, after every byte of output has been delivered to onData listeners. */
  onExit(listener: (exit: ExitInfo) => void): void;
  write(data: Uint8Array): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  /** Ask the process to end (SIGHUP, then SIGKILL after a grace period). */
  kill(): void;
}

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: Uint8Array;
  stderr: Uint8Array;
}

export interface ExecOptions {
  cwd?: string;
  timeoutMs?: number;
  maxOutputBytes?: number;
  stdin?: Uint8Array;
}

export interface RuntimeHealth {
  ok: boolean;
  detail?: string;
}

export interface Runtime {
  /** Opaque identifier for logs and metrics (e.g. `local:/path`). */
  readonly id: string;
  openPty(opts: PtyOptions): Promise<PtyProcess>;
  /** Run a program with an argv (never a shell string) and collect its output. */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  health(): Promise<RuntimeHealth>;
  dispose(): Promise<void>;
}

export class RuntimeError extends Error {
  constructor(
    readonly code: 'bad_path' | 'spawn_failed' | 'unavailable',
    message: string,
  ) {
    super(message);
  }
}
