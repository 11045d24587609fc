/**
 * The Runtime contract: what the gateway needs from wherever a workspace runs (this machine, an
 * SSH host, a cloud worker). Callers never switch on the kind of runtime. Paths given to a
 * runtime are workspace-relative POSIX paths; the runtime resolves them inside its root.
 *
 * State capture/restore join the contract with the migration work.
 */
import type { ExitInfo, SessionEvent } from '../../lib/protocol';
import { TetherError, type ErrorKind } from '../errors';
import { PathRefusedError } from './path-jail';

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

/** What a program says about itself in its output (SessionEvent's title, bell and notify). */
export type TerminalAnnouncement = Extract<SessionEvent, { type: 'title' | 'bell' | 'notify' }>;

/**
 * Output kept elsewhere as it is read (a lent terminal's record: runtimes/local/lent-reader.ts),
 * which a session's ring reads there instead of copying it in (ReplayRing.useStore). It holds the
 * stream from `from` on, the newest `bytes` of it at least.
 */
export interface OutputStore {
  /** The stream offset of the first byte it holds. */
  readonly from: number;
  /** How many of the newest bytes it keeps. */
  readonly bytes: number;
  /** Copy the bytes from stream offset `at` on into `into` (as many as fit); answers how many —
   * fewer than asked when it no longer has them (its writer overwrote them). */
  read(at: number, into: Uint8Array): number;
  /** A store the ring writes itself: each appended chunk, before the ring's end moves past it.
   * Absent: whoever hands the ring its bytes wrote them there already. */
  write?(data: Uint8Array): void;
  /** No more bytes go to it: answers whether it may be kept for reading (else the ring copies
   * what it needs of it and closes it). */
  freeze(ringCapacity: number): boolean;
  /** The ring no longer reads it. `abandoned`: the stream goes on without it (the ring lost what
   * it held), so a writer must say that to other readers of it. */
  close(abandoned?: boolean): void;
}

