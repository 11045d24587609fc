/**
 * Starting a terminal's program without forking the process that hosts terminals.
 *
 * node-pty starts a program with forkpty(3): a fork of the whole Node process. That costs in
 * proportion to the process's memory (page tables, then a fault on every page either side writes
 * next): 9 ms of CPU for a 90 MB process, 20 ms at 730 MB, during which the host's event loop —
 * every terminal's output and echo — stands still. And the child inherits every descriptor the
 * host has open without close-on-exec, which includes the master side of every other terminal:
 * any terminal's programs could read or type into the others.
 *
 * Here the host opens the PTY pair itself (openpty, no process) and a small Perl process, the
 * spawner, forks the program: a 5 MB process forks in well under a millisecond. Its child starts
 * a session, opens the PTY's slave by name (which makes it the controlling terminal, so job
 * control and Ctrl-C work), sets the line discipline node-pty would, closes every other
 * descriptor and execs. The spawner reaps its children and reports their exit status.
 *
 * Perl is part of every Debian and macOS base system; where it is missing (or not on Linux),
 * terminals start through node-pty as before.
 *
 * Where glibc has posix_spawn with closefrom (2.34+) and koffi loads, the same child is made
 * without any fork: posix_spawn from this process (server/os/posix-spawn.ts), ~4× faster, and
 * the Perl spawner starts only for what that cannot do (see Spawner.start).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, readSync } from 'node:fs';
import { constants as osConstants } from 'node:os';
import path from 'node:path';
import net from 'node:net';
import tty from 'node:tty';
import { loadNativeModule } from 'node-pty/lib/utils.js';
import type { ExitInfo } from '../../../lib/protocol';
import type { PtyProcess } from '../runtime';
import { PtyExit } from '../pty-exit';
import { PtyWriter } from './pty-writer';
import { posixSpawnAvailable, spawnOnPty, watchChild } from '../../os/posix-spawn';

/**
 * The spawner. Requests on stdin: `<byte length>\n` then the fields joined by NUL: id, slave
 * path, working directory, argument count, the arguments, then `NAME=value` environment entries.
 * Answers on stdout, a line each: `R` ready (once), `S <id> <pid>` started, `F <id> <reason>` not started,
 * `X <pid> <code|-> <signal|->` a child ended.
 *
 * How it hears that a child ended. Perl runs a `$SIG{CHLD}` handler only between its own
 * operations ("safe signals"): a SIGCHLD that arrives as the handler finishes — unblocked right
 * after it — is taken by Perl's C handler, which only sets a flag, and the loop then blocks in
 * read(2) with the flag set: that child is reported when the next request or the next exit wakes
 * the spawner. 6 terminals of one 100-terminal round stayed zombies that way, their EXIT
 * never sent (2026-12-06). So SIGCHLD is blocked and read from a signalfd, which `select` waits
 * on with stdin: a child that ends at any moment makes it readable. Where there is no signalfd
 * (`signalfd4` 0: other architectures), the handler stays and `select` wakes every second while
 * children run. That handler keeps `$?` (and `$!`) to itself: Perl runs it at the next check
 * for signals, which can fall between the loop's `waitpid` and its read of `$?`, and its own
 * last `waitpid` (none ready) set `$?` to -1 — a child that exited 13 was reported as killed
 * by signal 127 (once in a CI run of the spawner's test, 2026-12-06; shown on demand with a
 * SIGCHLD held pending across that point).
 */
