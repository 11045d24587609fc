import { describe, expect, it } from 'vitest';
import {
  ErrorCode,
  Op,
  decodeClientFrame,
  decodeServerFrame,
  encodeAck,
  encodeDetach,
  encodeError,
  encodeEvent,
  encodeExit,
  encodeHello,
  encodeHelloAck,
  encodeInput,
  encodeKill,
  encodeOpen,
  encodeOpened,
  encodeOutput,
  encodePing,
  encodePong,
  encodeResize,
  type ClientFrame,
  type ServerFrame,
} from './index';

function client(bytes: Uint8Array): ClientFrame {
  const r = decodeClientFrame(bytes);
  if (!r.ok) throw new Error(r.error.message);
  return r.frame;
}
function server(bytes: Uint8Array): ServerFrame {
  const r = decodeServerFrame(bytes);
  if (!r.ok) throw new Error(r.error.message);
  return r.frame;
}

describe('frame layout', () => {
  it('puts op in byte 0 and the channel big-endian in bytes 1..4', () => {
    const f = encodeInput(0x01020304, new Uint8Array([9, 8]));
    expect([...f]).toEqual([Op.INPUT, 1, 2, 3, 4, 9, 8]);
  });
  it('encodes OUTPUT offsets as big-endian f64 before the bytes', () => {
    const f = encodeOutput(1, 2 ** 40 + 5, new Uint8Array([0xff]));
    const view = new DataView(f.buffer, f.byteOffset, f.byteLength);
    expect(view.getFloat64(5)).toBe(2 ** 40 + 5);
    expect(f[13]).toBe(0xff);
    expect(f.byteLength).toBe(14);
  });
  it('keeps frames that share an allocation pool apart: each decodes to its own bytes, and a frame held while others are made is unchanged', () => {
    // Small frames are cut from Node's shared pool (alloc.ts): frames made back to back sit in
    // the same ArrayBuffer, so each must be used through its own offset and length.
    const frames = Array.from({ length: 200 }, (_, i) => encodeOutput(i + 1, i * 1000, new Uint8Array(40 + (i % 7) * 300).fill(i % 251)));
    expect(new Set(frames.map((f) => f.buffer)).size).toBeLessThan(frames.length);
    frames.forEach((f, i) => {
      const r = decodeServerFrame(f);
      if (!r.ok || r.frame.type !== 'output') throw new Error(`frame ${i} did not decode as OUTPUT`);
      const d = r.frame;
      expect([d.channel, d.offset, d.data.byteLength]).toEqual([i + 1, i * 1000, 40 + (i % 7) * 300]);
      expect(d.data.every((b) => b === i % 251)).toBe(true);
    });
  });
  it('encodes RESIZE as two big-endian u16', () => {
    expect([...encodeResize(1, 300, 2)]).toEqual([Op.RESIZE, 0, 0, 0, 1, 1, 44, 0, 2]);
  });
});

