/**
 * Byte replay ring with absolute stream offsets.
 *
 * Stores the most recent `capacity` bytes of a session's output in a list of blocks (4 KiB, then
 * 16 KiB, then 64 KiB each) that grows with what was actually written, so an idle session costs
 * almost nothing and growing never copies what is stored. Every byte keeps the absolute offset it
 * had in the stream; `start` is the oldest retained offset and `end` the next offset to be
 * written; exactly `capacity` bytes are retained once the stream is longer.
 *
 * Appended bytes are copied in, not kept by reference: a PTY read's buffer then dies young, where
 * thousands of retained read buffers would each be promoted and later swept by a full GC (the
 * pty host's ring is 8 MiB of ~4 KiB reads).
 */
import type { OutputStore } from '../runtimes/runtime';

export const DEFAULT_RING_BYTES = 2 * 1024 * 1024;
const BLOCK_SIZES = [4 * 1024, 16 * 1024, 64 * 1024];

/** What reads of stores are copied into: one buffer reused for every ring (reads are consumed
 * before the next: see `read`). */
let scratch = new Uint8Array(0);
function scratchFor(n: number): Uint8Array {
  if (scratch.byteLength < n) scratch = new Uint8Array(Math.max(n, 64 * 1024));
  return scratch.subarray(0, n);
}

/**
 * Recent appends to rings whose bytes are in a store, copied into one buffer that every such ring
 * uses in turn (RECENT_BYTES in all, however many rings; reused, so no fresh memory). A viewer's
 * pump nearly always sends what was appended a moment ago: it copies it from here instead of
 * reading the store back (a pread, and for the pty host's file a second one for its header) —
 * 500 terminals printing small lines cost the gateway two or three system calls per line for
 * that. What was overwritten here since is read from the store as before.
 */
const RECENT_BYTES = 1024 * 1024;
/** Larger appends (a flood's reads) are not copied here: their pumps read the store in large
 * slices anyway, a system call per slice. */
const RECENT_MAX_APPEND = 16 * 1024;
/** A ring notes at most this many parts of the recent buffer (see ReplayRing.tail). */
const RECENT_PARTS = 16;
const recent = {
  buffer: null as Uint8Array | null,
  /** Bytes ever placed (an absolute position: byte p lives at p % RECENT_BYTES until p + RECENT_BYTES is placed). */
  placed: 0,
};

/** Copy `data` into the recent buffer; answers its absolute position. Never split across the wrap. */
function placeRecent(data: Uint8Array): number {
  recent.buffer ??= new Uint8Array(RECENT_BYTES);
  let at = recent.placed % RECENT_BYTES;
  if (at + data.byteLength > RECENT_BYTES) {
    recent.placed += RECENT_BYTES - at;
    at = 0;
  }
  recent.buffer.set(data, at);
  const pos = recent.placed;
  recent.placed += data.byteLength;
  return pos;
}

/** Whether the byte placed at absolute position `pos` is still in the recent buffer. */
function stillRecent(pos: number): boolean {
  return pos + RECENT_BYTES >= recent.placed;
}

/**
 * Rings whose store may not be kept (OutputStore.freeze said no) copy what they need of it a few
 * at a time, in later turns of the event loop, rather than at once: when hundreds of terminals end
 * together each copy is a ring's worth of fresh memory and a pread per 64 KiB (~2 ms for 0.5 MiB),
 * and doing them all in the turn that learnt of the ends stopped the gateway — every other
 * terminal's output and echo — for up to a second (bench:load, 500 lent terminals). Meanwhile the
 * ring reads its store as before; a ring whose session is forgotten first never copies.
 */
const COPY_SLICE_MS = 2;

export class ReplayRing {
  /** Rings waiting to copy their store in (COPY_SLICE_MS). */
  private static readonly toCopy = new Set<ReplayRing>();
  private static copyScheduled = false;
  private static copyLater(ring: ReplayRing): void {
    ReplayRing.toCopy.add(ring);
    if (ReplayRing.copyScheduled) return;
    ReplayRing.copyScheduled = true;
    setImmediate(ReplayRing.copySome);
  }
  private static readonly copySome = (): void => {
    const until = performance.now() + COPY_SLICE_MS;
    for (const ring of ReplayRing.toCopy) {
      ring.materialize(); // leaves the set
      if (performance.now() >= until) break;
    }
    ReplayRing.copyScheduled = ReplayRing.toCopy.size > 0;
    if (ReplayRing.copyScheduled) setImmediate(ReplayRing.copySome);
  };