const spawnerScript = (signalfd4: number) => String.raw`
use strict; use POSIX ();
sub close_above_2 { my @fds; if (opendir(my $d, '/proc/self/fd')) { @fds = grep { /^\d+$/ && $_ > 2 } readdir($d); closedir($d); } POSIX::close($_) for @fds; }
close_above_2();
$| = 1; binmode STDIN; binmode STDOUT;
$SIG{PIPE} = 'IGNORE';
my $children = 0;
sub reap { while ((my $p = waitpid(-1, POSIX::WNOHANG())) > 0) { my $s = $?; $children--; print 'X ', $p, ' ', (($s & 127) ? '- ' . ($s & 127) : ($s >> 8) . ' -'), "\n"; } }
my $chld = POSIX::SigSet->new(POSIX::SIGCHLD());
my $sfd = -1;
if (${signalfd4} > 0 && POSIX::sigprocmask(POSIX::SIG_BLOCK(), $chld)) {
  # signalfd4(-1, {SIGCHLD}, 8, SFD_NONBLOCK | SFD_CLOEXEC)
  my $mask = pack('Q', 1 << (POSIX::SIGCHLD() - 1));
  $sfd = syscall(${signalfd4}, -1, $mask, 8, 0x800 | 0x80000);
  POSIX::sigprocmask(POSIX::SIG_UNBLOCK(), $chld) if $sfd < 0;
}
$SIG{CHLD} = sub { local ($!, $?); reap() } if $sfd < 0;
sub start {
  my ($id, $pts, $cwd, $argc, @rest) = split /\0/, $_[0], -1;
  my @argv = splice(@rest, 0, $argc);
  my $pid = fork();
  if (!defined $pid) { print "F $id fork: $!\n"; return; }
  if ($pid == 0) {
    $SIG{CHLD} = 'DEFAULT'; $SIG{PIPE} = 'DEFAULT';
    POSIX::sigprocmask(POSIX::SIG_SETMASK(), POSIX::SigSet->new());
    POSIX::setsid();
    my $fd = POSIX::open($pts, POSIX::O_RDWR());
    POSIX::_exit(126) unless defined $fd;
    my $t = POSIX::Termios->new;
    if ($t->getattr($fd)) { $t->setiflag($t->getiflag | POSIX::BRKINT() | 0x800 | 0x2000 | 0x4000); $t->setattr($fd, POSIX::TCSANOW()); }
    POSIX::dup2($fd, $_) for 0, 1, 2;
    close_above_2();
    if (!chdir($cwd)) { print STDERR "tether: cannot enter $cwd: $!\r\n"; POSIX::_exit(1); }
    %ENV = (); for (@rest) { my ($k, $v) = split /=/, $_, 2; $ENV{$k} = $v; }
    { exec { $argv[0] } @argv; }
    print STDERR "tether: cannot run $argv[0]: $!\r\n"; POSIX::_exit(127);
  }
  $children++;
  print "S $id $pid\n";
}
print "R\n";
my $in = '';
while (1) {
  my $rin = ''; vec($rin, 0, 1) = 1; vec($rin, $sfd, 1) = 1 if $sfd >= 0;
  my $n = select(my $rout = $rin, undef, undef, ($sfd < 0 && $children > 0) ? 1 : undef);
  if ($sfd >= 0 && $n > 0 && vec($rout, $sfd, 1)) { my $info; 1 while (POSIX::read($sfd, $info, 1280) || 0) > 0; }
  reap();
  next unless $n > 0 && vec($rout, 0, 1);
  my $got = sysread(STDIN, $in, 65536, length $in);
  next if !defined $got; # EINTR
  last if $got == 0; # the host is gone
  while ($in =~ /\A(\d+)\n/) {
    my $at = length($1) + 1;
    last if length($in) < $at + $1;
    my $req = substr($in, $at, $1);
    substr($in, 0, $at + length($req)) = '';
    start($req);
  }
}
`;

/** The spawner's one argument (the script ignores it): how a process is known to be a spawner
 * from its command line (the benchmarks count its CPU as Tether's). */
export const SPAWNER_ARG = 'tether-pty-spawner';

/** signalfd4(2)'s number where Perl's syscall() can call it (see spawnerScript). */
const SIGNALFD4_SYSCALL: Partial<Record<string, number>> = { x64: 289, arm64: 74 };

/** close(2)'s number where Perl's syscall() can call it without loading POSIX (~20 ms). */
const CLOSE_SYSCALL: Partial<Record<string, number>> = { x64: 3, arm64: 57 };

/**
 * `[file, args]` run through Perl that first closes every descriptor above 2. A process that
 * holds PTYs (the pty host; the gateway with it off) has their master and slave sides open
 * without close-on-exec — node-pty's openpty cannot ask for it — so a command it runs would
 * inherit every terminal. Used for a member's confined commands (bubblewrap passes descriptors
 * into its sandbox); unchanged where Perl is not available.
 */
export function withoutInheritedFds(file: string, args: string[]): [string, string[]] {
  const perl = Spawner.shared()?.perl;
  if (!perl) return [file, args];
  const nr = CLOSE_SYSCALL[process.arch];
  const close = nr ? `syscall(${nr}, $_ + 0) for @fds;` : 'require POSIX; POSIX::close($_) for @fds;';
  const script = String.raw`opendir(my $d, '/proc/self/fd') or die "tether: /proc: $!\n"; my @fds = grep { /^\d+$/ && $_ > 2 } readdir($d); closedir($d); ${close} exec { $ARGV[0] } @ARGV; die "tether: cannot run $ARGV[0]: $!\n";`;
  return [perl, ['-e', script, file, ...args]];
}

