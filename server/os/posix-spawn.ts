/**
 * Starting a terminal's program with glibc's posix_spawn(3), called through koffi on a worker
 * thread, and hearing of its end with waitpid(2).
 *
 * posix_spawn clones with CLONE_VM | CLONE_VFORK: the child borrows this process's memory until it
 * execs, so nothing is copied and nothing faults — what it costs does not grow with the process.
 * A fork (the Perl spawner's, node-pty's, libuv's) copies page tables, and then every page either
 * side writes before the child execs is copied on a fault. On a 2-core VM 100 terminals took
 * ~1.3 s to start through the Perl spawner (its forks 3.7 ms of CPU each) and 0.3–0.45 s this way
 * (2026-12-07, docs/terminal-speed-log.md). Only the calling thread waits for the exec, and that
 * is a worker thread (koffi's `.async`): the event loop goes on meanwhile.
 *
 * The child: a new session (POSIX_SPAWN_SETSID), the PTY's slave opened by name as stdin — a
 * session leader without a terminal that opens one gets it as its controlling terminal, so job
 * control and Ctrl-C work — and dup'ed to stdout and stderr, every other descriptor closed
 * (addclosefrom_np: this process holds every terminal's master and slave), the working folder
 * entered, every signal at its default and none blocked, then exec with the given environment.
 * The same as the Perl spawner's child (runtimes/local/spawner.ts), which stays for the rest:
 * glibc before 2.34 (no addclosefrom_np), a program named without a path, and any start that
 * fails here (the spawner's child then says why in the terminal).
 */
import { knownLayout, libc as loadLibc } from './libc';

interface SpawnLibc {
  faInit(fa: Buffer): number;
  faDestroy(fa: Buffer): number;
  faOpen(fa: Buffer, fd: number, path: string, oflag: number, mode: number): number;
  faDup2(fa: Buffer, fd: number, newfd: number): number;
  faCloseFrom(fa: Buffer, from: number): number;
  faChdir(fa: Buffer, path: string): number;
  attrInit(attr: Buffer): number;
  attrDestroy(attr: Buffer): number;
  attrSetFlags(attr: Buffer, flags: number): number;
  attrSetSigMask(attr: Buffer, set: Buffer): number;
  attrSetSigDefault(attr: Buffer, set: Buffer): number;
  spawn: {
    async(pid: number[], path: string, fa: Buffer, attr: Buffer, argv: (string | null)[], envp: (string | null)[], cb: (err: unknown, rc: number) => void): void;
  };
  waitpid(pid: number, status: number[], options: number): number;
  waitid(idtype: number, id: number, info: Buffer, options: number): number;
  tcgetattr(fd: number, termios: Buffer): number;
  tcsetattr(fd: number, when: number, termios: Buffer): number;
}

// <spawn.h> and <bits/termios.h> on Linux (x86-64 and arm64 alike).
const POSIX_SPAWN_SETSIGDEF = 0x04;
const POSIX_SPAWN_SETSIGMASK = 0x08;
const POSIX_SPAWN_SETSID = 0x80;
const O_RDWR = 2;
const WNOHANG = 1;
const WEXITED = 4;
const WNOWAIT = 0x01000000;
const P_ALL = 0;
/** siginfo_t: 128 bytes; si_pid after si_signo, si_errno, si_code and padding (64-bit Linux). */
const SIGINFO_BYTES = 128;
const SIGINFO_PID_OFFSET = 16;
const TCSANOW = 0;
/** node-pty's input flags for a new terminal, as the Perl spawner sets them: BRKINT, IXANY,
 * IMAXBEL, IUTF8 (UTF-8 aware erase). */
const TERMINAL_IFLAGS = 0x2 | 0x800 | 0x2000 | 0x4000;
/** Room for glibc's posix_spawn_file_actions_t (80 bytes), posix_spawnattr_t (336), sigset_t
 * (128) and struct termios (60), with margin. */
const FILE_ACTIONS_BYTES = 256;
const ATTR_BYTES = 512;
const SIGSET_BYTES = 128;
const TERMIOS_BYTES = 128;

let libc: SpawnLibc | null | undefined;
/** No signal blocked. */
let noSignals: Buffer;
/** Every signal, glibc's own two (32, 33) too: sigfillset leaves those out, and posix_spawn
 * would then start the program with them ignored. */
let allSignals: Buffer;

