/**
 * Agent link: what the gateway and a worker agent exchange on top of wire protocol v1. Terminals
 * use the v1 frames unchanged (OPEN, INPUT, OUTPUT…, so OUTPUT bytes are relayed as they are);
 * these three frames, only valid on an agent link (a browser's `/ws` refuses them as unknown
 * ops), carry structured requests for exec, files, health and file watching:
 *
 *   CALL   0x0a c→s  u32 id · u32 json length · JSON {method, params} · binary tail
 *   REPLY  0x8a s→c  u32 id · u32 json length · JSON {ok: true, result} | {ok: false, error} · binary tail
 *   NOTICE 0x8b s→c  JSON AgentNotice (file-watch events)
 *
 * Channel is 0 for all three. Binary tails carry file contents and process output as they are.
 * The methods, their params and results are defined once in agent-methods.ts.
 */
import type { z } from 'zod';
import { agentNoticeSchema, type AgentMethod, type ParamsOf } from './agent-methods';
import { FRAME_HEADER_BYTES } from './ops';

export const AgentOp = {
  CALL: 0x0a,
  REPLY: 0x8a,
  NOTICE: 0x8b,
} as const;

export const AGENT_OPS: ReadonlySet<number> = new Set(Object.values(AgentOp));

/** The workspace id in OPEN requests on an agent link (an agent serves exactly one). */
export const AGENT_WORKSPACE = 'workspace';
/** File bytes per CALL/REPLY tail: well under the 1 MiB frame limit. */
export const AGENT_IO_CHUNK = 256 * 1024;

export interface AgentError {
  /** errno-style (ENOENT, EEXIST…) or 'bad_path', 'spawn_failed', 'bad_request', 'internal'. */
  code: string;
  message: string;
}

export type AgentReplyBody = { ok: true; result: unknown } | { ok: false; error: AgentError };

export type AgentNotice = z.infer<typeof agentNoticeSchema>;

export interface AgentMessage<T> {
  id: number;
  body: T;
  tail: Uint8Array;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function encodeWithJson(op: number, id: number, json: unknown, tail: Uint8Array = new Uint8Array(0)): Uint8Array {
  const body = enc.encode(JSON.stringify(json));
  const out = new Uint8Array(FRAME_HEADER_BYTES + 8 + body.byteLength + tail.byteLength);
  const view = new DataView(out.buffer);
  out[0] = op;
  view.setUint32(1, 0);
  view.setUint32(5, id);
  view.setUint32(9, body.byteLength);
  out.set(body, 13);
  out.set(tail, 13 + body.byteLength);
  return out;
}

function decodeWithJson<T>(bytes: Uint8Array): AgentMessage<T> | null {
  if (bytes.byteLength < FRAME_HEADER_BYTES + 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const id = view.getUint32(5);
  const len = view.getUint32(9);
  if (13 + len > bytes.byteLength) return null;
  try {
    const body = JSON.parse(dec.decode(bytes.subarray(13, 13 + len))) as T;
    return { id, body, tail: bytes.subarray(13 + len) };
  } catch {
    return null;
  }
}

export function encodeCall<M extends AgentMethod>(id: number, method: M, params: ParamsOf<M>, tail?: Uint8Array): Uint8Array {
  return encodeWithJson(AgentOp.CALL, id, { method, params }, tail);
}

/** null for a malformed frame (the agent answers with an ERROR on channel 0). The method and its
 * params are checked against AGENT_METHODS afterwards (a bad one is a `bad_request` REPLY). */
export function decodeCall(bytes: Uint8Array): AgentMessage<{ method: string; params: unknown }> | null {
  const m = decodeWithJson<{ method?: unknown; params?: unknown }>(bytes);
  if (!m || typeof m.body !== 'object' || m.body === null || typeof m.body.method !== 'string') return null;
  return { id: m.id, body: { method: m.body.method, params: m.body.params ?? {} }, tail: m.tail };
}

export function encodeReply(id: number, body: AgentReplyBody, tail?: Uint8Array): Uint8Array {
  return encodeWithJson(AgentOp.REPLY, id, body, tail);
}

export function decodeReply(bytes: Uint8Array): AgentMessage<AgentReplyBody> | null {
  const m = decodeWithJson<AgentReplyBody>(bytes);
  return m && typeof m.body === 'object' && m.body !== null && typeof m.body.ok === 'boolean' ? m : null;
}

export function encodeNotice(notice: AgentNotice): Uint8Array {
  return encodeWithJson(AgentOp.NOTICE, 0, notice);
}

/** null for a malformed frame or a notice that does not match agentNoticeSchema. */
export function decodeNotice(bytes: Uint8Array): AgentNotice | null {
  const m = decodeWithJson<unknown>(bytes);
  if (!m) return null;
  const r = agentNoticeSchema.safeParse(m.body);
  return r.success ? r.data : null;
}

/**
 * The record of a lent terminal (`terminals.lend`): a file of LENT_RECORD_HEADER_BYTES then
 * `bytes` of data. The header's first 8 bytes are the stream offset the reader has reached (f64,
 * big-endian; 0 before its first write); the byte at stream offset `o` is at the position below,
 * so the file keeps the newest `bytes` of the stream. The reader writes the data, then the header.
 */
export const LENT_RECORD_HEADER_BYTES = 16;

export function lentRecordPosition(offset: number, bytes: number): number {
  return LENT_RECORD_HEADER_BYTES + (offset % bytes);
}