/** How often the programs of a spawner that died are looked for (their exit status is lost). */
const ORPHAN_POLL_MS = 500;

export interface SpawnRequest {
  file: string;
  args: string[];
  cwd: string;
  env: Record<string, string>;
  cols: number;
  rows: number;
}

type ExitStatus = { code: number | null; signal: string | null };

const native = (() => {
  try {
    return loadNativeModule('pty').module;
  } catch {
    return null;
  }
})();

function perlPath(): string | null {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    if (dir && existsSync(path.join(dir, 'perl'))) return path.join(dir, 'perl');
  }
  return null;
}

/** A signal's name from its number (`SIGHUP` for 1), as exits are reported. */
export function signalName(n: number): string {
  return Object.entries(osConstants.signals).find(([, v]) => v === n)?.[0] ?? String(n);
}

/** This machine's Perl cannot run the spawner: start terminals another way. */
export class SpawnerUnavailable extends Error {}

export class Spawner {
  private child: ChildProcess | null = null;
  private out = '';
  private nextId = 1;
  private readonly starting = new Map<number, { payload: Buffer; tries: number; resolve(pid: number): void; reject(err: Error): void }>();
  /** Running programs → who hears their end. */
  private readonly running = new Map<number, (s: ExitStatus) => void>();
  /** Ends reported before anyone listened (a program that ended at once). */
  private readonly early = new Map<number, ExitStatus>();
  private orphanTimer: NodeJS.Timeout | undefined;
  /** The current spawner said it was ready (it loaded and set itself up). */
  private ready = false;
  /** Why this Perl cannot be a spawner (one ended before it was ready): terminals then start through node-pty. */
  private unusable: string | null = null;

  /** `signalfd4`: signalfd4(2)'s number here, or 0 to hear of exits through a SIGCHLD handler
   * (see spawnerScript). `posixSpawn`: start programs through posix_spawn where it can (else
   * every start goes through Perl). */
  constructor(
    readonly perl: string,
    private readonly signalfd4 = SIGNALFD4_SYSCALL[process.arch] ?? 0,
    private readonly posixSpawn = posixSpawnAvailable(),
  ) {}

  private static instance: Spawner | null | undefined;
  /** This process's spawner; null where terminals start through node-pty instead. */
  static shared(): Spawner | null {
    if (Spawner.instance === undefined) {
      const perl = process.platform === 'linux' && native && process.env.TETHER_PTY_SPAWNER !== 'node-pty' ? perlPath() : null;
      Spawner.instance = perl ? new Spawner(perl) : null;
    }
    return Spawner.instance;
  }

  /** Open a PTY and start `req` on it. */
  async open(req: SpawnRequest, command: string): Promise<SpawnedPty> {
    if (this.unusable) throw new SpawnerUnavailable(this.unusable);
    for (const s of [req.file, req.cwd, ...req.args, ...Object.keys(req.env), ...Object.values(req.env)]) {
      if (s.includes('\0')) throw new Error('a NUL character in the command, folder or environment');
    }
    const pair = native!.open(req.cols, req.rows);
    try {
      const pid = await this.start(pair.pty, pair.slave, req);
      return new SpawnedPty(pair.master, pair.slave, pid, command, this);
    } catch (err) {
      closeSync(pair.master);
      closeSync(pair.slave);
      throw err;
    }
  }

  /** `listener` hears once how `pid` (a program this spawner started) ended. */
  onExit(pid: number, listener: (s: ExitStatus) => void): void {
    const early = this.early.get(pid);
    if (early) {
      this.early.delete(pid);
      return listener(early);
    }
    this.running.set(pid, listener);
  }

  /** Through posix_spawn where it can (server/os/posix-spawn.ts: ~4× faster, no fork); else,
   * or when that fails (the spawner's child then says why in the terminal), through Perl. */
  private start(pts: string, slave: number, req: SpawnRequest): Promise<number> {
    if (!this.posixSpawn || !path.isAbsolute(req.file)) return this.startThroughPerl(pts, req);
    return spawnOnPty(pts, slave, req).then(
      (pid) => {
        watchChild(pid, (end) => this.ended(pid, { code: end.code, signal: end.signal === null ? null : signalName(end.signal) }));
        return pid;
      },
      () => this.startThroughPerl(pts, req),
    );
  }

