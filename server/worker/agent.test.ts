/**
 * The worker agent on its own: authentication before the upgrade, garbage on the link, exact
 * resume of a terminal across a dropped link, a worker that disappears, and CALLs whose params
 * do not match their method's schema.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AGENT_WORKSPACE,
  AgentOp,
  PROTOCOL_VERSION,
  decodeReply,
  decodeServerFrame,
  encodeAck,
  encodeCall,
  encodeHello,
  encodeKill,
  encodeOpen,
  type AgentReplyBody,
} from '../../lib/protocol';
import { canTakeFds } from '../os/take-fd';
import { LentReader } from '../runtimes/local/lent-reader';
import { silentLogger } from '../log';
import { CloudRuntime } from '../runtimes/cloud/cloud-runtime';
import { startAgent, type Agent } from './agent';
import { until as pollUntil } from '../testing/until';

let dir: string;
let agent: Agent;
const secret = randomBytes(24).toString('base64url');

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tether-agent-'));
  agent = await startAgent({ root: dir, secret, host: '127.0.0.1', port: 0, log: silentLogger, env: { HOME: dir } });
});
afterAll(async () => {
  await agent?.close();
  await rm(dir, { recursive: true, force: true });
});

function upgradeStatus(headers: Record<string, string>): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(agent.url, { headers });
    ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', () => {});
  });
}

const until = (check: () => boolean | Promise<boolean>, what: string, ms = 20_000) => pollUntil(check, what, ms);

describe('worker agent', () => {
  it('refuses a missing or wrong secret before the upgrade; /healthz needs none', async () => {
    expect(await upgradeStatus({})).toBe(401);
    expect(await upgradeStatus({ authorization: `Bearer ${secret}x` })).toBe(401);
    expect(await upgradeStatus({ authorization: 'Bearer ' })).toBe(401);
    expect(await upgradeStatus({ authorization: `Bearer ${secret}` })).toBe(101);
    const res = await fetch(agent.url.replace('ws:', 'http:') + 'healthz');
    expect(await res.text()).toBe('ok');
  });

  it('stays up when fed garbage frames, and serves the next link', async () => {
    const ws = new WebSocket(agent.url, { headers: { authorization: `Bearer ${secret}` } });
    await new Promise((r) => ws.once('open', r));
    ws.send(encodeHello({ v: PROTOCOL_VERSION }));
    const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
    for (let i = 0; i < 300 && ws.readyState === WebSocket.OPEN; i++) {
      const junk = randomBytes(1 + (i % 40));
      if (i % 3 === 0) junk[0] = AgentOp.CALL; // malformed CALLs
      ws.send(junk);
      if (i % 50 === 0) ws.send('text is not the protocol');
    }
    expect(await closed).toBe(4400);
    const rt = new CloudRuntime({ endpoint: async () => ({ url: agent.url, secret }), id: 'cloud:t', log: silentLogger });
    expect((await rt.exec(['echo', 'still here'])).stdout.toString()).toBe('still here\n');
    await rt.dispose();
  });

  it('answers a CALL whose params do not match its method with bad_request, and serves the next one', async () => {
    const ws = new WebSocket(agent.url, { headers: { authorization: `Bearer ${secret}` } });
    await new Promise((r) => ws.once('open', r));
    await new Promise((r) => {
      ws.once('message', r); // HELLO_ACK
      ws.send(encodeHello({ v: PROTOCOL_VERSION }));
    });
    const replies = new Map<number, AgentReplyBody>();
    ws.on('message', (data: Buffer) => {
      const r = decodeReply(new Uint8Array(data));
      if (r) replies.set(r.id, r.body);
    });
    const send = (id: number, method: string, params: unknown) => ws.send(encodeCall(id, method as 'fs.stat', params as never));
    send(1, 'fs.stat', { path: 42 });
    send(2, 'exec', { argv: ['echo', 7] });
    send(3, 'fs.readChunk', {});
    send(4, 'fs.unwatch', 'no object');
    send(5, 'fs.nope', {});
    send(6, 'fs.stat', { path: '' });
    await until(() => replies.size === 6, 'six replies');
    for (const id of [1, 2, 3, 4]) {
      const r = replies.get(id)!;
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toEqual({ code: 'bad_request', message: expect.stringMatching(/^bad params for /) });
    }
    expect(replies.get(1)).toMatchObject({ error: { message: expect.stringMatching(/fs\.stat: path: /) } });
    expect(replies.get(5)).toEqual({ ok: false, error: { code: 'bad_request', message: 'unknown method "fs.nope"' } });
    expect(replies.get(6)).toMatchObject({ ok: true, result: { type: 'dir' } });
    ws.close();
  });

  it.runIf(canTakeFds())('a lend asked while output waits to be sent holds the output until it is sent, then lends', async () => {
    const ws = new WebSocket(agent.url, { headers: { authorization: `Bearer ${secret}` } });
    await new Promise((r) => ws.once('open', r));
    let highWater = 0;
    let received = 0;
    let acking = false;
    let reply: AgentReplyBody | null = null;
    ws.on('message', (data: Buffer) => {
      const bytes = new Uint8Array(data);
      const r = decodeReply(bytes);
      if (r) return void (reply = r.body);
      const f = decodeServerFrame(bytes);
      if (!f.ok) return;
      if (f.frame.type === 'hello_ack') highWater = f.frame.helloAck.limits.highWater;
      if (f.frame.type !== 'output') return;
      received = f.frame.offset + f.frame.data.byteLength;
      if (acking) ws.send(encodeAck(1, received));
    });
    ws.send(encodeHello({ v: PROTOCOL_VERSION }));
    await until(() => highWater > 0, 'HELLO_ACK');
    ws.send(encodeOpen(1, { workspace: AGENT_WORKSPACE, cols: 80, rows: 24, command: 'yes "a line of output, again and again" | head -c 20000000; sleep 60' }));
    // Nothing acknowledged: the agent sends up to its window, and what it reads after waits.
    await until(() => received >= highWater, 'a window of output');
    const reader = new LentReader();
    try {
      ws.send(encodeCall(1, 'terminals.lend', { channel: 1, record: reader.record }));
      await new Promise((r) => setTimeout(r, 200));
      expect(reply).toBeNull(); // waiting for the output to go, not refused as busy
      acking = true;
      ws.send(encodeAck(1, received));
      await until(() => reply !== null, 'the lend answered');
      expect(reply).toMatchObject({ ok: true, result: { pid: process.pid, offset: received } });
      ws.send(encodeKill(1));
    } finally {
      reader.stop();
      ws.close();
    }
  });

  it('resumes a terminal exactly across a dropped link', async () => {
    const rt = new CloudRuntime({ endpoint: async () => ({ url: agent.url, secret }), id: 'cloud:t', log: silentLogger });
    const p = await rt.openPty({ cols: 80, rows: 24, command: 'seq 1 200000' });
    const chunks: Buffer[] = [];
    let bytes = 0;
    p.onData((d) => {
      chunks.push(Buffer.from(d));
      bytes += d.byteLength;
    });
    const exit = new Promise((r) => p.onExit(r));
    p.pause(); // the agent stops at its high-water mark: the drop happens mid-output
    await until(() => bytes > 100_000, 'first output');
    rt.dropLink();
    await new Promise((r) => setTimeout(r, 300));
    p.resume();
    expect(await exit).toEqual({ code: 0, signal: null });
    const lines = Buffer.concat(chunks).toString().replace(/\r/g, '').trim().split('\n');
    expect(lines.length).toBe(200000);
    expect(lines.every((l, i) => l === String(i + 1))).toBe(true);
    await rt.dispose();
  });

  it('serves a link per gateway: two gateways view one terminal, and one carries on exactly when the other dies', async () => {
    const endpoint = async () => ({ url: agent.url, secret });
    const gwA = new CloudRuntime({ endpoint, id: 'cloud:a', log: silentLogger });
    const gwB = new CloudRuntime({ endpoint, id: 'cloud:b', log: silentLogger });
    // A shell that prints a numbered line per input line: what reaches it, and in what order, shows.
    const pa = await gwA.openPty({ cols: 80, rows: 24, command: 'while read l; do echo "got:$l"; done' });
    const seenA: Buffer[] = [];
    pa.onData((d) => seenA.push(Buffer.from(d)));
    const listed = (await gwB.runningTerminals()).find((t) => t.id === pa.sessionId);
    expect(listed).toBeDefined();
    const pb = await gwB.attachPty(listed!);
    expect(pb.sessionId).toBe(pa.sessionId);
    const seenB: Buffer[] = [];
    pb.onData((d) => seenB.push(Buffer.from(d)));
    pa.write(new TextEncoder().encode('one\n'));
    await until(() => Buffer.concat(seenA).includes('got:one') && Buffer.concat(seenB).includes('got:one'), 'both gateways see the output');
    // Gateway A goes away (its link closes): B's link stays and keeps serving the terminal.
    await gwA.dispose();
    pb.write(new TextEncoder().encode('two\n'));
    await until(() => Buffer.concat(seenB).includes('got:two'), 'B after A is gone');
    const text = Buffer.concat(seenB).toString();
    expect(text.match(/got:one/g)).toHaveLength(1);
    expect(text.match(/got:two/g)).toHaveLength(1);
    pb.kill();
    await gwB.dispose();
  });

  it('ends terminals as lost when the worker is gone', async () => {
    const own = await startAgent({ root: dir, secret, host: '127.0.0.1', port: 0, log: silentLogger, env: { HOME: dir } });
    let alive = true;
    const rt = new CloudRuntime({ endpoint: async () => (alive ? { url: own.url, secret } : null), id: 'cloud:gone', log: silentLogger });
    const p = await rt.openPty({ cols: 80, rows: 24 });
    const ended = new Promise<{ code: number | null; lost?: string }>((r) => p.onExit((e, lost) => r({ code: e.code, lost })));
    alive = false;
    await own.close();
    const t0 = Date.now();
    const end = await ended;
    expect(end.code).toBeNull();
    expect(end.lost).toMatch(/gone/);
    expect(Date.now() - t0).toBeLessThan(10_000);
    await rt.dispose();
  });
});
