/**
 * Output de-duplication by stream offset. Every session numbers its output bytes from 0 and each
 * OUTPUT frame carries the offset of its first byte; the client remembers `received`, the offset of
 * the next byte it needs. After a resume the server may repeat bytes the client already wrote, and
 * xterm must see every byte exactly once, so the overlap is cut off here.
 */

export interface OutputSlice {
  /** Bytes to hand to the terminal (possibly empty). A view into the frame, never a copy. */
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
  // A gap means the server skipped bytes without announcing a snapshot — a server bug. Writing what
  // arrived keeps the terminal live; the caller reports the gap.
  return { fresh: data, duplicate: 0, gap: offset - received, received: end };
}
