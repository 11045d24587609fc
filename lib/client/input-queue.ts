/**
 * Keystrokes typed while a channel is not open on a live connection: a terminal still opening (or
 * re-opening right after a reconnect), or a send that failed on a socket not yet known to be dead.
 * They are sent once the channel opens. Typing while the connection is known to be lost is not
 * queued at all — the UI blocks it visibly (see connection-banner.ts). The queue is capped at
 * 64 KiB: past that replaying it would surprise, so the excess is dropped and reported.
 */

export const INPUT_QUEUE_MAX_BYTES = 64 * 1024;

export class InputQueue {
  private chunks: Uint8Array[] = [];
  private bytes = 0;

  constructor(private readonly maxBytes: number = INPUT_QUEUE_MAX_BYTES) {}

  /** Queue `data`; returns how many bytes did not fit and were dropped. */
  push(data: Uint8Array): number {
    const room = this.maxBytes - this.bytes;
    if (room <= 0) return data.byteLength;
    // Cut at the byte limit rather than refusing the whole chunk; a split UTF-8 sequence at the very
    // end is harmless next to the data already lost.
    const kept = data.byteLength <= room ? data : data.subarray(0, room);
    // Copy: the caller may reuse its buffer after we return.
    this.chunks.push(kept.slice());
    this.bytes += kept.byteLength;
    return data.byteLength - kept.byteLength;
  }

  /** Remove and return everything queued, oldest first. */
  drain(): Uint8Array[] {
    const out = this.chunks;
    this.chunks = [];
    this.bytes = 0;
    return out;
  }

  get size(): number {
    return this.bytes;
  }
}
