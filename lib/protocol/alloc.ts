/**
 * Buffers for frames the encoder fills completely. On Node a frame is allocated per flush, from
 * tens of bytes to tens of kilobytes: zero-filling it first (what `new Uint8Array` does) is
 * wasted work on the hottest path, so there it comes uninitialised. Browsers get a zero-filled one.
 *
 * A frame under 4 KiB is cut from Node's shared 8 KiB allocation pool (`Buffer.allocUnsafe`;
 * larger ones get a backing store of their own, as before) instead of getting one each: with 500
 * terminals each printing a line at a time, the pty host and the gateway each made thousands of
 * ~2 KiB frames a second, and a backing store of its own cost ~3.6 µs a frame (allocation,
 * external-memory accounting, and sweeping it after a young-generation collection) against
 * ~0.8 µs from the pool. So a frame may not start at
 * offset 0 of its ArrayBuffer and the ArrayBuffer may hold other data: use the view's
 * `byteOffset`/`byteLength`, never `frame.buffer` whole. A frame held (a stalled socket's queue)
 * keeps its 8 KiB slab alive — bounded by what flow control lets a socket hold.
 */
interface NodeBufferCtor {
  allocUnsafe(size: number): Uint8Array;
}
const NodeBuffer = (globalThis as { Buffer?: NodeBufferCtor }).Buffer;

/** A buffer of `size` bytes whose every byte the caller will write. */
export function allocFilledByCaller(size: number): Uint8Array {
  // Small ones too: `new Uint8Array(37)` (an ACK, a short OUTPUT) measured ~2 µs, the pool ~0.3 µs.
  if (!NodeBuffer || size === 0) return new Uint8Array(size);
  // A plain Uint8Array over the memory, so what encoders return has one type everywhere.
  const b = NodeBuffer.allocUnsafe(size);
  return new Uint8Array(b.buffer, b.byteOffset, size);
}
