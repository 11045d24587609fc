/**
 * Wire protocol v1 — the one definition of what crosses `/ws`.
 * Normative description: shared/ARCHITECTURE.md "Wire protocol v1". Any change here bumps
 * PROTOCOL_VERSION and updates that file.
 *
 * Frame layout: byte 0 op (u8) · bytes 1..4 channel (u32 BE; 0 = the connection) · payload.
 */

export const PROTOCOL_VERSION = 1 as const;

/** Bytes before the payload: op (1) + channel (4). */
export const FRAME_HEADER_BYTES = 5;
/** OUTPUT payload starts with an f64 stream offset. */
export const OUTPUT_OFFSET_BYTES = 8;
/** Largest frame either side may send (ws maxPayload). */
export const MAX_FRAME_BYTES = 1024 * 1024;
/** Largest channel id (u32). */
export const MAX_CHANNEL_ID = 0xffffffff;

export const Op = {
  /** c→s JSON {v}: first frame; answered by HELLO_ACK or close 4400. */
  HELLO: 0x01,
  /** c→s JSON OpenRequest: attach to a session or create one in a workspace. */
  OPEN: 0x02,
  /** c→s raw bytes to the terminal. */
  INPUT: 0x03,
  /** c→s u16 cols, u16 rows (BE). */
  RESIZE: 0x04,
  /** c→s f64 (BE): total output bytes of this channel the client has processed. */
  ACK: 0x05,
  /** c→s empty: stop viewing; the session keeps running. */
  DETACH: 0x06,
  /** c→s empty: end the session's process (or forget an exited session). */
  KILL: 0x07,
  /** c→s opaque bytes, echoed in PONG on channel 0. */
  PING: 0x08,
  /** s→c JSON HelloAck. */
  HELLO_ACK: 0x81,
  /** s→c JSON Opened. */
  OPENED: 0x82,
  /** s→c f64 (BE) offset of the first byte, then raw bytes. */
  OUTPUT: 0x83,
  /** s→c JSON ExitInfo. */
  EXIT: 0x84,
  /** s→c JSON ErrorInfo (channel 0 = connection-level). */
  ERROR: 0x85,
  /** s→c the PING's bytes. */
  PONG: 0x86,
  /** s→c JSON SessionEvent. */
  EVENT: 0x87,
} as const;
export type Op = (typeof Op)[keyof typeof Op];

const OP_VALUES: ReadonlySet<number> = new Set(Object.values(Op));
export function isOp(n: number): n is Op {
  return OP_VALUES.has(n);
}

export const OP_NAMES: Readonly<Record<Op, string>> = Object.fromEntries(
  Object.entries(Op).map(([name, value]) => [value, name]),
) as Record<Op, string>;

/** WebSocket close codes used by the gateway. */
export const CloseCode = {
  /** Normal closure (client navigated away, server shutting down cleanly). */
  NORMAL: 1000,
  /** Server going away (graceful shutdown). */
  GOING_AWAY: 1001,
  /** Frame larger than MAX_FRAME_BYTES. */
  TOO_BIG: 1009,
  /** Protocol error: bad HELLO, version mismatch, too many bad frames. */
  PROTOCOL: 4400,
  /** Not authenticated (or the session/token stopped being valid). */
  UNAUTHENTICATED: 4401,
  /** Forbidden: share scope, revoked link. */
  FORBIDDEN: 4403,
  /** Unknown session. */
  UNKNOWN_SESSION: 4404,
  /** Internal error. */
  INTERNAL: 4500,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

/** `code` values of ERROR frames. */
export const ErrorCode = {
  /** The frame could not be decoded (too short, not binary). */
  BAD_FRAME: 'bad_frame',
  /** The op byte is not one this version knows. */
  UNKNOWN_OP: 'unknown_op',
  /** The payload did not parse or failed validation. */
  BAD_PAYLOAD: 'bad_payload',
  /** OPEN on a channel id already in use on this connection. */
  CHANNEL_IN_USE: 'channel_in_use',
  /** A frame for a channel that is not open. */
  UNKNOWN_CHANNEL: 'unknown_channel',
  /** No such session or workspace (or not yours). */
  NOT_FOUND: 'not_found',
  /** A limit was reached (channels per connection, sessions per user). */
  LIMIT: 'limit',
  /** Not allowed for this user or share scope. */
  FORBIDDEN: 'forbidden',
  /** The session's process has exited. */
  EXITED: 'exited',
  /** The runtime failed (spawn failed, connection lost). */
  RUNTIME: 'runtime',
  /** Unexpected server failure. */
  INTERNAL: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