function load(): SpawnLibc | null {
  if (libc !== undefined) return libc;
  libc = null;
  const c = knownLayout() ? loadLibc() : null;
  if (!c) return libc;
  try {
    const f = (declaration: string) => c.func<never>(declaration);
    const loaded: SpawnLibc = {
      faInit: f('int posix_spawn_file_actions_init(void *fa)'),
      faDestroy: f('int posix_spawn_file_actions_destroy(void *fa)'),
      faOpen: f('int posix_spawn_file_actions_addopen(void *fa, int fd, const char *path, int oflag, unsigned int mode)'),
      faDup2: f('int posix_spawn_file_actions_adddup2(void *fa, int fd, int newfd)'),
      // glibc 2.34 and 2.29: without them this module is not used.
      faCloseFrom: f('int posix_spawn_file_actions_addclosefrom_np(void *fa, int from)'),
      faChdir: f('int posix_spawn_file_actions_addchdir_np(void *fa, const char *path)'),
      attrInit: f('int posix_spawnattr_init(void *attr)'),
      attrDestroy: f('int posix_spawnattr_destroy(void *attr)'),
      attrSetFlags: f('int posix_spawnattr_setflags(void *attr, short flags)'),
      attrSetSigMask: f('int posix_spawnattr_setsigmask(void *attr, void *set)'),
      attrSetSigDefault: f('int posix_spawnattr_setsigdefault(void *attr, void *set)'),
      spawn: f('int posix_spawn(_Out_ int *pid, const char *path, void *fa, void *attr, const char **argv, const char **envp)'),
      waitpid: f('int waitpid(int pid, _Out_ int *status, int options)'),
      waitid: f('int waitid(int idtype, int id, void *info, int options)'),
      tcgetattr: f('int tcgetattr(int fd, void *termios)'),
      tcsetattr: f('int tcsetattr(int fd, int when, void *termios)'),
    };
    noSignals = Buffer.alloc(SIGSET_BYTES);
    allSignals = Buffer.alloc(SIGSET_BYTES, 0xff);
    libc = loaded;
  } catch {
    libc = null;
  }
  return libc;
}

/** Whether programs can start through posix_spawn here (Linux, glibc ≥ 2.34, koffi). */
export function posixSpawnAvailable(): boolean {
  return process.env.TETHER_PTY_SPAWNER !== 'perl' && load() !== null;
}

export interface PtySpawnRequest {
  /** An absolute path: posix_spawn does not search PATH the way the program's environment would. */
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
}

/**
 * Start `req` on the PTY whose slave is `pts` (this process holds that slave as `slaveFd`, whose
 * line discipline is set here first). Resolves to the pid, or rejects with the errno when
 * posix_spawn failed (no such program, no such folder…): then no process was started.
 */
export function spawnOnPty(pts: string, slaveFd: number, req: PtySpawnRequest): Promise<number> {
  const c = load();
  if (!c) return Promise.reject(new Error('posix_spawn is not available here'));
  const termios = Buffer.alloc(TERMIOS_BYTES);
  if (c.tcgetattr(slaveFd, termios) === 0) {
    termios.writeUInt32LE((termios.readUInt32LE(0) | TERMINAL_IFLAGS) >>> 0, 0);
    c.tcsetattr(slaveFd, TCSANOW, termios);
  }
  const fa = Buffer.alloc(FILE_ACTIONS_BYTES);
  const attr = Buffer.alloc(ATTR_BYTES);
  c.faInit(fa);
  c.attrInit(attr);
  const release = () => {
    c.faDestroy(fa);
    c.attrDestroy(attr);
  };
  const steps = [
    c.attrSetFlags(attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF),
    c.attrSetSigMask(attr, noSignals),
    c.attrSetSigDefault(attr, allSignals),
    c.faOpen(fa, 0, pts, O_RDWR, 0),
    c.faDup2(fa, 0, 1),
    c.faDup2(fa, 0, 2),
    c.faCloseFrom(fa, 3),
    c.faChdir(fa, req.cwd),
  ];
  const failed = steps.find((rc) => rc !== 0);
  if (failed !== undefined) {
    release();
    return Promise.reject(new Error(`posix_spawn setup failed: errno ${failed}`));
  }
  const argv = [req.file, ...req.args, null];
  const envp = [...Object.entries(req.env).map(([k, v]) => `${k}=${v}`), null];
  const pid = [0];
  return new Promise((resolve, reject) => {
    inTurn((next) => {
      c.spawn.async(pid, req.file, fa, attr, argv, envp, (err, rc) => {
        next();
        release();
        if (err) reject(err instanceof Error ? err : new Error(String(err)));
        else if (rc !== 0) reject(new Error(`posix_spawn failed: errno ${rc}`));
        else resolve(pid[0]!);
      });
    });
  });
}

