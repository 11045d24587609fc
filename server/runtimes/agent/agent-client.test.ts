/** AgentClient.call checks each result against its method's schema at the link edge. */
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AgentOp, PROTOCOL_VERSION, decodeCall, encodeHelloAck, encodeReply } from '../../../lib/protocol';
import { silentLogger } from '../../log';
import { AgentClient } from './agent-client';
import type { LinkSocket } from './framed-stream';

/** A link to an agent that answers every CALL with `answer(method)`. */
function fakeLink(answer: (method: string) => unknown): LinkSocket {
  const link = new EventEmitter() as EventEmitter & LinkSocket;
  const deliver = (frame: Uint8Array) => queueMicrotask(() => link.emit('message', Buffer.from(frame), true));
  link.send = (data: Uint8Array) => {
    if (data[0] !== AgentOp.CALL) return deliver(encodeHelloAck({ v: PROTOCOL_VERSION, user: { id: 'gateway', name: 'gateway' }, limits: { maxFrameBytes: 1 << 20, highWater: 1 << 20, lowWater: 0 } }));
    const call = decodeCall(data)!;
    deliver(encodeReply(call.id, { ok: true, result: answer(call.body.method) }, new Uint8Array([7])));
  };
  link.close = () => link.emit('close');
  link.terminate = () => link.emit('close');
  return link;
}

function client(answer: (method: string) => unknown): AgentClient {
  return new AgentClient({ dial: async () => fakeLink(answer), log: silentLogger, lostAfterMs: 1000, name: 'the fake agent' });
}

describe('AgentClient.call', () => {
  it('answers a result that matches the method, typed, with the tail', async () => {
    const c = client(() => ({ eof: false }));
    const r = await c.call('fs.readChunk', { handle: 1 });
    expect(r.result.eof).toBe(false);
    expect([...r.tail]).toEqual([7]);
    c.dispose();
  });

  it('fails a call whose result does not match (bad_reply), instead of passing it on', async () => {
    const c = client((m) => (m === 'agent.info' ? { pid: 'not a number' } : [{ name: 'a', type: 'folder' }]));
    await expect(c.call('agent.info', {})).rejects.toMatchObject({ code: 'bad_reply', message: expect.stringMatching(/^the fake agent answered bad result for agent\.info: pid: /) });
    await expect(c.call('fs.readdir', { path: '' })).rejects.toMatchObject({ code: 'bad_reply' });
    c.dispose();
  });
});
