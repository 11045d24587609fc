/**
 * Keystrokes typed while the socket is down. We queue rather than drop so a short network blip
 * (a phone changing cells) loses nothing, but cap the queue at 64 KiB: past that the user is
 * clearly typing into the void (or pasting) and replaying it minutes later would surprise them, so
 * the excess is dropped and reported.
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