/** Starts waiting for one of those in flight to return. */
const waiting: ((next: () => void) => void)[] = [];
let inFlight = 0;
/**
 * At most this many posix_spawn calls in flight. koffi keeps two memory pools for asynchronous
 * calls and makes one for each call beyond them: with 200 in flight, each call cost the event
 * loop ~0.6–1 ms, against ~0.05 ms with one. But one at a time was worse over all: the starts
 * then came back one by one, and each cost the host and the gateway a turn and a message of its
 * own — 100 terminals took 0.51–0.67 CPU-s of both against 0.30–0.43 with 8, 32 or all in
 * flight, which were alike (2026-12-07, docs/terminal-speed-log.md).
 */
const SPAWNS_IN_FLIGHT = 8;

/** Run `start` when fewer than SPAWNS_IN_FLIGHT are in flight; it calls `next` when its call returned. */
function inTurn(start: (next: () => void) => void): void {
  if (inFlight >= SPAWNS_IN_FLIGHT) return void waiting.push(start);
  inFlight++;
  const next = (): void => {
    const following = waiting.shift();
    if (following) following(next);
    else inFlight--;
  };
  start(next);
}

export type ChildEnd = { code: number | null; signal: number | null };

/** Programs started here that have not been reaped yet → who hears their end. */
const watched = new Map<number, (end: ChildEnd) => void>();
let listening = false;

/** Reap `pid` if it ended; answers whether it did (and `onEnd` was called). */
function reap(c: SpawnLibc, pid: number, onEnd: (end: ChildEnd) => void): boolean {
  const status = [0];
  if (c.waitpid(pid, status, WNOHANG) !== pid) return false;
  const s = status[0]!;
  // WIFSIGNALED: the low 7 bits hold the signal; WIFEXITED: they are 0 and the code is above.
  onEnd((s & 0x7f) === 0 ? { code: (s >> 8) & 0xff, signal: null } : { code: null, signal: s & 0x7f });
  return true;
}

const siginfo = Buffer.alloc(SIGINFO_BYTES);

/**
 * Reap the programs that ended. The children that ended are looked at one at a time without
 * being reaped (waitid with WNOWAIT): one of ours is reaped, and the next looked at. The first
 * that is not ours — libuv's (a command the host runs), which libuv reaps itself — ends the
 * looking, and each of ours is asked then. So an end costs a call or two, not one per running
 * program: asking all of 500 was ~1 ms per SIGCHLD (waitpid through koffi ~2 µs).
 */
function onSigchld(): void {
  const c = load()!;
  for (;;) {
    siginfo.fill(0);
    if (c.waitid(P_ALL, 0, siginfo, WEXITED | WNOHANG | WNOWAIT) !== 0) break; // no children at all
    const pid = siginfo.readInt32LE(SIGINFO_PID_OFFSET);
    if (pid === 0) break; // none ended
    const onEnd = watched.get(pid);
    if (!onEnd || !reap(c, pid, onEnd)) {
      for (const [p, end] of watched) if (reap(c, p, end)) watched.delete(p);
      break;
    }
    watched.delete(pid);
  }
  if (watched.size === 0) {
    process.off('SIGCHLD', onSigchld);
    listening = false;
  }
}

/**
 * `onEnd` hears once how `pid` (a program spawnOnPty started) ended, and it is reaped then. Only
 * these pids are waited for — never waitpid(-1), which would take libuv's children from it — on
 * each SIGCHLD (one signal may stand for several ends), and once now, for a program that ended
 * before it was watched.
 */
export function watchChild(pid: number, onEnd: (end: ChildEnd) => void): void {
  const c = load();
  if (!c) throw new Error('posix_spawn is not available here');
  if (reap(c, pid, onEnd)) return;
  watched.set(pid, onEnd);
  if (!listening) {
    listening = true;
    process.on('SIGCHLD', onSigchld);
  }
  // A SIGCHLD that came between the reap above and the listener: look once more.
  setImmediate(() => {
    const w = watched.get(pid);
    if (w && reap(c, pid, w)) watched.delete(pid);
  });
}
