/**
 * MemoryRelief as the gateway runs it (its default sample and collection, real timers): it acts on
 * the process's resident memory. Memory that grows outside V8's heap and external memory — as
 * malloc keeps what a burst freed, or as a burst whose terminals' rings read the pty host's files
 * leaves V8's figures where they were — still gets a collection and a trim once the process is
 * quiet. (Sampling V8's figures, as before 2026-12-06, it saw nothing to do: 100 × 2 MiB left the
 * gateway at 169 MB 60 s after, against 124 MB sampling resident memory.)
 */
import { createRequire } from 'node:module';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { MemoryRelief } from './memory-relief';

const MiB = 1024 * 1024;

it.runIf(process.platform === 'linux')('collects once resident memory grew past the threshold and went quiet, whatever V8 holds', async () => {
  const koffi = createRequire(import.meta.url)('koffi') as typeof import('koffi');
  const libc = koffi.load('libc.so.6');
  const malloc = libc.func('void *malloc(size_t size)');
  const memset = libc.func('void *memset(void *s, int c, size_t n)');
  const free = libc.func('void free(void *ptr)');
  setFlagsFromString('--expose-gc');
  const g = globalThis as { gc?: () => void };
  const had = g.gc;
  g.gc = runInNewContext('gc') as () => void;
  const blocks: unknown[] = [];
  try {
    const relief = new MemoryRelief({ intervalMs: 200 });
    // 48 MiB that V8 knows nothing of, touched so it is resident.
    for (let i = 0; i < 48; i++) {
      const p = malloc(MiB);
      memset(p, 1, MiB);
      blocks.push(p);
    }
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && relief.collections === 0) await new Promise((r) => setTimeout(r, 50));
    // Once: it counts again from where the collection left memory (still holding the 48 MiB).
    await new Promise((r) => setTimeout(r, 1000));
    relief.dispose();
    expect(relief.collections).toBe(1);
  } finally {
    for (const p of blocks) free(p);
    g.gc = had;
  }
}, 15_000);