describe('round trips', () => {
  it('client frames decode to what was encoded', () => {
    const bin = new Uint8Array([0, 1, 2, 0xc3, 0x28, 255]); // invalid UTF-8 stays bytes
    expect(client(encodeHello({ v: 1 }))).toEqual({ type: 'hello', channel: 0, hello: { v: 1 } });
    const open = { session: 'abc_-1', cols: 80, rows: 24, resumeFrom: 123456789 };
    expect(client(encodeOpen(7, open))).toEqual({ type: 'open', channel: 7, open });
    const create = { workspace: 'w1', cols: 1, rows: 1000, cwd: 'src', command: 'ls -la' };
    expect(client(encodeOpen(8, create))).toEqual({ type: 'open', channel: 8, open: create });
    expect(client(encodeInput(9, bin))).toEqual({ type: 'input', channel: 9, data: bin });
    expect(client(encodeInput(9, 'é'))).toEqual({ type: 'input', channel: 9, data: new Uint8Array([0xc3, 0xa9]) });
    expect(client(encodeResize(0xffffffff, 1000, 1))).toEqual({ type: 'resize', channel: 0xffffffff, cols: 1000, rows: 1 });
    expect(client(encodeAck(3, Number.MAX_SAFE_INTEGER))).toEqual({ type: 'ack', channel: 3, processed: Number.MAX_SAFE_INTEGER });
    expect(client(encodeDetach(3))).toEqual({ type: 'detach', channel: 3 });
    expect(client(encodeKill(3))).toEqual({ type: 'kill', channel: 3 });
    expect(client(encodePing(bin))).toEqual({ type: 'ping', channel: 0, data: bin });
  });

  it('server frames decode to what was encoded', () => {
    const helloAck = { v: 1 as const, user: { id: 'u', name: 'ann' }, limits: { maxFrameBytes: 1 << 20, highWater: 524288, lowWater: 131072 } };
    expect(server(encodeHelloAck(helloAck))).toEqual({ type: 'hello_ack', channel: 0, helloAck });
    const opened = { session: 's1', offset: 42, snapshot: true, cols: 80, rows: 24, title: 'vim' };
    expect(server(encodeOpened(2, opened))).toEqual({ type: 'opened', channel: 2, opened });
    const data = new Uint8Array(70_000).map((_, i) => i & 0xff);
    expect(server(encodeOutput(2, 99, data))).toEqual({ type: 'output', channel: 2, offset: 99, data });
    expect(server(encodeExit(2, { code: null, signal: 'SIGKILL' }))).toEqual({ type: 'exit', channel: 2, exit: { code: null, signal: 'SIGKILL' } });
    expect(server(encodeError(0, { code: 'x', message: 'y' }))).toEqual({ type: 'error', channel: 0, error: { code: 'x', message: 'y' } });
    expect(server(encodePong(new Uint8Array([1])))).toEqual({ type: 'pong', channel: 0, data: new Uint8Array([1]) });
    expect(server(encodeEvent(2, { type: 'bell' }))).toEqual({ type: 'event', channel: 2, event: { type: 'bell' } });
  });

  it('decodes a frame that is a view into a larger buffer', () => {
    const f = encodeResize(5, 120, 40);
    const big = new Uint8Array(f.byteLength + 10);
    big.set(f, 7);
    expect(client(big.subarray(7, 7 + f.byteLength))).toEqual({ type: 'resize', channel: 5, cols: 120, rows: 40 });
  });
});

describe('refusals', () => {
  const err = (bytes: Uint8Array) => {
    const r = decodeClientFrame(bytes);
    if (r.ok) throw new Error(`accepted ${JSON.stringify(r.frame)}`);
    return r.error;
  };
  it('names the channel and a code for each kind of bad frame', () => {
    expect(err(new Uint8Array([1, 2]))).toMatchObject({ channel: 0, code: ErrorCode.BAD_FRAME });
    expect(err(new Uint8Array([0x7f, 0, 0, 0, 4]))).toMatchObject({ channel: 4, code: ErrorCode.UNKNOWN_OP });
    expect(err(new Uint8Array([Op.OUTPUT, 0, 0, 0, 4]))).toMatchObject({ channel: 4, code: ErrorCode.UNKNOWN_OP });
    expect(err(new Uint8Array([Op.INPUT, 0, 0, 0, 0]))).toMatchObject({ channel: 0, code: ErrorCode.BAD_FRAME });
    expect(err(new Uint8Array([Op.PING, 0, 0, 0, 3]))).toMatchObject({ channel: 3, code: ErrorCode.BAD_FRAME });
    expect(err(encodeResize(1, 0, 24))).toMatchObject({ channel: 1, code: ErrorCode.BAD_PAYLOAD });
    expect(err(encodeResize(1, 65535, 65535))).toMatchObject({ channel: 1, code: ErrorCode.BAD_PAYLOAD });
    expect(err(encodeAck(1, Number.NaN))).toMatchObject({ code: ErrorCode.BAD_PAYLOAD });
    expect(err(encodeAck(1, -1))).toMatchObject({ code: ErrorCode.BAD_PAYLOAD });
    expect(err(encodeAck(1, 1.5))).toMatchObject({ code: ErrorCode.BAD_PAYLOAD });
    expect(err(new Uint8Array([Op.KILL, 0, 0, 0, 1, 0]))).toMatchObject({ code: ErrorCode.BAD_PAYLOAD });
  });
  it('refuses OPEN payloads that are not valid, strict JSON objects', () => {
    const open = (json: string) => err(Uint8Array.from([Op.OPEN, 0, 0, 0, 1, ...new TextEncoder().encode(json)]));
    expect(open('{"cols":80').code).toBe(ErrorCode.BAD_PAYLOAD);
    expect(open('[]').code).toBe(ErrorCode.BAD_PAYLOAD);
    expect(open('{"workspace":"w","session":"s","cols":80,"rows":24}').code).toBe(ErrorCode.BAD_PAYLOAD);
    expect(open('{"cols":80,"rows":24}').code).toBe(ErrorCode.BAD_PAYLOAD);
    expect(open('{"workspace":"w","cols":80,"rows":24,"admin":true}').code).toBe(ErrorCode.BAD_PAYLOAD);
    expect(open('{"session":"../x","cols":80,"rows":24}').code).toBe(ErrorCode.BAD_PAYLOAD);
    expect(open('{"workspace":"w","cols":"80","rows":24}').code).toBe(ErrorCode.BAD_PAYLOAD);
    expect(err(Uint8Array.from([Op.OPEN, 0, 0, 0, 1, 0xff, 0xfe])).code).toBe(ErrorCode.BAD_PAYLOAD);
  });
});

