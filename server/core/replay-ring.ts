/**
 * Byte replay ring with absolute stream offsets.
 *
 * Stores the most recent `capacity` bytes of a session's output in one circular buffer that grows
 * (doubling) with what was actually written, so an idle session costs almost nothing. Every byte
 * keeps the absolute offset it had in the stream; `start` is the oldest retained offset and `end`
 * the next offset to be written; exactly `capacity` bytes are retained once the stream is longer.
 *
 * Appended bytes are copied in, not kept by reference: a PTY read's buffer then dies young, where
 * thousands of retained read buffers would each be promoted and later swept by a full GC (the
 * pty host's ring is 8 MiB of ~4 KiB reads).
 */
export const DEFAULT_RING_BYTES = 2 * 1024 * 1024;
const MIN_BUFFER_BYTES = 4096;
const GROW_STEP_BYTES = 16 * 1024;

export class ReplayRing {
  private buf: Uint8Array = new Uint8Array(0);
  /** Index in `buf` of the byte at `startOffset`. */
  private head = 0;
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
  /** Bytes of memory the ring holds now (it grows towards `capacity` as output arrives). */
  get allocated(): number {
    return this.buf.byteLength;
  }

  /** Append bytes (copied); returns the offset of the first one. */
  append(data: Uint8Array): number {
    const offset = this.endOffset;
    const n = data.byteLength;
    if (n === 0) return offset;
    if (n >= this.capacity) {
      // Only the tail fits.
      if (this.buf.byteLength < this.capacity) this.buf = new Uint8Array(this.capacity);
      this.buf.set(data.subarray(n - this.capacity), 0);
      this.head = 0;
      this.endOffset += n;
      this.startOffset = this.endOffset - this.capacity;
      return offset;
    }
    const kept = Math.min(this.size + n, this.capacity);
    if (kept > this.buf.byteLength) this.grow(kept);
    const len = this.buf.byteLength;
    // Drop the oldest bytes the new ones displace (only once the buffer is at capacity).
    const excess = this.size + n - len;
    if (excess > 0) {
      this.head = (this.head + excess) % len;
      this.startOffset += excess;
    }
    const at = (this.head + this.size) % len;
    const first = Math.min(n, len - at);
    this.buf.set(first === n ? data : data.subarray(0, first), at);
    if (first < n) this.buf.set(data.subarray(first), 0);
    this.endOffset += n;
    return offset;
  }

  /**
   * A bigger buffer (at least `need` bytes, at most capacity) with the contents from index 0. It
   * grows by half (in 16 KiB steps), not doubling: a thousand terminals that each printed a little
   * more than a power of two would otherwise hold nearly twice their output.
   */
  private grow(need: number): void {
    const half = Math.ceil((this.buf.byteLength * 1.5) / GROW_STEP_BYTES) * GROW_STEP_BYTES;
    const next = new Uint8Array(Math.min(this.capacity, Math.max(MIN_BUFFER_BYTES, need, half)));
    let at = 0;
    for (const p of this.read(this.startOffset)) {
      next.set(p, at);
      at += p.byteLength;
    }
    this.buf = next;
    this.head = 0;
  }

  /**
   * Bytes in [from, min(from + maxBytes, end)) as at most two views into the ring's buffer (no
   * copy). They are valid until the next append: copy them before giving up control. `from` must
   * be within [start, end]; returns an empty list when from === end.
   */
  read(from: number, maxBytes: number = Number.POSITIVE_INFINITY): Uint8Array[] {
    if (from < this.startOffset || from > this.endOffset) {
      throw new RangeError(`offset ${from} outside retained range [${this.startOffset}, ${this.endOffset}]`);
    }
    const n = Math.min(maxBytes, this.endOffset - from);
    if (n <= 0) return [];
    const len = this.buf.byteLength;
    const at = (this.head + (from - this.startOffset)) % len;
    const first = Math.min(n, len - at);
    const out = [this.buf.subarray(at, at + first)];
    if (first < n) out.push(this.buf.subarray(0, n - first));
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

  /** Like `read` but copied into one buffer of its own (safe to keep). */
  readJoined(from: number, maxBytes?: number): Uint8Array {
    const parts = this.read(from, maxBytes);
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
