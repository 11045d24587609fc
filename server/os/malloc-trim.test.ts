/** malloc_trim through koffi: present on this glibc machine, and it gives a freed burst back. */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { expect, it } from 'vitest';
import { mallocTrim } from './malloc-trim';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const rss = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) * 1024;

it('returns the pages of a collected burst to the kernel', () => {
  const trim = mallocTrim();
  expect(trim).not.toBeNull();
  // 200 MiB in ring-block-sized buffers, with small survivors between them so the heap cannot
  // simply shrink from its top.
  let burst: Uint8Array[] | null = [];
  const survivors: Uint8Array[] = [];
  for (let i = 0; i < 3200; i++) {
    burst.push(new Uint8Array(64 * 1024).fill(1));
    if (i % 50 === 0) survivors.push(new Uint8Array(2048).fill(2));
  }
  const full = rss();
  burst = null;
  gc();
  gc();
  const collected = rss();
  expect(trim!()).toBe(true);
  const trimmed = rss();
  expect(survivors).toHaveLength(64);
  // Collected but kept by glibc: most of the burst is still resident until the trim.
  expect(full - trimmed).toBeGreaterThan(150 * 1024 * 1024);
  expect(collected - trimmed).toBeGreaterThan(100 * 1024 * 1024);
});