  private startThroughPerl(pts: string, req: SpawnRequest): Promise<number> {
    const child = this.child ?? this.launch();
    const id = this.nextId++;
    const env = Object.entries(req.env).map(([k, v]) => `${k}=${v}`);
    const payload = Buffer.from([String(id), pts, req.cwd, String(req.args.length + 1), req.file, ...req.args, ...env].join('\0'));
    return new Promise<number>((resolve, reject) => {
      const start = { payload, tries: 1, resolve, reject };
      this.starting.set(id, start);
      this.send(child, payload);
    });
  }

  private send(child: ChildProcess, payload: Buffer): void {
    this.holdLoop(child, true);
    child.stdin!.write(`${payload.byteLength}\n`);
    child.stdin!.write(payload);
  }

  private launch(): ChildProcess {
    const child = spawn(this.perl, ['-e', spawnerScript(this.signalfd4), SPAWNER_ARG], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child = child;
    this.out = '';
    this.ready = false;
    child.stdout!.setEncoding('utf8');
    child.stdout!.on('data', (s: string) => this.onOutput(s));
    child.stdin!.on('error', () => {}); // its end is handled on 'exit'
    child.on('error', (err) => this.gone(child, err.message));
    // 'close': after the last of its output, so a start it answered before dying is not sent again.
    child.on('close', (code, signal) => this.gone(child, `the terminal spawner ended (${signal ?? `exit ${code}`})`));
    // An idle spawner does not keep the process alive (running terminals do, through their
    // PTYs); one with a start in flight does.
    child.unref();
    (child.stdin as unknown as { unref?(): void }).unref?.();
    this.holdLoop(child, false);
    return child;
  }

  private holdLoop(child: ChildProcess, hold: boolean): void {
    const out = child.stdout as unknown as { ref?(): void; unref?(): void };
    if (hold) out.ref?.();
    else out.unref?.();
  }

  private onOutput(s: string): void {
    this.out += s;
    let nl: number;
    while ((nl = this.out.indexOf('\n')) >= 0) {
      const [kind, a = '', ...rest] = this.out.slice(0, nl).split(' ');
      this.out = this.out.slice(nl + 1);
      if (kind === 'R') this.ready = true;
      else if (kind === 'S' || kind === 'F') {
        const waiting = this.starting.get(Number(a));
        this.starting.delete(Number(a));
        if (this.starting.size === 0 && this.child) this.holdLoop(this.child, false);
        if (kind === 'S') waiting?.resolve(Number(rest[0]));
        else waiting?.reject(new Error(rest.join(' ')));
      } else if (kind === 'X') {
        const [code, sig] = rest;
        this.ended(Number(a), { code: code === '-' ? null : Number(code), signal: sig === '-' || sig === undefined ? null : signalName(Number(sig)) });
      }
    }
  }

  private ended(pid: number, status: ExitStatus): void {
    const listener = this.running.get(pid);
    if (!listener) return void this.early.set(pid, status);
    this.running.delete(pid);
    listener(status);
  }

  /** The spawner died (it should not): requests in flight fail, and its programs — now
   * children of init, which reaps them — are watched until they are gone. The next terminal
   * starts a new spawner. */
  private gone(child: ChildProcess, reason: string): void {
    if (this.child !== child) return;
    this.child = null;
    if (!this.ready) {
      // It never started (a Perl without POSIX, say): not a spawner, now or later.
      this.unusable = reason;
      for (const w of this.starting.values()) w.reject(new SpawnerUnavailable(reason));
      this.starting.clear();
      return;
    }
    // Starts it had not answered go to a new spawner, once.
    for (const [id, w] of this.starting) {
      if (w.tries > 1) {
        this.starting.delete(id);
        w.reject(new Error(reason));
      } else w.tries++;
    }
    if (this.starting.size > 0) {
      const next = this.launch();
      for (const w of this.starting.values()) this.send(next, w.payload);
    }
    this.orphanTimer ??= setInterval(() => {
      for (const pid of [...this.running.keys()]) {
        try {
          process.kill(pid, 0);
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code === 'ESRCH') this.ended(pid, { code: null, signal: null });
        }
      }
      if (this.running.size === 0) {
        clearInterval(this.orphanTimer);
        this.orphanTimer = undefined;
      }
    }, ORPHAN_POLL_MS);
    this.orphanTimer.unref();
  }
}

