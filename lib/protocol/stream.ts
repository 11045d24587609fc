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

/** A record's length prefix alone, for a frame written after it as is (no copy of a large frame). */
export function recordPrefix(length: number): Uint8Array {
  const out = allocFilledByCaller(STREAM_PREFIX_BYTES);
  new DataView(out.buffer, out.byteOffset, out.byteLength).setUint32(0, length);
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
 *
 * A record that lies whole in a chunk is returned as a view of it (the caller must not reuse a
 * chunk's memory: a socket's read buffers are fresh each time); one that spans chunks — a large
 * frame arrives in several socket reads — is assembled once, into a buffer of its exact size.
 */
export class RecordReader {
  /** Length prefix bytes seen so far when a prefix is split across chunks. */
  private readonly prefix = new Uint8Array(STREAM_PREFIX_BYTES);
  private prefixHave = 0;
  /** The record being assembled across chunks, and how much of it has arrived. */
  private partial: Uint8Array | null = null;
  private partialHave = 0;

  constructor(private readonly maxBytes = MAX_FRAME_BYTES) {}

  /** Feed bytes; returns the complete records they finish. */
  push(chunk: Uint8Array): Uint8Array[] {
    const out: Uint8Array[] = [];
    let at = 0;
    while (at < chunk.byteLength) {
      if (this.partial === null) {
        let len: number;
        if (this.prefixHave === 0 && chunk.byteLength - at >= STREAM_PREFIX_BYTES) {
          len = new DataView(chunk.buffer, chunk.byteOffset + at, STREAM_PREFIX_BYTES).getUint32(0);
          at += STREAM_PREFIX_BYTES;
        } else {
          const take = Math.min(STREAM_PREFIX_BYTES - this.prefixHave, chunk.byteLength - at);
          this.prefix.set(chunk.subarray(at, at + take), this.prefixHave);
          this.prefixHave += take;
          at += take;
          if (this.prefixHave < STREAM_PREFIX_BYTES) break;
          this.prefixHave = 0;
          len = new DataView(this.prefix.buffer).getUint32(0);
        }
        if (len === 0 || len > this.maxBytes) throw new RecordTooLargeError(len);
        if (chunk.byteLength - at >= len) {
          out.push(chunk.subarray(at, at + len));
          at += len;
          continue;
        }
        this.partial = allocFilledByCaller(len);
        this.partialHave = 0;
      }
      const take = Math.min(this.partial.byteLength - this.partialHave, chunk.byteLength - at);
      this.partial.set(chunk.subarray(at, at + take), this.partialHave);
      this.partialHave += take;
      at += take;
      if (this.partialHave === this.partial.byteLength) {
        out.push(this.partial);
        this.partial = null;
      }
    }
    return out;
  }
}
