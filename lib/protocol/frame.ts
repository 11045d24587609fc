/**
 * Frame encode/decode for wire protocol v1. Decoders never throw: a malformed frame becomes a
 * `DecodeError` value naming the channel (when readable) so the caller can answer with an ERROR
 * frame on that channel and keep every other channel working.
 */
import type { z } from 'zod';
import { allocFilledByCaller } from './alloc';
import {
  ErrorCode,
  FRAME_HEADER_BYTES,
  MAX_FRAME_BYTES,
  OUTPUT_OFFSET_BYTES,
  Op,
  OP_NAMES,
  isOp,
} from './ops';
import {
  errorInfoSchema,
  exitInfoSchema,
  helloAckSchema,
  helloSchema,
  openRequestSchema,
  openedSchema,
  sessionEventSchema,
  type ErrorInfo,
  type ExitInfo,
  type Hello,
  type HelloAck,
  type OpenRequest,
  type Opened,
  type SessionEvent,
} from './messages';

/** Frames a client sends. */
export type ClientFrame =
  | { type: 'hello'; channel: number; hello: Hello }
  | { type: 'open'; channel: number; open: OpenRequest }
  | { type: 'input'; channel: number; data: Uint8Array }
  | { type: 'answer'; channel: number; data: Uint8Array }
  | { type: 'resize'; channel: number; cols: number; rows: number }
  | { type: 'ack'; channel: number; processed: number }
  | { type: 'detach'; channel: number }
  | { type: 'kill'; channel: number }
  | { type: 'ping'; channel: number; data: Uint8Array };

/** Frames a server sends. */
export type ServerFrame =
  | { type: 'hello_ack'; channel: number; helloAck: HelloAck }
  | { type: 'opened'; channel: number; opened: Opened }
  | { type: 'output'; channel: number; offset: number; data: Uint8Array }
  | { type: 'exit'; channel: number; exit: ExitInfo }
  | { type: 'error'; channel: number; error: ErrorInfo }
  | { type: 'pong'; channel: number; data: Uint8Array }
  | { type: 'event'; channel: number; event: SessionEvent };

export interface DecodeError {
  /** Channel the bad frame named, or 0 when not even the header was readable. */
  channel: number;
  code: ErrorCode;
  message: string;
}

export type DecodeResult<F> = { ok: true; frame: F } | { ok: false; error: DecodeError };

/** Largest terminal dimension accepted anywhere (cols or rows). */
export const MAX_DIMENSION = 1000;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/** Memory for a frame the encoder fills whole. */
export type FrameAlloc = (size: number) => Uint8Array;

function header(op: Op, channel: number, payloadBytes: number, alloc: FrameAlloc = allocFilledByCaller): { bytes: Uint8Array; view: DataView } {
  if (!Number.isInteger(channel) || channel < 0 || channel > 0xffffffff) {
    throw new RangeError(`channel must be a u32, got ${channel}`);
  }
  // Every encoder writes the whole frame: header, then its payload.
  const bytes = alloc(FRAME_HEADER_BYTES + payloadBytes);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint8(0, op);
  view.setUint32(1, channel);
  return { bytes, view };
}

function rawFrame(op: Op, channel: number, payload: Uint8Array): Uint8Array {
  const { bytes } = header(op, channel, payload.byteLength);
  bytes.set(payload, FRAME_HEADER_BYTES);
  return bytes;
}

function jsonFrame(op: Op, channel: number, value: unknown): Uint8Array {
  return rawFrame(op, channel, encoder.encode(JSON.stringify(value)));
}

// ---- encoders (client → server) ----

export function encodeHello(hello: Hello): Uint8Array {
  return jsonFrame(Op.HELLO, 0, hello);
}
export function encodeOpen(channel: number, open: OpenRequest): Uint8Array {
  return jsonFrame(Op.OPEN, channel, open);
}
export function encodeInput(channel: number, data: Uint8Array | string): Uint8Array {
  return rawFrame(Op.INPUT, channel, typeof data === 'string' ? encoder.encode(data) : data);
}
/** ANSWER: bytes the terminal emulator produced in reply to the program (see Op.ANSWER). */
export function encodeAnswer(channel: number, data: Uint8Array | string): Uint8Array {
  return rawFrame(Op.ANSWER, channel, typeof data === 'string' ? encoder.encode(data) : data);
}
export function encodeResize(channel: number, cols: number, rows: number): Uint8Array {
  const { bytes, view } = header(Op.RESIZE, channel, 4);
  view.setUint16(FRAME_HEADER_BYTES, cols);
  view.setUint16(FRAME_HEADER_BYTES + 2, rows);
  return bytes;
}
export function encodeAck(channel: number, processed: number): Uint8Array {
  const { bytes, view } = header(Op.ACK, channel, 8);
  view.setFloat64(FRAME_HEADER_BYTES, processed);
  return bytes;
}
export function encodeDetach(channel: number): Uint8Array {
  return header(Op.DETACH, channel, 0).bytes;
}
export function encodeKill(channel: number): Uint8Array {
  return header(Op.KILL, channel, 0).bytes;
}
export function encodePing(data: Uint8Array): Uint8Array {
  return rawFrame(Op.PING, 0, data);
}