const KILL_GRACE_MS = 3000;
/** Longest wait for a terminal's output to drain after its program ended (a program it left
 * behind may keep the terminal open and writing). */
const MAX_DRAIN_MS = 3000;
/** Read at once at the end before the loop gets a turn; more (a program left behind, writing)
 * is read as it comes. */
const DRAIN_AT_ONCE_BYTES = 1024 * 1024;
const DRAIN_RETRY_MS = 10;

const READ_BYTES = 64 * 1024;
/** readPty's buffer, one for every terminal of this process: libuv reads one descriptor at a
 * time, and each read is handed on before the next. A buffer per terminal was 64 KiB each, of
 * which a read fills at most the first 4 KiB (the kernel's tty buffer) — and V8 counts every
 * ArrayBuffer as external memory: 32 MiB for 500 terminals, which started a full collection
 * every ~8.5 s of bench:load. */
let ptyReadBuffer: Buffer | null = null;

/**
 * The master side as a socket that reads into a buffer shared with every other terminal's: no
 * allocation, ArrayBuffer and Buffer object per read (a flood is ~25,000 reads of ≤ 4 KiB per
 * 100 MB; the kernel's tty buffer sets that size). `onData` hears a view of that buffer, valid
 * during the call only: the next read of any terminal overwrites it.
 */
export function readPty(fd: number, onData: (data: Uint8Array) => void): net.Socket {
  const binding = pipeWrap();
  if (!binding) {
    // A Node without process.binding('pipe_wrap'): a TTY stream, a Buffer per read.
    const stream = new tty.ReadStream(fd);
    stream.on('data', onData);
    return stream;
  }
  const { Pipe, constants } = binding;
  const handle = new Pipe(constants.SOCKET);
  const err = handle.open(fd);
  if (err) throw new Error(`could not read the terminal (uv error ${err})`);
  const buffer = (ptyReadBuffer ??= Buffer.allocUnsafe(READ_BYTES));
  return new net.Socket({
    handle,
    onread: {
      buffer,
      callback: (n: number) => {
        onData(buffer.subarray(0, n));
        return true;
      },
    },
  } as net.SocketConstructorOpts);
}

/** readNow's buffer, one for every call (500 terminals ending together allocated 500); null
 * while a call uses it, so a call made from inside another's onData gets its own. */
let readNowBuffer: Buffer | null = null;

/**
 * Read a (non-blocking) PTY master now, into `onData` (a view of a reused buffer), until the
 * kernel has nothing more — true — or `budget` bytes were read — false. A failed read (EAGAIN,
 * or the descriptor failed) counts as nothing more.
 */
export function readNow(fd: number, budget: number, onData: (data: Uint8Array) => void): boolean {
  const buf = readNowBuffer ?? Buffer.allocUnsafe(READ_BYTES);
  readNowBuffer = null;
  try {
    while (budget > 0) {
      let n: number;
      try {
        n = readSync(fd, buf);
      } catch {
        return true;
      }
      if (n === 0) return true;
      onData(buf.subarray(0, n));
      budget -= n;
    }
    return false;
  } finally {
    readNowBuffer = buf;
  }
}

interface PipeWrapBinding {
  Pipe: new (type: number) => { open(fd: number): number };
  constants: { SOCKET: number };
}

/** Whether readPty reads through a pipe handle of its own here (what a lent terminal's reader needs). */
export function ptyHandlesAvailable(): boolean {
  return pipeWrap() !== null;
}

function pipeWrap(): PipeWrapBinding | null {
  try {
    return (process as unknown as { binding(name: 'pipe_wrap'): PipeWrapBinding }).binding('pipe_wrap');
  } catch {
    return null;
  }
}

/**
 * A terminal started by the spawner. The host keeps its own descriptor on the slave side for
 * the terminal's whole life: Linux answers a master's read with EIO as soon as no slave is open,
 * while the program's last output may still be in the kernel's buffers. When the program ends,
 * the master is read until the kernel answers EAGAIN — a non-blocking read flushes the PTY's
 * pending input first, so EAGAIN means every byte the program wrote has been read — and EXIT
 * follows the last byte.
 */
