/**
 * Agent links over a byte stream (an SSH exec channel's stdio, a Unix socket): each wire-protocol
 * frame is preceded by its length as a u32 big-endian, so the frames are exactly the ones a
 * WebSocket message would carry. A link on a Unix socket starts with one AUTH record (the same
 * length prefix, then the shared secret) before the first frame.
 *
 *   record = u32 length · frame bytes        (1 ≤ length ≤ MAX_FRAME_BYTES)
 */
import { allocFilledByCaller } from './alloc';
import { MAX_FRAME_BYTES } from './ops';

export const STREAM_PREFIX_BYTES = 4;

/** One frame as a stream record (length prefix + bytes), ready for `write`. */
export function encodeRecord(frame: Uint8Array): Uint8Array {
  const out = allocFilledByCaller(STREAM_PREFIX_BYTES + frame.byteLength);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(0, frame.byteLength);
  out.set(frame, STREAM_PREFIX_BYTES);
  return out;
}

export class RecordTooLargeError extends Error {
  constructor(readonly length: number) {
    super(length === 0 ? 'empty record on the agent link' : `record of ${length} bytes exceeds ${MAX_FRAME_BYTES}`);
  }
}

/**
 * Reassembles records from chunks as they arrive. A length of 0 or beyond the frame limit throws
 * RecordTooLargeError: the stream is out of step (or hostile) and must be closed.
 */
export class RecordReader {
  private buf: Uint8Array = new Uint8Array(0);
  private used = 0;

  constructor(private readonly maxBytes = MAX_FRAME_BYTES) {}

  /**
   * Feed bytes; returns the complete records they finish. A record that lies whole in `chunk` is
   * returned as a view of it (the caller must not reuse `chunk`'s memory: a socket's read buffers
   * are fresh each time); one that spans chunks is a copy.
   */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let src = chunk;
    let at = 0;
    if (this.used > 0) {
      // Complete the record begun in an earlier chunk, then go on in this one.
      this.append(chunk);
      src = this.buf.subarray(0, this.used);
    }
    for (;;) {
      if (src.byteLength - at < STREAM_PREFIX_BYTES) break;
      const len = new DataView(src.buffer, src.byteOffset + at, STREAM_PREFIX_BYTES).getUint32(0);
      if (len === 0 || len > this.maxBytes) throw new RecordTooLargeError(len);
      if (src.byteLength - at - STREAM_PREFIX_BYTES < len) break;
      const record = src.subarray(at + STREAM_PREFIX_BYTES, at + STREAM_PREFIX_BYTES + len);
      out.push(src === chunk ? record : record.slice());
      at += STREAM_PREFIX_BYTES + len;
      // Past the bytes carried over: read the rest straight from the chunk.
      if (src !== chunk && at >= this.used - chunk.byteLength) {
        at -= this.used - chunk.byteLength;
        src = chunk;
        this.used = 0;
      }
    }
    const rest = src.byteLength - at;
    if (src === chunk) {
      this.used = 0;
      if (rest > 0) this.append(chunk.subarray(at));
    } else if (at > 0) {
      this.buf.copyWithin(0, at, this.used);
      this.used -= at;
    }
    return out;
  }

  private append(chunk: Uint8Array): void {
    const need = this.used + chunk.byteLength;
    if (need > this.buf.byteLength) {
      const next = new Uint8Array(Math.max(need, this.buf.byteLength * 2, 64 * 1024));
      next.set(this.buf.subarray(0, this.used));
      this.buf = next;
    }
    this.buf.set(chunk, this.used);
    this.used = need;
  }
}
