/**
 * glibc, called through koffi (an FFI with prebuilt binaries): the one loader for the functions
 * Node does not offer — malloc_trim (malloc-trim.ts), pidfd_getfd, memfd_create and mmap
 * (take-fd.ts), posix_spawn and waitid (posix-spawn.ts). Each of those binds its own functions
 * from it and keeps its own checks (syscall numbers and struct layouts are known for x86-64 and
 * arm64 only).
 *
 * Loaded once per process, on first use. Null, with the reason, where there is no glibc (musl,
 * macOS) or koffi cannot load; each caller then has its fallback or says why in the log.
 */
import { createRequire } from 'node:module';
import path from 'node:path';

type Koffi = typeof import('koffi');

export interface Libc {
  koffi: Koffi;
  /** A function of libc.so.6 by its C declaration; typed by the caller. */
  func<T>(declaration: string): T;
}

let loaded: Libc | null | undefined;
/** Why libc() found none ('' when it did). */
let unavailable = '';
/** Where koffi is, for a bundle with no node_modules of its own (see useKoffiFrom). */
let koffiFrom: string | null = null;

export function libc(): Libc | null {
  if (loaded !== undefined) return loaded;
  loaded = null;
  if (process.platform !== 'linux') {
    unavailable = `needs Linux, not ${process.platform}`;
    return loaded;
  }
  try {
    const require = koffiFrom ? createRequire(path.join(koffiFrom, 'package.json')) : createRequire(import.meta.url);
    const koffi = require(koffiFrom ?? 'koffi') as Koffi;
    const lib = koffi.load('libc.so.6');
    const func = <T>(declaration: string) => lib.func(declaration) as T;
    // Only glibc has it (a look-up, where the process report that also tells took ~14 ms).
    func<() => string>('const char *gnu_get_libc_version(void)');
    loaded = { koffi, func };
    unavailable = '';
  } catch (err) {
    unavailable = `koffi or glibc would not load: ${(err as Error).message}`;
  }
  return loaded;
}

/** Why libc() is null ('' when it is not). */
export function whyNoLibc(): string {
  return libc() ? '' : unavailable;
}

/** Linux on x86-64 or arm64, whose syscall numbers and struct layouts the callers know. */
export function knownLayout(): boolean {
  return process.platform === 'linux' && (process.arch === 'x64' || process.arch === 'arm64');
}

/**
 * Load koffi from `dir` (its package folder). The local pty host is the runner artifact, one file
 * without node_modules; the gateway that starts it names its own koffi (TETHER_KOFFI, read by
 * worker/runner-main.ts). A runner deployed over SSH has none: it starts programs through Perl.
 * Call it before anything asks for libc: the modules keep what they bound (or that nothing was).
 */
export function useKoffiFrom(dir: string): void {
  koffiFrom = dir;
  if (!loaded) loaded = undefined;
}

/** The koffi package folder this process loads (for a pty host it starts), or null. */
export function koffiDir(): string | null {
  try {
    // Its entry file is at the package's top (koffi exports no package.json to resolve).
    return path.dirname(createRequire(import.meta.url).resolve('koffi'));
  } catch {
    return null;
  }
}
