/**
 * A browser socket for testing a Connection on its own: it records the OUTPUT frames it is given,
 * and how they would be written — a write per frame sent uncorked, one per cork for the frames
 * sent under it. `stuck`: it never reports a frame written (a reader that has stopped), so what
 * was sent stays queued against the socket's high-water mark.
 */
import { EventEmitter } from 'node:events';
import { expect } from 'vitest';
import { PROTOCOL_VERSION, decodeServerFrame, encodeHello, encodeOpen } from '../../lib/protocol';
import type { ConnectionLimits } from '../core/connection';
import { Connection } from '../core/connection';
import { createLogger } from '../log';
import type { EchoPty } from '../runtimes/echo/echo-runtime';
import { echoSessions } from './echo-sessions';

export class TestSocket extends EventEmitter {
  /** OUTPUT frames, in order: `write` numbers the socket write each went out in. */
  outputs: { channel: number; bytes: number; corked: boolean; write: number }[] = [];
  /** Every frame's type, in order. */
  frames: string[] = [];
  corks = 0;
  writes = 0;
  private depth = 0;
  private wroteUnderCork = false;

  constructor(private readonly opts: { stuck?: boolean } = {}) {
    super();
  }

  send(data: Uint8Array, _opts?: unknown, cb?: (err?: Error) => void) {
    if (this.depth === 0 || !this.wroteUnderCork) this.writes++;
    if (this.depth > 0) this.wroteUnderCork = true;
    const d = decodeServerFrame(data);
    if (d.ok) {
      this.frames.push(d.frame.type);
      if (d.frame.type === 'output') this.outputs.push({ channel: d.frame.channel, bytes: d.frame.data.byteLength, corked: this.depth > 0, write: this.writes });
    }
    if (!this.opts.stuck) cb?.();
  }
  cork() {
    this.corks++;
    if (this.depth++ === 0) this.wroteUnderCork = false;
  }
  uncork() {
    this.depth--;
  }
  close() {}
  terminate() {}
  receive(frame: Uint8Array) {
    this.emit('message', Buffer.from(frame), true);
  }
}

/** A Connection over `ws` with `n` channels open on echo PTYs (channels 1…n), past their OPENED. */
export async function echoChannels(n: number, limits: ConnectionLimits & { ringBytes: number }, ws = new TestSocket()) {
  const { source, ptys } = echoSessions(limits);
  new Connection(ws as never, { id: 'u', name: 'u' }, source, limits, createLogger({ write: () => {} }));
  ws.receive(encodeHello({ v: PROTOCOL_VERSION }));
  for (let i = 1; i <= n; i++) ws.receive(encodeOpen(i, { workspace: 'w', cols: 80, rows: 24 }));
  await expect.poll(() => ptys.length).toBe(n);
  await new Promise((r) => setImmediate(r));
  ws.outputs = [];
  ws.frames = [];
  return { ws, ptys: ptys as EchoPty[] };
}