/** A running terminal process. Output is raw bytes; the owner pauses it for flow control. */
export interface PtyProcess extends Disposable {
  readonly pid: number | undefined;
  /** The stream offset of the first output byte it delivers, when the stream began before this
   * object (a terminal re-attached on a worker agent: the gateway keeps the agent's offsets, so
   * browsers resume across a gateway restart). Default 0. */
  readonly streamOffset?: number;
  /** The stream offset the terminal had reached where it runs when this object attached to it:
   * output up to there exists and is on its way (a re-attached terminal replaying its history). */
  readonly knownEnd?: number;
  /** The terminal's id where it runs (a worker agent's session id): the gateway's session takes
   * the same id, so it is found again after a gateway restart. */
  readonly sessionId?: string;
  /** Human-readable command (for lists and titles). */
  readonly command: string;
  /** Output, in order. `data` may be a view of a buffer that is reused once the listener returns
   * (local terminals read into one buffer): copy what you keep. */
  onData(listener: (data: Uint8Array) => void): void;
  /**
   * A terminal that runs in a worker agent has its output scanned there (titles, bells,
   * notifications: lib/shared/title-scanner.ts) and relays what it found as events; the gateway
   * then does not scan the same bytes again. Absent: the session scans the output itself.
   * `title` is the title the terminal already had when this object attached to it.
   */
  readonly events?: { title: string; listen(listener: (event: TerminalAnnouncement) => void): void };
  /** Fires once, after every byte of output has been delivered to onData listeners. `lost` (a
   * sentence for people) is set when the process's fate is unknown because the connection to it
   * was lost (SSH, cloud); the exit code is then null. A listener added after the end is called at once. */
  onExit(listener: (exit: ExitInfo, lost?: string) => void): void;
  write(data: Uint8Array): void;
  resize(cols: number, rows: number): void;
  pause(): void;
  resume(): void;
  /** Ask the process to end (SIGHUP, then SIGKILL after a grace period). */
  kill(): void;
  /** Stop watching a process that lives on without the gateway (a worker's terminal), leaving it running. */
  detach?(): void;
  /**
   * Stop reading the output and answer the PTY master's descriptor, for another process (the
   * gateway) to read it instead (`terminals.lend`); null when this terminal cannot be lent. While
   * lent, pause/resume only take note, and an end of the program is told to `ended` instead of
   * being drained here: whoever reads reads the rest, then gives the terminal back.
   */
  lend?(ended: () => void): number | null;
  /** Read the output here again (and finish an end that came while lent). */
  giveBack?(): void;
  /**
   * The output it delivers from now on is kept as it is read (a terminal the pty host lends the
   * gateway: its record), and may be read there rather than copied: `listener` hears each such
   * store, whose first byte is the next one delivered, and null once no more go to it. A store
   * nobody takes must be closed.
   */
  onStore?(listener: (store: OutputStore | null) => void): void;
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

export type FsEntryType = 'file' | 'dir' | 'symlink' | 'other';

export interface FsEntry {
  name: string;
  type: FsEntryType;
}

export interface FsStat {
  type: FsEntryType;
  size: number;
  /** Modification time, ms since the epoch. */
  mtime: number;
  mode: number;
}

export type FsEventType = 'add' | 'change' | 'unlink' | 'addDir' | 'unlinkDir';
export interface FsEvent {
  type: FsEventType;
  /** Workspace-relative POSIX path. */
  path: string;
}

/**
 * Files of a workspace. Every path is workspace-relative POSIX ('' = the root) and is refused
 * (RuntimeError 'bad_path', no I/O) when it could leave the workspace. Other failures keep their
 * errno `code` (ENOENT, EEXIST, EACCES, ENOTDIR, EISDIR, ENOTEMPTY, ENOSPC…).
 */
export interface RuntimeFs {
  readdir(dir: string): Promise<FsEntry[]>;
  stat(path: string): Promise<FsStat>;
  /** lstat of several entries of one folder (null for any that vanished); the folder is resolved once. */
  statEntries(dir: string, names: readonly string[]): Promise<(FsStat | null)[]>;
  /** Whole file; refuses files larger than `maxBytes` with code 'EFBIG'. */
  readFile(path: string, maxBytes: number): Promise<Uint8Array>;
  /** Atomic replace or create: temp file in the same directory, fsync, rename; mode kept.
   * `exclusive` refuses (EEXIST) when the file already exists; a stream longer than `maxBytes`
   * is refused (EFBIG) and leaves the old file as it was. */
  writeFile(
    path: string,
    data: Uint8Array | AsyncIterable<Uint8Array>,
    opts?: { exclusive?: boolean; maxBytes?: number },
  ): Promise<FsStat>;
  /** Stream a regular file. */
  readStream(path: string): Promise<{ size: number; stream: AsyncIterable<Uint8Array>; close(): Promise<void> }>;
  /**
   * For each path, whether readFile/readStream would open it as a regular file — the same jail
   * (inside the workspace after resolving symlinks; one hard link where the runtime can tell),
   * without reading content. Anything that answers with a file's content or name found some
   * other way (ripgrep, a walk, git) filters it through this first.
   */
  readable(paths: readonly string[]): Promise<boolean[]>;
  mkdir(path: string): Promise<void>;
  /** Files and (recursively) directories. */
  rm(path: string): Promise<void>;
  /** Refuses (EEXIST) when `to` exists. */
  rename(from: string, to: string): Promise<void>;
  /** Changes anywhere below the root, batched by the caller. */
  watch(listener: (events: FsEvent[]) => void): Disposable;
}

export interface Runtime {
  /** Opaque identifier for logs and metrics (e.g. `local:/path`). */
  readonly id: string;
  readonly fs: RuntimeFs;
  openPty(opts: PtyOptions): Promise<PtyProcess>;
  /** Run a program with an argv (never a shell string) and collect its output. */
  exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  health(): Promise<RuntimeHealth>;
  dispose(): Promise<void>;
  /** Runtimes whose terminals outlive the gateway (a worker agent keeps them): the ones running
   * there now — and ones that ended with output or an exit status no gateway has collected yet —
   * and a way to attach to one. Absent where terminals end with the gateway. */
  runningTerminals?(): Promise<RunningTerminal[]>;
  attachPty?(terminal: RunningTerminal): Promise<PtyProcess>;
}

export interface RunningTerminal {
  /** The runtime's own id of the terminal. */
  id: string;
  command: string;
  cols: number;
  rows: number;
  createdAt: number;
  /** Its process id on the machine that runs it, when the runtime knows. */
  pid?: number;
  /** The stream offset its output has reached there (what a re-attach will have replayed). */
  end?: number;
}

/** A failure that carries an errno-style `code` (ENOENT, EEXIST, EFBIG…) like Node's own fs errors,
 * with a message that names workspace-relative paths only. */
export function fsError(code: string, message: string): NodeJS.ErrnoException {
  // An agent's refusal of a path, across its link, is the same refusal as ours.
  if (code === 'bad_path') return new PathRefusedError(message);
  return Object.assign(new Error(message), { code });
}

/** `readable` answered one path at a time by `check` (false where it throws), a few at a time so a
 * long list neither opens hundreds of files at once nor waits for each in turn. */
export async function readableEach(paths: readonly string[], check: (path: string) => Promise<boolean>, concurrency = 16): Promise<boolean[]> {
  const out = new Array<boolean>(paths.length).fill(false);
  let next = 0;
  const worker = async () => {
    while (next < paths.length) {
      const i = next++;
      out[i] = await check(paths[i]!).catch(() => false);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, paths.length) }, worker));
  return out;
}

/** `readable` for runtimes whose jail is applied when a file is opened: open with readStream and
 * close again, reading no content. */
export function readableByOpening(fs: Pick<RuntimeFs, 'readStream'>, paths: readonly string[]): Promise<boolean[]> {
  return readableEach(paths, async (p) => {
    const { close } = await fs.readStream(p);
    await close();
    return true;
  });
}

/** What a runtime failure is to a caller: a path out of the workspace is the request's fault; a
 * program that could not start, or a runtime out of reach, is the runtime's. */
const RUNTIME_ERROR_KINDS = { bad_path: 'bad_request', spawn_failed: 'unavailable', unavailable: 'unavailable' } as const satisfies Record<string, ErrorKind>;

export class RuntimeError extends TetherError {
  constructor(
    readonly code: keyof typeof RUNTIME_ERROR_KINDS,
    message: string,
    options?: ErrorOptions,
  ) {
    super(RUNTIME_ERROR_KINDS[code], message, options);
  }
}
