/**
 * Byte replay ring with absolute stream offsets.
 *
 * Stores the most recent `capacity` bytes of a session's output as a list of chunks (memory grows
 * with what was actually written, so an idle session costs almost nothing). Every byte keeps the
 * absolute offset it had in the stream; `start` is the oldest retained offset and `end` the next
 * offset to be written. Eviction trims whole chunks, and the head chunk partially, so exactly
 * `capacity` bytes are retained once the stream is longer than that.
 */
export const DEFAULT_RING_BYTES = 2 * 1024 * 1024;

export class ReplayRing {
  private chunks: Uint8Array[] = [];
  private head = 0; // index of the first live chunk in `chunks`
  private startOffset = 0;
  private endOffset = 0;

  /** @param startAt the stream offset of the first byte to be written (a stream that began
   * elsewhere: a terminal re-attached from a worker agent keeps that agent's offsets). */
  constructor(
    readonly capacity: number = DEFAULT_RING_BYTES,
    startAt = 0,
  ) {
    if (!Number.isInteger(capacity) || capacity <= 0) throw new RangeError('capacity must be a positive integer');
    if (!Number.isInteger(startAt) || startAt < 0) throw new RangeError('startAt must be a non-negative integer');
    this.startOffset = this.endOffset = startAt;
  }

  /** Oldest offset still retained. */
  get start(): number {
    return this.startOffset;
  }
  /** Offset the next appended byte will get (= total bytes ever appended). */
  get end(): number {
    return this.endOffset;
  }
  get size(): number {
    return this.endOffset - this.startOffset;
  }

  /** Append bytes; returns the offset of the first one. The ring keeps a reference: do not mutate `data` afterwards. */
  append(data: Uint8Array): number {
    const offset = this.endOffset;
    if (data.byteLength === 0) return offset;
    if (data.byteLength >= this.capacity) {
      // Only the tail fits; copy it so a huge source buffer is not retained.
      this.chunks = [data.slice(data.byteLength - this.capacity)];
      this.head = 0;
      this.endOffset += data.byteLength;
      this.startOffset = this.endOffset - this.capacity;
      return offset;
    }
    this.chunks.push(data);
    this.endOffset += data.byteLength;
    this.evict();
    return offset;
  }

  private evict(): void {
    let excess = this.size - this.capacity;
    while (excess > 0) {
      const first = this.chunks[this.head]!;
      if (first.byteLength <= excess) {
        this.head++;
        this.startOffset += first.byteLength;
        excess -= first.byteLength;
      } else {
        this.chunks[this.head] = first.subarray(excess);
        this.startOffset += excess;
        excess = 0;
      }
    }
    // Compact the chunk array occasionally instead of shifting on every eviction.
    if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Bytes in [from, min(to, end)) as views into the stored chunks (no copy). `from` must be within
   * [start, end]; returns an empty list when from === end.
   */
  read(from: number, maxBytes: number = Number.POSITIVE_INFINITY): Uint8Array[] {
    if (from < this.startOffset || from > this.endOffset) {
      throw new RangeError(`offset ${from} outside retained range [${this.startOffset}, ${this.endOffset}]`);
    }
    const out: Uint8Array[] = [];
    let remaining = Math.min(maxBytes, this.endOffset - from);
    let pos = this.startOffset;
    for (let i = this.head; i < this.chunks.length && remaining > 0; i++) {
      const chunk = this.chunks[i]!;
      const chunkEnd = pos + chunk.byteLength;
      if (chunkEnd > from) {
        const begin = Math.max(0, from - pos);
        const take = Math.min(chunk.byteLength - begin, remaining);
        out.push(chunk.subarray(begin, begin + take));
        remaining -= take;
      }
      pos = chunkEnd;
    }
    return out;
  }

  /**
   * Where to start reading at `from` without beginning inside a line or an escape sequence: just
   * after the first newline in the next 4 KiB, or `from` itself when there is none. Offset 0 is
   * the start of the stream, a line start already.
   */
  lineStartAt(from: number): number {
    if (from === 0) return 0;
    const nl = this.readJoined(from, 4096).indexOf(0x0a);
    return nl >= 0 ? from + nl + 1 : from;
  }

  /** Like `read` but joined into one buffer. */
  readJoined(from: number, maxBytes?: number): Uint8Array {
    const parts = this.read(from, maxBytes);
    if (parts.length === 1) return parts[0]!;
    const total = parts.reduce((n, p) => n + p.byteLength, 0);
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.byteLength;
    }
    return out;
  }
}
