/**
 * Memory for the OUTPUT frames connections send: large frames reuse buffers of earlier frames
 * that were written, instead of a fresh allocation each.
 *
 * A flood sends a frame of up to 256 KiB every few milliseconds. Allocated one by one, each was
 * fresh memory: V8 frees a frame only at its next collection, so malloc's heap grew and shrank
 * by megabytes between collections and the kernel zero-filled every page again (~20,000 page
 * faults per 100 MB; filling 200 MB of fresh 256 KiB frames took 120–240 ms against 4 ms into
 * memory used before). A frame is given back when the socket has taken it (the send callback):
 * neither ws nor a framed stream refers to it after that.
 *
 * One buffer per frame, in a few size classes, rather than frames cut from shared slabs: a frame
 * a stalled socket holds then pins at most twice its own size. (Cut from 2 MiB slabs, a socket
 * that stopped reading while others printed would have pinned a slab per small frame it held.)
 * Frames under 4 KiB are cut from Node's shared 8 KiB slabs (Buffer.allocUnsafe): not pooled.
 * From 4 KiB up Node gives each its own ArrayBuffer, a malloc and a collection later: with 100
 * terminals printing at once most frames are one PTY read or two (4–16 KiB), and pooling those
 * too took the gateway's CPU per MB down 7% (100 × 2 MiB, two interleaved runs of six rounds:
 * 1.60 and 1.49 CPU-s per 100 MB against 1.72 and 1.60).
 */
import { allocFilledByCaller } from '../../lib/protocol';

/** Pooled sizes: a frame gets the smallest that holds it (room for the frame header over each
 * power of two: a coalesced flush is up to 256 KiB of output). */
const CLASSES = [8, 16, 32, 64, 128, 256].map((k) => k * 1024 + 64);
/** Smaller frames come from Node's slabs. */
const POOLED_FROM = 4 * 1024;
/** Written-out buffers kept per size for the next frames (≤ ~4 MiB in all); more go back to
 * the garbage collector. */
const KEEP_PER_CLASS = 8;

export class FramePool {
  private readonly free = CLASSES.map(() => [] as ArrayBuffer[]);
  /** A pooled buffer's size class, while a frame holds it. */
  private readonly out = new WeakMap<ArrayBufferLike, number>();
  /** Buffers made so far (for tests). */
  made = 0;

  constructor(private readonly keepPerClass = KEEP_PER_CLASS) {}

  /** `size` bytes for a frame the caller fills whole. Give it back with release() once sent. */
  readonly alloc = (size: number): Uint8Array => {
    const c = CLASSES.findIndex((bytes) => bytes >= size);
    if (size < POOLED_FROM || c < 0) return allocFilledByCaller(size);
    let buffer = this.free[c]!.pop();
    if (!buffer) {
      // A backing store of its own (allocFilledByCaller may cut small frames from a shared one).
      buffer = Buffer.allocUnsafeSlow(CLASSES[c]!).buffer as ArrayBuffer;
      this.made++;
    }
    this.out.set(buffer, c);
    return new Uint8Array(buffer, 0, size);
  };

  /** The frame was written (or will never be): its buffer may hold another frame. Only the
   * first release of a frame counts. */
  release(frame: Uint8Array): void {
    const c = this.out.get(frame.buffer);
    if (c === undefined) return;
    this.out.delete(frame.buffer);
    const free = this.free[c]!;
    if (free.length < this.keepPerClass) free.push(frame.buffer as ArrayBuffer);
  }
}
