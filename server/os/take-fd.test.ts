/**
 * Taking a descriptor from another process (take-fd.ts): what lets the gateway read a terminal
 * the pty host lends it. Where it cannot, every byte is relayed through the host, at about twice
 * the CPU — so on the Linux machines Tether ships for, its absence is a failure, not a fallback.
 */
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../testing/until';
import { canTakeFds, takeFd, whyNoTakeFds } from './take-fd';

const dir = mkdtempSync(path.join(os.tmpdir(), 'tether-take-fd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.runIf(process.platform === 'linux')('taking a descriptor (Linux)', () => {
  it('is available here, with no reason given against it', () => {
    expect(whyNoTakeFds()).toBe('');
    expect(canTakeFds()).toBe(true);
  });

  it("reads what another process's descriptor reads, and refuses a bad pid with the errno", async () => {
    const fifo = path.join(dir, 'fifo');
    execFileSync('mkfifo', [fifo]);
    // A child that holds the FIFO open as its descriptor 3 and waits.
    const child = spawn('sh', ['-c', `exec 3<>${fifo}; sleep 30`], { stdio: 'ignore' });
    try {
      let fd = -1;
      // Until the child has opened it.
      await until(() => {
        try {
          fd = takeFd(child.pid!, 3);
          return true;
        } catch {
          return false;
        }
      }, 'the child to hold descriptor 3', 2_000);
      const end = openSync(fifo, 'w');
      writeSync(end, 'through the child');
      closeSync(end);
      const buf = Buffer.alloc(64);
      expect(buf.subarray(0, readSync(fd, buf)).toString()).toBe('through the child');
      closeSync(fd);
    } finally {
      child.kill();
    }
    expect(() => takeFd(2 ** 22 + 17, 0)).toThrow(/pidfd_open\(\d+\) failed: errno \d+/);
  });
});
