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

describe('LocalPty input', () => {
  it('delivers a paste larger than the kernel takes at once, in order, to a program that starts reading late', async () => {
    // The program sleeps first: the PTY's input buffer fills, writes are refused (EAGAIN) and
    // queued; once it reads, every byte arrives in order. md5 of what it got is printed.
    const p = await rt.openPty({ cols: 80, rows: 24, command: "stty raw -echo; echo ready; sleep 0.5; head -c 300000 | md5sum" });
    let out = '';
    p.onData((d) => (out += Buffer.from(d).toString('latin1')));
    await expect.poll(() => out, { timeout: 10_000 }).toContain('ready'); // raw mode is on
    const paste = Buffer.alloc(300000);
    for (let i = 0; i < paste.length; i++) paste[i] = 97 + ((i * 7) % 26);
    for (let at = 0; at < paste.length; at += 1000) p.write(paste.subarray(at, at + 1000));
    const exit = await new Promise((resolve) => p.onExit(resolve));
    expect(exit).toEqual({ code: 0, signal: null });
    const { createHash } = await import('node:crypto');
    expect(out).toContain(createHash('md5').update(paste).digest('hex'));
  });

  it('answers a keystroke without waiting for the thread pool: echo in a raw-mode cat', async () => {
    const p = await rt.openPty({ cols: 80, rows: 24, command: 'stty raw -echo; echo ready; exec cat' });
    let out = '';
    p.onData((d) => (out += Buffer.from(d).toString('latin1')));
    await expect.poll(() => out, { timeout: 10_000 }).toContain('ready');
    for (const ch of 'tether') p.write(Buffer.from(ch));
    await expect.poll(() => out, { timeout: 5000 }).toContain('tether');
    p.kill();
  });
});

describe('LocalPty environment', () => {
  async function envOf(runtime: LocalRuntime): Promise<string> {
    const p = await runtime.openPty({ cols: 200, rows: 24, command: 'echo "late=${TETHER_TEST_SECRET:-none}/${PROBE_LATE:-none} term=$TERM"' });
    let out = '';
    p.onData((d) => (out += Buffer.from(d).toString('latin1')));
    await new Promise((resolve) => p.onExit(resolve));
    return out.trim();
  }

  it("is this process's, read once per runtime, scrubbed of the gateway's own variables", async () => {
    process.env.TETHER_TEST_SECRET = 'do-not-leak';
    try {
      const fresh = new LocalRuntime(dir, { env: { HOME: dir } });
      expect(await envOf(fresh)).toBe('late=none/none term=xterm-256color');
      // Read at the first terminal (walking process.env costs ~0.5 ms an open): a variable set
      // since then reaches the next runtime's programs, not this one's.
      process.env.PROBE_LATE = 'set';
      expect(await envOf(fresh)).toBe('late=none/none term=xterm-256color');
      const next = new LocalRuntime(dir, { env: { HOME: dir } });
      expect(await envOf(next)).toBe('late=none/set term=xterm-256color');
      await fresh.dispose();
      await next.dispose();
    } finally {
      delete process.env.TETHER_TEST_SECRET;
      delete process.env.PROBE_LATE;
    }
  });
});
