/** The one koffi/glibc loader (libc.ts) that malloc-trim, take-fd and posix-spawn share. */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

const empty = mkdtempSync(path.join(os.tmpdir(), 'tether-no-koffi-'));
afterAll(() => rmSync(empty, { recursive: true, force: true }));

/** A fresh copy of the module: each loads libc once per process. */
const fresh = async () => {
  vi.resetModules();
  return import('./libc');
};

describe.runIf(process.platform === 'linux')('libc through koffi (Linux)', () => {
  it('loads glibc here, calls into it, and names the koffi folder a pty host is given', async () => {
    const { libc, whyNoLibc, koffiDir } = await fresh();
    const c = libc();
    expect(whyNoLibc()).toBe('');
    expect(c!.func<() => number>('int getpid(void)')()).toBe(process.pid);
    // The same object for every caller in the process.
    expect(libc()).toBe(c);
    expect(existsSync(path.join(koffiDir()!, 'package.json'))).toBe(true);
  });

  it('loads koffi from the folder it is told, and says why when that folder has none', async () => {
    const told = await fresh();
    told.useKoffiFrom(told.koffiDir()!);
    expect(told.libc()?.func<() => number>('int getppid(void)')()).toBe(process.ppid);

    const wrong = await fresh();
    wrong.useKoffiFrom(empty);
    expect(wrong.libc()).toBeNull();
    expect(wrong.whyNoLibc()).toMatch(/^koffi or glibc would not load: .*Cannot find module/);
  });
});
