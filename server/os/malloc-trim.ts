/**
 * glibc's malloc_trim(0): hand the free pages of every malloc arena back to the kernel.
 *
 * V8 allocates ArrayBuffer backing stores (terminal output, socket reads, replay-ring blocks) with
 * malloc. Once a burst's buffers are collected, glibc keeps their pages for the next burst and only
 * ever shrinks a heap from its top, so a gateway that printed 200 MB through 100 terminals stayed
 * 200 MB larger for good. malloc_trim also releases whole free pages in the middle of a heap
 * (MADV_DONTNEED): ~20 ms for 200 MB, run once the gateway goes quiet after a burst (os/memory-relief.ts).
 *
 * Called through koffi (os/libc.ts). Null where there is no glibc (musl, macOS) or koffi cannot
 * load: memory is then still freed for reuse, just not returned.
 */
import { libc } from './libc';

export type Trim = () => boolean;

let cached: Trim | null | undefined;

export function mallocTrim(): Trim | null {
  if (cached !== undefined) return cached;
  cached = null;
  const c = libc();
  if (!c) return cached;
  try {
    const trim = c.func<(pad: number) => number>('int malloc_trim(size_t pad)');
    cached = () => trim(0) === 1;
  } catch {
    cached = null;
  }
  return cached;
}