// ---- encoders (server → client) ----

export function encodeHelloAck(helloAck: HelloAck): Uint8Array {
  return jsonFrame(Op.HELLO_ACK, 0, helloAck);
}
export function encodeOpened(channel: number, opened: Opened): Uint8Array {
  return jsonFrame(Op.OPENED, channel, opened);
}
/** OUTPUT: one copy of `data` into the frame; `data` may be a view into a larger buffer, or a
 * list of consecutive pieces (e.g. replay-ring chunks) copied straight into the frame. */
/** `alloc`: where the frame's memory comes from (a gateway's connections reuse the buffers of
 * frames already written, server/core/frame-pool.ts). */
export function encodeOutput(channel: number, offset: number, data: Uint8Array | readonly Uint8Array[], alloc?: FrameAlloc): Uint8Array {
  const parts = data instanceof Uint8Array ? [data] : data;
  let total = 0;
  for (const p of parts) total += p.byteLength;
  const { bytes, view } = header(Op.OUTPUT, channel, OUTPUT_OFFSET_BYTES + total, alloc);
  view.setFloat64(FRAME_HEADER_BYTES, offset);
  let at = FRAME_HEADER_BYTES + OUTPUT_OFFSET_BYTES;
  for (const p of parts) {
    bytes.set(p, at);
    at += p.byteLength;
  }
  return bytes;
}
export function encodeExit(channel: number, exit: ExitInfo): Uint8Array {
  return jsonFrame(Op.EXIT, channel, exit);
}
export function encodeError(channel: number, error: ErrorInfo): Uint8Array {
  return jsonFrame(Op.ERROR, channel, error);
}
export function encodePong(data: Uint8Array): Uint8Array {
  return rawFrame(Op.PONG, 0, data);
}
export function encodeEvent(channel: number, event: SessionEvent): Uint8Array {
  return jsonFrame(Op.EVENT, channel, event);
}

// ---- decoding ----

function fail<F>(channel: number, code: ErrorCode, message: string): DecodeResult<F> {
  return { ok: false, error: { channel, code, message } };
}

function parseJson<S extends z.ZodType>(
  schema: S,
  payload: Uint8Array,
): { ok: true; value: z.infer<S> } | { ok: false; message: string } {
  let text: string;
  let raw: unknown;
  try {
    text = decoder.decode(payload);
    raw = JSON.parse(text);
  } catch {
    return { ok: false, message: 'payload is not valid UTF-8 JSON' };
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { ok: false, message: `invalid payload: ${where}${issue?.message ?? 'rejected'}` };
  }
  return { ok: true, value: parsed.data };
}

interface Split {
  op: number;
  channel: number;
  payload: Uint8Array;
  view: DataView;
}

