/**
 * The end of a terminal's output under an overloaded event loop: node-pty ends the read 200 ms
 * after the child exits; if the loop is too busy to read what is still in the PTY by then, those
 * bytes were lost (found by `npm run bench:load`). Here every data callback blocks the loop.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from './local-runtime';

let dir: string;
let rt: LocalRuntime;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tether-pty-'));
  rt = new LocalRuntime(dir, { env: { HOME: dir } });
});
afterAll(async () => {
  await rt.dispose();
  await rm(dir, { recursive: true, force: true });
});

function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    /* a gateway too busy to read */
  }
}

describe('LocalPty at exit', () => {
  it('delivers every byte before EXIT even when each read is followed by 100 ms of a blocked loop', async () => {
    const p = await rt.openPty({ cols: 80, rows: 24, command: "head -c 20000 /dev/zero | tr '\\0' x" });
    let xs = 0;
    p.onData((d) => {
      for (const b of d) if (b === 0x78) xs++;
      busy(100);
    });
    const exit = await new Promise((resolve) => p.onExit(resolve));
    expect(exit).toEqual({ code: 0, signal: null });
    expect(xs).toBe(20000);
  });
});
