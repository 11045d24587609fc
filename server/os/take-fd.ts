/**
 * A duplicate, in this process, of a file descriptor another process holds: pidfd_open(2) then
 * pidfd_getfd(2) (Linux 5.6+), called through koffi. The kernel allows it only to a process that
 * may ptrace the other (same user, no Yama restriction against it, or CAP_SYS_PTRACE) — the
 * gateway and the pty host it started are the same user. The new descriptor is close-on-exec and
 * shares the open file (offset, flags) with the original.
 *
 * The gateway uses it to read a terminal's PTY itself (a terminal the pty host lends it), which
 * Node cannot otherwise receive: its IPC passes only sockets, and a PTY master cannot be opened
 * again by path (/proc/<pid>/fd/N of one opens a new PTY). memfd_create makes the record the
 * gateway writes what it reads to (runtimes/local/lent-reader.ts).
 */
import { closeSync } from 'node:fs';
import { knownLayout, libc as loadLibc, whyNoLibc } from './libc';

/** The same numbers on x86-64 and arm64 (added after the syscall tables were unified). */
const SYS_PIDFD_OPEN = 434;
const SYS_PIDFD_GETFD = 438;

interface Libc {
  syscall(nr: number, a: number, b: number, c: number): number;
  memfdCreate(name: string, flags: number): number;
  mmap(addr: null, length: number, prot: number, flags: number, fd: number, offset: number): unknown;
  munmap(addr: unknown, length: number): number;
  view(ptr: unknown, length: number): ArrayBuffer;
  failed(ptr: unknown): boolean;
  errno(): number;
}

const MFD_CLOEXEC = 1;
const PROT_READ_WRITE = 0x1 | 0x2;
const MAP_SHARED = 0x1;
const MAP_POPULATE = 0x8000;

let libc: Libc | null | undefined;
/** Why load() found no way (for the log). */
let unavailable = '';

function load(): Libc | null {
  if (libc !== undefined) return libc;
  libc = null;
  if (!knownLayout()) {
    unavailable = `needs Linux on x64 or arm64, not ${process.platform} on ${process.arch}`;
    return libc;
  }
  const c = loadLibc();
  if (!c) {
    unavailable = whyNoLibc();
    return libc;
  }
  try {
    const { koffi, func } = c;
    const syscall = func<Libc['syscall']>('long syscall(long nr, long a, long b, long c)');
    const memfdCreate = func<Libc['memfdCreate']>('int memfd_create(const char *name, unsigned int flags)');
    const mmap = func<Libc['mmap']>('void *mmap(void *addr, size_t length, int prot, int flags, int fd, int64_t offset)');
    const munmap = func<Libc['munmap']>('int munmap(void *addr, size_t length)');
    // MAP_FAILED is (void *)-1.
    const failed = (ptr: unknown) => ptr === null || BigInt.asIntN(64, BigInt(koffi.address(ptr))) === -1n;
    libc = { syscall, memfdCreate, mmap, munmap, view: (ptr, length) => koffi.view(ptr, length), failed, errno: () => koffi.errno() };
  } catch (err) {
    libc = null;
    unavailable = `koffi could not call libc: ${(err as Error).message}`;
  }
  return libc;
}

/** An anonymous file in memory (memfd_create(2), close-on-exec): another process of the same user
 * can open it through /proc/<this pid>/fd/<fd> and keep it after this one is gone. */
export function memfd(name: string): number {
  const c = load();
  if (!c) throw new Error('memfd_create needs Linux and koffi');
  const fd = c.memfdCreate(name, MFD_CLOEXEC);
  if (fd < 0) throw new Error(`memfd_create failed: errno ${c.errno()}`);
  return fd;
}

/** File `fd`'s first `length` bytes mapped shared into this process: writes to `bytes` are the
 * file's (no system call each). Its pages are mapped at once (MAP_POPULATE: meant for a file
 * whose pages exist, else it allocates them all). `unmap` ends the mapping; `bytes` must not be
 * touched after it (the memory is gone: a crash, not an exception). */
export function mapShared(fd: number, length: number): { bytes: Uint8Array; unmap(): void } {
  const c = load();
  if (!c) throw new Error('mapping a file needs Linux and koffi');
  const ptr = c.mmap(null, length, PROT_READ_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
  if (c.failed(ptr)) throw new Error(`mmap failed: errno ${c.errno()}`);
  let mapped = true;
  return {
    bytes: new Uint8Array(c.view(ptr, length)),
    unmap() {
      if (!mapped) return;
      mapped = false;
      c.munmap(ptr, length);
    },
  };
}

/** Whether this machine can take descriptors at all (Linux, glibc, koffi). */
export function canTakeFds(): boolean {
  return load() !== null;
}

/** Why canTakeFds() is false ('' when it is true). */
export function whyNoTakeFds(): string {
  return load() ? '' : unavailable;
}

/** Descriptor `fd` of process `pid`, duplicated here. Throws with the errno when the kernel refuses. */
export function takeFd(pid: number, fd: number): number {
  const c = load();
  if (!c) throw new Error('taking a descriptor from another process needs Linux and koffi');
  if (!Number.isInteger(pid) || pid < 1 || !Number.isInteger(fd) || fd < 0) throw new Error('bad pid or descriptor');
  const pidfd = c.syscall(SYS_PIDFD_OPEN, pid, 0, 0);
  if (pidfd < 0) throw new Error(`pidfd_open(${pid}) failed: errno ${c.errno()}`);
  try {
    const got = c.syscall(SYS_PIDFD_GETFD, pidfd, fd, 0);
    if (got < 0) throw new Error(`pidfd_getfd(${pid}, ${fd}) failed: errno ${c.errno()}`);
    return got;
  } finally {
    closeSync(pidfd);
  }
}