describe('randomized decoding', () => {
  // Deterministic PRNG so a failure reproduces.
  let seed = 0x9e3779b9;
  const rnd = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  const valid = (): Uint8Array => {
    const pick = Math.floor(rnd() * 10);
    const ch = 1 + Math.floor(rnd() * 1000);
    switch (pick) {
      case 0: return encodeHello({ v: 1 });
      case 1: return encodeOpen(ch, { workspace: 'w', cols: 80, rows: 24, command: 'echo hi' });
      case 2: return encodeOpen(ch, { session: 'abc', cols: 80, rows: 24, resumeFrom: 5 });
      case 3: return encodeInput(ch, new Uint8Array(Math.floor(rnd() * 64)).map(() => rnd() * 256));
      case 4: return encodeResize(ch, 80, 24);
      case 5: return encodeAck(ch, Math.floor(rnd() * 1e9));
      case 6: return encodeDetach(ch);
      case 7: return encodeKill(ch);
      case 8: return encodePing(new Uint8Array([1, 2, 3]));
      default: return encodeOutput(ch, 7, new Uint8Array([1, 2]));
    }
  };
  const mutate = (f: Uint8Array): Uint8Array => {
    const kind = Math.floor(rnd() * 4);
    if (kind === 0) return f.subarray(0, Math.floor(rnd() * f.byteLength)); // truncated
    if (kind === 1) {
      const g = f.slice();
      const flips = 1 + Math.floor(rnd() * 4);
      for (let i = 0; i < flips; i++) g[Math.floor(rnd() * g.byteLength)]! ^= 1 << Math.floor(rnd() * 8);
      return g;
    }
    if (kind === 2) return new Uint8Array(Math.floor(rnd() * 40)).map(() => rnd() * 256); // random
    const g = new Uint8Array(f.byteLength + Math.floor(rnd() * 8)); // trailing garbage
    g.set(f);
    return g;
  };

  it('never throws on 20,000 random, truncated or bit-flipped frames and always names a code', () => {
    const codes = new Set<string>(Object.values(ErrorCode));
    let refused = 0;
    for (let i = 0; i < 20_000; i++) {
      const bytes = mutate(valid());
      for (const decode of [decodeClientFrame, decodeServerFrame] as const) {
        let r: ReturnType<typeof decode> | undefined;
        expect(() => (r = decode(bytes))).not.toThrow();
        if (r && !r.ok) {
          refused++;
          expect(codes.has(r.error.code)).toBe(true);
          expect(r.error.channel).toBeGreaterThanOrEqual(0);
          expect(r.error.message.length).toBeGreaterThan(0);
        }
      }
    }
    expect(refused).toBeGreaterThan(10_000);
  });
});