function split(bytes: Uint8Array): Split | DecodeError {
  if (bytes.byteLength < FRAME_HEADER_BYTES) {
    return { channel: 0, code: ErrorCode.BAD_FRAME, message: `frame of ${bytes.byteLength} bytes is shorter than the 5-byte header` };
  }
  if (bytes.byteLength > MAX_FRAME_BYTES) {
    return { channel: 0, code: ErrorCode.BAD_FRAME, message: `frame of ${bytes.byteLength} bytes exceeds ${MAX_FRAME_BYTES}` };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return {
    op: view.getUint8(0),
    channel: view.getUint32(1),
    payload: bytes.subarray(FRAME_HEADER_BYTES),
    view: new DataView(bytes.buffer, bytes.byteOffset + FRAME_HEADER_BYTES, bytes.byteLength - FRAME_HEADER_BYTES),
  };
}

function expectLength<F>(s: Split, n: number, name: string): DecodeResult<F> | null {
  return s.payload.byteLength === n
    ? null
    : fail(s.channel, ErrorCode.BAD_PAYLOAD, `${name} payload must be ${n} bytes, got ${s.payload.byteLength}`);
}

function validDimension(n: number): boolean {
  return n >= 1 && n <= MAX_DIMENSION;
}

/** Decode a frame sent by a client. Never throws. */
export function decodeClientFrame(bytes: Uint8Array): DecodeResult<ClientFrame> {
  const s = split(bytes);
  if ('code' in s) return { ok: false, error: s };
  const { channel, payload, view } = s;
  if (!isOp(s.op)) return fail(channel, ErrorCode.UNKNOWN_OP, `unknown op 0x${s.op.toString(16).padStart(2, '0')}`);
  const op: Op = s.op;
  const needsChannel = op !== Op.HELLO && op !== Op.PING;
  if (needsChannel && channel === 0) return fail(0, ErrorCode.BAD_FRAME, `${OP_NAMES[op]} needs a non-zero channel`);
  if (!needsChannel && channel !== 0) return fail(channel, ErrorCode.BAD_FRAME, `${OP_NAMES[op]} must use channel 0`);
  switch (op) {
    case Op.HELLO: {
      const r = parseJson(helloSchema, payload);
      return r.ok ? { ok: true, frame: { type: 'hello', channel, hello: r.value } } : fail(channel, ErrorCode.BAD_PAYLOAD, r.message);
    }
    case Op.OPEN: {
      const r = parseJson(openRequestSchema, payload);
      return r.ok ? { ok: true, frame: { type: 'open', channel, open: r.value } } : fail(channel, ErrorCode.BAD_PAYLOAD, r.message);
    }
    case Op.INPUT:
      return { ok: true, frame: { type: 'input', channel, data: payload } };
    case Op.ANSWER:
      return { ok: true, frame: { type: 'answer', channel, data: payload } };
    case Op.RESIZE: {
      const bad = expectLength<ClientFrame>(s, 4, 'RESIZE');
      if (bad) return bad;
      const cols = view.getUint16(0);
      const rows = view.getUint16(2);
      if (!validDimension(cols) || !validDimension(rows)) {
        return fail(channel, ErrorCode.BAD_PAYLOAD, `RESIZE to ${cols}x${rows} is outside 1..${MAX_DIMENSION}`);
      }
      return { ok: true, frame: { type: 'resize', channel, cols, rows } };
    }
    case Op.ACK: {
      const bad = expectLength<ClientFrame>(s, 8, 'ACK');
      if (bad) return bad;
      const processed = view.getFloat64(0);
      if (!Number.isSafeInteger(processed) || processed < 0) {
        return fail(channel, ErrorCode.BAD_PAYLOAD, 'ACK must be a non-negative integer byte count');
      }
      return { ok: true, frame: { type: 'ack', channel, processed } };
    }
    case Op.DETACH:
    case Op.KILL: {
      const bad = expectLength<ClientFrame>(s, 0, OP_NAMES[op]);
      if (bad) return bad;
      return { ok: true, frame: { type: op === Op.DETACH ? 'detach' : 'kill', channel } };
    }
    case Op.PING:
      if (payload.byteLength > 1024) return fail(channel, ErrorCode.BAD_PAYLOAD, 'PING payload over 1024 bytes');
      return { ok: true, frame: { type: 'ping', channel, data: payload } };
    default:
      return fail(channel, ErrorCode.UNKNOWN_OP, `${OP_NAMES[op]} is not a client op`);
  }
}

/** Decode a frame sent by a server. Never throws. */
export function decodeServerFrame(bytes: Uint8Array): DecodeResult<ServerFrame> {
  const s = split(bytes);
  if ('code' in s) return { ok: false, error: s };
  const { channel, payload, view } = s;
  if (!isOp(s.op)) return fail(channel, ErrorCode.UNKNOWN_OP, `unknown op 0x${s.op.toString(16).padStart(2, '0')}`);
  const op: Op = s.op;
  const json = <S extends z.ZodType, T extends ServerFrame['type']>(
    schema: S,
    build: (v: z.infer<S>) => Extract<ServerFrame, { type: T }>,
  ): DecodeResult<ServerFrame> => {
    const r = parseJson(schema, payload);
    return r.ok ? { ok: true, frame: build(r.value) } : fail(channel, ErrorCode.BAD_PAYLOAD, r.message);
  };
  switch (op) {
    case Op.HELLO_ACK:
      return json(helloAckSchema, (helloAck) => ({ type: 'hello_ack', channel, helloAck }));
    case Op.OPENED:
      return json(openedSchema, (opened) => ({ type: 'opened', channel, opened }));
    case Op.OUTPUT: {
      if (payload.byteLength < OUTPUT_OFFSET_BYTES) return fail(channel, ErrorCode.BAD_PAYLOAD, 'OUTPUT payload shorter than its offset');
      const offset = view.getFloat64(0);
      if (!Number.isSafeInteger(offset) || offset < 0) return fail(channel, ErrorCode.BAD_PAYLOAD, 'OUTPUT offset is not a byte offset');
      return { ok: true, frame: { type: 'output', channel, offset, data: payload.subarray(OUTPUT_OFFSET_BYTES) } };
    }
    case Op.EXIT:
      return json(exitInfoSchema, (exit) => ({ type: 'exit', channel, exit }));
    case Op.ERROR:
      return json(errorInfoSchema, (error) => ({ type: 'error', channel, error }));
    case Op.PONG:
      return { ok: true, frame: { type: 'pong', channel, data: payload } };
    case Op.EVENT:
      return json(sessionEventSchema, (event) => ({ type: 'event', channel, event }));
    default:
      return fail(channel, ErrorCode.UNKNOWN_OP, `${OP_NAMES[op]} is not a server op`);
  }
}

/** Exhaustiveness guard for `switch (frame.type)`. */
export function assertNever(x: never): never {
  throw new Error(`unexpected value ${JSON.stringify(x)}`);
}