export class SpawnedPty implements PtyProcess {
  private readonly exit = new PtyExit();
  private readonly stream: net.Socket;
  private readonly writer: PtyWriter;
  private readonly listeners: ((data: Uint8Array) => void)[] = [];
  /** Output read before anyone listened (copied: reads reuse one buffer). A program that prints
   * and exits at once is reported ended, and read to the end, in the same turn that answers the
   * start, before the caller has had a chance to listen. */
  private early: Buffer[] | null = [];
  private status: ExitStatus | null = null;
  private paused = false;
  /** The read failed: the stream (and with it the master descriptor) is closed. */
  private broken = false;
  private killTimer: NodeJS.Timeout | undefined;
  private drainDeadline: NodeJS.Timeout | undefined;
  /** Lent (`lend`): who hears of the program's end while another process reads the output. */
  private lent: (() => void) | null = null;

  constructor(
    private readonly master: number,
    private readonly slave: number,
    readonly pid: number,
    readonly command: string,
    spawner: Spawner,
  ) {
    this.writer = new PtyWriter(master);
    this.stream = readPty(master, (data) => this.emit(data));
    // Not expected while the slave is held open; the terminal is unusable then: end it.
    this.stream.on('error', () => {
      this.broken = true;
      if (this.status) this.finish();
      else this.kill();
    });
    spawner.onExit(pid, (s) => this.programEnded(s));
  }

  onData(listener: (data: Uint8Array) => void): void {
    this.listeners.push(listener);
    const early = this.early;
    this.early = null;
    for (const d of early ?? []) listener(d);
  }
  onExit(listener: (exit: ExitInfo) => void): void {
    this.exit.listen(listener);
  }
  write(data: Uint8Array): void {
    if (!this.status) this.writer.write(data);
  }
  resize(cols: number, rows: number): void {
    if (this.status) return;
    try {
      native!.resize(this.master, cols, rows);
    } catch {
      /* the terminal is closing */
    }
  }
  pause(): void {
    // Once the program has ended its output is drained regardless: EXIT must follow every byte.
    if (this.paused || this.status) return;
    this.paused = true;
    if (!this.lent) this.stream.pause();
  }
  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    if (!this.lent) this.stream.resume();
  }
  lend(ended: () => void): number | null {
    // Only a master read through its own handle (not a TTY stream, which may hold read-ahead).
    // And input written here so far is with the program: the borrower's writes come after it.
    if (this.lent || this.status || this.broken || this.early || this.stream instanceof tty.ReadStream || !this.writer.idle) return null;
    this.lent = ended;
    this.stream.pause();
    return this.master;
  }
  giveBack(): void {
    if (!this.lent) return;
    this.lent = null;
    if (this.status) this.startDrain();
    else if (!this.paused) this.stream.resume();
  }
  kill(): void {
    if (this.status) return;
    this.signal('SIGHUP');
    this.killTimer ??= setTimeout(() => this.signal('SIGKILL'), KILL_GRACE_MS);
  }
  dispose(): void {
    this.kill();
  }

  private emit(data: Uint8Array): void {
    if (this.early) this.early.push(Buffer.from(data));
    else for (const l of this.listeners) l(data);
  }

  private signal(sig: NodeJS.Signals): void {
    try {
      if (!this.status) process.kill(this.pid, sig);
    } catch {
      /* already gone */
    }
  }

  private programEnded(status: ExitStatus): void {
    this.status = status;
    this.paused = false;
    clearTimeout(this.killTimer);
    this.writer.close();
    // Lent: the reader reads what is left and gives the terminal back (giveBack drains then).
    if (this.lent) this.lent();
    else this.startDrain();
  }

  private startDrain(): void {
    this.drainDeadline = setTimeout(() => this.finish(), MAX_DRAIN_MS);
    this.drain();
  }

  /** Read what is left, in order: what the stream holds, then the kernel's buffers to EAGAIN. */
  private readonly drain = (): void => {
    if (this.exit.ended) return;
    if (this.broken) return this.finish();
    this.stream.pause();
    if (readNow(this.master, DRAIN_AT_ONCE_BYTES, (d) => this.emit(Buffer.from(d)))) return this.finish();
    this.stream.resume();
    setTimeout(this.drain, DRAIN_RETRY_MS);
  };

  private finish(): void {
    if (this.exit.ended || !this.status) return;
    clearTimeout(this.drainDeadline);
    this.stream.destroy();
    closeSync(this.slave);
    this.exit.end(this.status);
  }
}
