/**
 * Buffers for frames the encoder fills completely. On Node an output frame is allocated per
 * flush at tens of kilobytes: zero-filling it first (what `new Uint8Array` does) is wasted work
 * on the hottest path, so there it comes uninitialised and unpooled (its own ArrayBuffer at
 * offset 0). Browsers get a zero-filled one.
 */
interface NodeBufferCtor {
  allocUnsafeSlow(size: number): Uint8Array;
}
const NodeBuffer = (globalThis as { Buffer?: NodeBufferCtor }).Buffer;

/** Below this, zero-filling costs nothing worth avoiding. */
const UNINITIALISED_FROM_BYTES = 1024;

/** A buffer of `size` bytes whose every byte the caller will write. */
export function allocFilledByCaller(size: number): Uint8Array {
  if (!NodeBuffer || size < UNINITIALISED_FROM_BYTES) return new Uint8Array(size);
  // A plain Uint8Array over the memory, so what encoders return has one type everywhere.
  const b = NodeBuffer.allocUnsafeSlow(size);
  return new Uint8Array(b.buffer, b.byteOffset, size);
}
