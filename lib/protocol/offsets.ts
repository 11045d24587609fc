/**
 * Stream offsets on the client side of wire protocol v1. Every session numbers its output bytes
 * from 0 and each OUTPUT frame carries the offset of its first byte.
 *
 * Exactly once: the client remembers `received`, the offset of the next byte it needs. After a
 * resume the server may repeat bytes the client already has, and the consumer (xterm, the gateway's
 * session) must see every byte exactly once, so the overlap is cut off here.
 *
 * Flow control: the gateway stops reading a session's PTY while `sent − acked > highWater`, so an
 * ACK that is never sent freezes the terminal. ACK carries an absolute stream offset — "every byte
 * before this one is processed" — which is what the server compares with its own `sent` offset.
 */

/** Ack at least this often, in bytes processed since the last ack. */
export const ACK_EVERY_BYTES = 64 * 1024;
/**
 * A trailing ack goes out at most this long after a write when something is still unacked. Only
 * flow control waits for acks, and its window (512 KiB) is reopened by the acks every 64 KiB; the
 * trailing one only settles the count. At 50 ms a terminal printing a line every 100 ms (a
 * spinner, an agent's status) cost an ACK — a WebSocket message for the gateway to take in — per
 * line (bench:load, 500 of them: the gateway 32–33% of a core at 250 ms against 34–36% at 50).
 */
export const TRAILING_ACK_MS = 250;

export interface OutputSlice {
  /** Bytes to hand to the consumer (possibly empty). A view into the frame, never a copy. */
  fresh: Uint8Array;
  /** Bytes of the frame that were already received and are dropped. */
  duplicate: number;
  /** Bytes missing between `received` and the frame's offset (0 when contiguous). */
  gap: number;
  /** The new value of `received`. */
  received: number;
}

export function sliceFresh(received: number, offset: number, data: Uint8Array): OutputSlice {
  const end = offset + data.byteLength;
  if (end <= received) {
    return { fresh: data.subarray(data.byteLength), duplicate: data.byteLength, gap: 0, received };
  }
  if (offset <= received) {
    const skip = received - offset;
    return { fresh: skip === 0 ? data : data.subarray(skip), duplicate: skip, gap: 0, received: end };
  }
  // A gap means the server skipped bytes without announcing a snapshot — a server bug. Passing on
  // what arrived keeps the terminal live; the caller reports the gap.
  return { fresh: data, duplicate: 0, gap: offset - received, received: end };
}

/**
 * Acknowledgements for one channel attachment: the consumer reports the offset it has processed up
 * to, and an ACK is due every `threshold` bytes; the owner sends a trailing ack (`take`) for the
 * last partial batch.
 */
export class AckTracker {
  private processedTo: number;
  private acked: number;

  /** `start`: the stream offset the attachment began at (OPENED.offset). */
  constructor(
    start: number,
    private readonly threshold: number = ACK_EVERY_BYTES,
  ) {
    this.processedTo = start;
    this.acked = start;
  }

  /** Bytes up to stream offset `end` are processed. Returns the offset to ack now, or null. */
  record(end: number): number | null {
    // Write callbacks fire in order, but never let a stale one move the mark backwards.
    if (end > this.processedTo) this.processedTo = end;
    return this.processedTo - this.acked >= this.threshold ? this.take() : null;
  }

  /** Bytes up to `end` are processed; the owner decides when to ack (`take`). */
  note(end: number): void {
    if (end > this.processedTo) this.processedTo = end;
  }

  /** Whether some processed bytes have not been acked yet (a trailing ack is due). */
  get pending(): boolean {
    return this.processedTo > this.acked;
  }

  /** The processed offset, now marked as acked; null when nothing new is unacked. */
  take(): number | null {
    if (this.processedTo === this.acked) return null;
    this.acked = this.processedTo;
    return this.acked;
  }

  get processed(): number {
    return this.processedTo;
  }

  /** The offset last acked (the attachment's start until the first ack). */
  get ackedTo(): number {
    return this.acked;
  }
}
