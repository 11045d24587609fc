/**
 * Flow-control acknowledgements for one channel attachment. The gateway stops reading a session's
 * PTY while `sent − acked > highWater`, so an ACK that is never sent freezes the terminal. ACK
 * carries an absolute stream offset — "every byte before this one is processed" — which is what
 * the gateway compares with its own `sent` offset (server/gateway/channel.ts). We ack from
 * xterm's write callback (bytes parsed, not merely received) every `threshold` bytes, and the
 * owner schedules one trailing ack shortly after a write so the last partial batch is acked too.
 */

/** Ack at least this often, in bytes processed since the last ack. */
export const ACK_EVERY_BYTES = 64 * 1024;
/** A trailing ack goes out at most this long after a write when something is still unacked. */
export const TRAILING_ACK_MS = 50;

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
}
