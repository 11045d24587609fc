/** Order statistics for benchmark samples, and the timed PTY run the throughput figures share. */
import type { Runtime } from '../../server/runtimes/runtime';

export function median(xs: readonly number[]): number {
  return percentile(xs, 50);
}

export function percentile(xs: readonly number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
}

/** Run `command` in a PTY of `rt`: bytes received and seconds from start to the LAST byte. */
export function ptyRun(rt: Runtime, command: string): Promise<{ seconds: number; bytes: number }> {
  return rt.openPty({ cols: 120, rows: 40, command }).then(
    (p) =>
      new Promise((resolve) => {
        const start = performance.now();
        let last = start;
        let bytes = 0;
        p.onData((d) => {
          bytes += d.byteLength;
          last = performance.now();
        });
        p.onExit(() => resolve({ seconds: (last - start) / 1000, bytes }));
      }),
  );
}
