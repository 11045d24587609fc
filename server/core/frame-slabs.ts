/**
 * Memory for the OUTPUT frames connections send: cut from a few large slabs that are used again
 * once every frame cut from them was written, instead of a fresh allocation per frame.
 *
 * A flood sends a frame of up to 256 KiB every few milliseconds. Allocated one by one, each was
 * fresh memory: V8 frees a frame only at its next collection, so malloc's heap grew and shrank
 * by megabytes between collections and the kernel zero-filled every page again (~20,000 page
 * faults per 100 MB; filling 200 MB of fresh 256 KiB frames took 120–240 ms against 4 ms into
 * memory used before). A frame is given back when the socket has taken it (the send callback):
 * neither ws nor a framed stream refers to it after that.
 */
import { allocFilledByCaller } from '../../lib/protocol';

/** A slab holds seven full OUTPUT frames (256 KiB of output and the header). */
export const SLAB_BYTES = 2 * 1024 * 1024;
/** Written-out slabs kept for the next frames; more go back to the garbage collector. */
const KEEP_FREE = 1;

interface Slab {
  readonly buffer: ArrayBuffer;
  used: number;
  /** Frames cut from it not yet given back. */
  pending: number;
}

export class FrameSlabs {
  private current: Slab | null = null;
  private readonly free: Slab[] = [];
  private readonly slabs = new WeakMap<ArrayBufferLike, Slab>();
  /** Slabs made so far (for tests). */
  made = 0;

  constructor(
    private readonly slabBytes = SLAB_BYTES,
    private readonly keepFree = KEEP_FREE,
  ) {}

  /** `size` bytes for a frame the caller fills whole. Give it back with release() once sent. */
  readonly alloc = (size: number): Uint8Array => {
    // Larger than a slab's share: memory of its own (release() knows it is not a slab's).
    if (size > this.slabBytes / 4) return allocFilledByCaller(size);
    let slab = this.current;
    if (!slab || slab.used + size > this.slabBytes) {
      if (slab) this.retire(slab);
      slab = this.current = this.free.pop() ?? this.make();
      slab.used = 0;
    }
    const frame = new Uint8Array(slab.buffer, slab.used, size);
    slab.used += size;
    slab.pending++;
    return frame;
  };

  /** The frame was written (or will never be): its memory may be used again. */
  release(frame: Uint8Array): void {
    const slab = this.slabs.get(frame.buffer);
    if (!slab || slab.pending === 0) return;
    slab.pending--;
    if (slab.pending === 0 && slab !== this.current) this.keep(slab);
  }

  private make(): Slab {
    const bytes = allocFilledByCaller(this.slabBytes);
    const slab: Slab = { buffer: bytes.buffer as ArrayBuffer, used: 0, pending: 0 };
    this.slabs.set(slab.buffer, slab);
    this.made++;
    return slab;
  }

  /** The current slab is full: it is used again once its frames are all written. */
  private retire(slab: Slab): void {
    if (slab.pending === 0) this.keep(slab);
  }

  private keep(slab: Slab): void {
    if (this.free.length < this.keepFree) this.free.push(slab);
  }
}