  private blocks: Uint8Array[] = [];
  /** Bytes written into each block. */
  private filled: number[] = [];
  /** Index of the block holding `start`, and where in it `start` is. */
  private head = 0;
  private headAt = 0;
  private startOffset = 0;
  private endOffset = 0;
  private bytesAllocated = 0;
  /** The last block evicted whole, reused for the next block of its size: a full ring then
   * cycles through the same memory instead of allocating a block per 64 KiB of output, each of
   * which counted towards V8's external-memory trigger for a full collection. */
  private spare: Uint8Array | null = null;
  /** Bytes up to `end` that are held elsewhere until something needs them (defer). */
  private pending: { end: number; load: () => Uint8Array[] } | null = null;
  /** The stream from `storeFrom` to the end is in `store`, not in the blocks (useStore); `live`
   * while what is appended goes there too. The blocks hold what is older. */
  private store: OutputStore | null = null;
  private storeFrom = 0;
  private storeLive = false;
  /** The newest appended bytes in the recent buffer, oldest first: each part is stream offset
   * `from`, `n` bytes at absolute position `at` there (contiguous in both); the parts follow one
   * another in the stream and the last ends at the end. More than one because other rings'
   * appends fall between this ring's (100 terminals printing: a pump reading a few reads of its
   * terminal at once found only the last in one part, and read the store back). */
  private tail: { from: number; at: number; n: number }[] = [];

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
    this.settle();
    return this.startOffset;
  }
  /** Offset the next appended byte will get (= total bytes ever appended). */
  get end(): number {
    return this.pending?.end ?? this.endOffset;
  }
  get size(): number {
    this.settle();
    return this.endOffset - this.startOffset;
  }
  /** Bytes held elsewhere are still to be taken in (defer). */
  get deferred(): boolean {
    return this.pending !== null;
  }

  /** The store the ring's new bytes go to now (useStore), if any. */
  get liveStore(): OutputStore | null {
    return this.storeLive ? this.store : null;
  }

  /** Bytes of memory the ring's blocks hold now (at most capacity plus one block). */
  get allocated(): number {
    return this.bytesAllocated;
  }

  /**
   * The stream up to offset `end` is held elsewhere for now (what a lent terminal's reader read
   * is in its record): `end` moves there at once; the bytes are taken in — `load` answers them,
   * the newest when it has fewer than end − the current end — when something first reads the
   * ring, asks where it starts, or appends to it. Bytes nobody reads again are never copied.
   */
  defer(end: number, load: () => Uint8Array[]): void {
    this.settle();
    if (end > this.endOffset) this.pending = { end, load };
  }

  /** Take in deferred bytes now (what `load` could not answer is lost, as from a full ring). */
  settle(): void {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    let data: Uint8Array[] = [];
    try {
      data = p.load();
    } catch {
      /* unreadable: skipped below */
    }
    let have = this.endOffset;
    for (const d of data) have += d.byteLength;
    if (p.end > have) this.skip(p.end - have);
    for (let d of data) {
      // Never past `end`: readers were told that is where the stream is.
      if (this.endOffset + d.byteLength > p.end) d = d.subarray(0, Math.max(0, p.end - this.endOffset));
      this.append(d);
    }
  }

  /** Append bytes (copied); returns the offset of the first one. */
  append(data: Uint8Array): number {
    this.settle();
    const offset = this.endOffset;
    if (data.byteLength === 0) return offset;
    if (this.store) {
      if (this.storeLive) {
        // The bytes go to the store (or are there already: its reader wrote them before handing them on).
        this.store.write?.(data);
        this.keepRecent(offset, data);
        this.endOffset = offset + data.byteLength;
        this.evict();
        return offset;
      }
      this.materialize(); // frozen: later bytes follow its bytes in the blocks
    }
    let src = data;
    if (src.byteLength >= this.capacity) {
      // Only the tail fits: start over with it.
      this.startOffset += this.size + src.byteLength - this.capacity;
      this.endOffset = this.startOffset;
      this.clearBlocks();
      this.spare = null;
      src = src.subarray(src.byteLength - this.capacity);
    }
    let at = 0;
    while (at < src.byteLength) {
      let last = this.blocks.length - 1;
      if (last < this.head || this.filled[last] === this.blocks[last]!.byteLength) {
        const size = BLOCK_SIZES[Math.min(this.blocks.length - this.head, BLOCK_SIZES.length - 1)]!;
        const reuse = this.spare?.byteLength === size ? this.spare : null;
        this.spare = null;
        this.blocks.push(reuse ?? new Uint8Array(size));
        this.filled.push(0);
        this.bytesAllocated += size;
        last++;
      }
      const block = this.blocks[last]!;
      const n = Math.min(block.byteLength - this.filled[last]!, src.byteLength - at);
      block.set(n === src.byteLength ? src : src.subarray(at, at + n), this.filled[last]!);
      this.filled[last]! += n;
      at += n;
    }
    this.endOffset = offset + data.byteLength;
    this.evict();
    return offset;
  }

  /** Note appended bytes in the recent buffer (see RECENT_BYTES). */
  private keepRecent(offset: number, data: Uint8Array): void {
    const tail = this.tail;
    if (data.byteLength > RECENT_MAX_APPEND) {
      tail.length = 0;
      return;
    }
    const at = placeRecent(data);
    const t = tail[tail.length - 1];
    if (t && t.from + t.n !== offset) tail.length = 0; // not expected: appends to a live store follow one another
    // Merged when placed right after it — but not across the buffer's end: a part that ended
    // exactly there and this one at its start are contiguous in position, not in the buffer,
    // and a read of the merged part ran past the buffer's end (views cut short, or empty: the
    // pump that asked for them then looped forever).
    else if (t && t.at + t.n === at && at % RECENT_BYTES !== 0 && stillRecent(t.at)) {
      t.n += data.byteLength;
      return;
    }
    // The oldest parts go once overwritten, or past RECENT_PARTS.
    let drop = 0;
    while (drop < tail.length && (tail.length - drop >= RECENT_PARTS || !stillRecent(tail[drop]!.at))) drop++;
    if (drop > 0) tail.splice(0, drop);
    tail.push({ from: offset, at, n: data.byteLength });
  }

  /** `n` bytes of the stream that are not known here (lost): drop what is kept, go on after them. */
  skip(n: number): void {
    this.settle();
    if (n <= 0) return;
    this.dropStore(true);
    this.startOffset = this.endOffset = this.endOffset + n;
    this.clearBlocks();
    this.spare = null;
  }

  private evict(): void {
    let excess = this.size - this.capacity;
    while (excess > 0 && this.head < this.blocks.length) {
      const live = this.filled[this.head]! - this.headAt;
      if (live <= excess) {
        this.spare = this.blocks[this.head]!;
        this.bytesAllocated -= this.spare.byteLength;
        this.startOffset += live;
        excess -= live;
        this.head++;
        this.headAt = 0;
      } else {
        this.headAt += excess;
        this.startOffset += excess;
        excess = 0;
      }
    }
    if (excess > 0) {
      // Every block is gone: the rest is in the store.
      this.startOffset += excess;
      this.clearBlocks();
    }
    // Compact the block list occasionally instead of shifting on every eviction.
    if (this.head > 16 && this.head * 2 > this.blocks.length) {
      this.blocks = this.blocks.slice(this.head);
      this.filled = this.filled.slice(this.head);
      this.head = 0;
    }
  }

  /**
   * Bytes in [from, min(from + maxBytes, end)) as views into the ring's blocks (no copy), or into
   * the buffers every ring shares (a store's bytes: the recent buffer, or what was read). They
   * are valid until the next append or read of any ring: copy them before giving up control. `from` must be within
   * [start, end]; returns an empty list when from === end.
   */
  read(from: number, maxBytes: number = Number.POSITIVE_INFINITY): Uint8Array[] {
    this.settle();
    if (from < this.startOffset || from > this.endOffset) {
      throw new RangeError(`offset ${from} outside retained range [${this.startOffset}, ${this.endOffset}]`);
    }
    let remaining = Math.min(maxBytes, this.endOffset - from);
    const out: Uint8Array[] = [];
    if (remaining <= 0) return out;
    const blocksEnd = this.store ? this.storeFrom : this.endOffset;
    if (from < blocksEnd) {
      let fromBlocks = Math.min(remaining, blocksEnd - from);
      remaining -= fromBlocks;
      // Readers are nearly always close behind the end: find `from`'s block walking back.
      let i = this.blocks.length - 1;
      let blockStart = blocksEnd - this.filled[i]!; // stream offset of block i's index 0
      while (blockStart > from) blockStart -= this.filled[--i]!;
      let begin = from - blockStart;
      for (; i < this.blocks.length && fromBlocks > 0; i++, begin = 0) {
        const take = Math.min(this.filled[i]! - begin, fromBlocks);
        out.push(this.blocks[i]!.subarray(begin, begin + take));
        fromBlocks -= take;
      }
    }
    if (remaining > 0 && this.store) {
      const at = Math.max(from, this.storeFrom);
      if (this.readRecent(at, remaining, out)) return out;
      // From the store, into the shared scratch buffer: valid until the next read of any ring.
      const into = scratchFor(remaining);
      if (this.store.read(at, into) !== remaining) {
        // It no longer has them (its writer overwrote them: another process that went further
        // ahead than it keeps). What the ring held is lost, as from a full ring; it keeps what is
        // appended from now on itself. Readers find `start` at the end and catch up from there.
        this.lose();
        return [];
      }
      out.push(into);
    }
    return out;
  }

  /** Appended a moment ago: push views of [at, at + n) in the recent buffer (valid until
   * RECENT_BYTES more are placed) and answer true, if every byte of it is still there. */
  private readRecent(at: number, n: number, out: Uint8Array[]): boolean {
    const tail = this.tail;
    let i = tail.length - 1;
    while (i >= 0 && tail[i]!.from > at) i--;
    // The parts end at the end, and a later part was placed after an earlier one: if the first
    // is still there, so are the rest.
    const last = tail[tail.length - 1];
    if (i < 0 || !stillRecent(tail[i]!.at) || last!.from + last!.n < at + n) return false;
    for (let skip = at - tail[i]!.from; n > 0; i++, skip = 0) {
      const t = tail[i]!;
      const k = Math.min(t.n - skip, n);
      const p = (t.at % RECENT_BYTES) + skip;
      out.push(recent.buffer!.subarray(p, p + k));
      n -= k;
    }
    return true;
  }

  /**
   * The stream from the end on is in `store` as it is appended (a lent terminal's record): the
   * ring keeps the bytes there rather than copying them in — `append` then only moves the end,
   * and `read` copies from the store. False (and `store` closed) when it cannot: the store does
   * not begin at the end, or keeps fewer bytes than the ring must. The ring closes it once it no
   * longer needs it; `releaseStore` says no more bytes go to it.
   */
  useStore(store: OutputStore): boolean {
    this.settle();
    this.materialize(); // an earlier one: frozen, or live (a terminal lent while the ring read its agent's)
    if (store.from !== this.endOffset || store.bytes < this.capacity) {
      store.close();
      return false;
    }
    this.store = store;
    this.storeFrom = store.from;
    this.storeLive = true;
    return true;
  }

  /** No more bytes go to the store: it is kept for reading if it may be (OutputStore.freeze),
   * otherwise what the ring needs of it is copied in soon (COPY_SLICE_MS), or before the ring
   * takes another byte or store. */
  releaseStore(): void {
    if (!this.store || !this.storeLive) return;
    this.storeLive = false;
    if (!this.store.freeze(this.capacity)) ReplayRing.copyLater(this);
  }

  /** Copy what the ring retains of its store into blocks and close the store. */
  private materialize(): void {
    ReplayRing.toCopy.delete(this);
    const store = this.store;
    if (!store) return;
    this.tail.length = 0;
    const end = this.endOffset;
    const from = Math.max(this.startOffset, this.storeFrom);
    this.store = null;
    this.storeLive = false;
    if (from > this.storeFrom) {
      // No block is left (evict): start over at the store's oldest byte still retained.
      this.clearBlocks();
      this.startOffset = from;
    }
    this.endOffset = from;
    const into = new Uint8Array(Math.min(64 * 1024, end - from));
    try {
      for (let at = from; at < end; ) {
        const n = store.read(at, into.subarray(0, Math.min(into.byteLength, end - at)));
        if (n <= 0) throw new Error('short read');
        this.append(into.subarray(0, n));
        at += n;
      }
    } catch {
      // Unreadable (not expected of memory): those bytes are lost, as from a full ring.
      this.skip(end - this.endOffset);
    } finally {
      store.close(true); // the stream goes on in the blocks
    }
  }

  /** Its session is forgotten: let go of a store (what it held is dropped). */
  dispose(): void {
    this.lose(false);
    this.spare = null;
  }

  /** Drop everything held (and the store): the stream goes on from the end (`abandoned`). */
  private lose(abandoned = true): void {
    this.dropStore(abandoned);
    this.clearBlocks();
    this.startOffset = this.endOffset;
  }

  private clearBlocks(): void {
    this.blocks = [];
    this.filled = [];
    this.head = this.headAt = this.bytesAllocated = 0;
  }

  /** Forget the store without reading it (what it held is dropped); `abandoned`: the stream goes
   * on without it. */
  private dropStore(abandoned: boolean): void {
    ReplayRing.toCopy.delete(this);
    this.tail.length = 0;
    this.store?.close(abandoned);
    this.store = null;
    this.storeLive = false;
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
