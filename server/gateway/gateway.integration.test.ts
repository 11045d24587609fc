/**
 * The real gateway on port 0 with a temp DATA_DIR, driven by a Node ws client over the wire
 * protocol: authentication, multiplexing, detach/resume with exact offsets, limits, bad input.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  encodeAck,
  encodeDetach,
  encodeInput,
  encodeKill,
  encodeOpen,
  encodePing,
  encodeResize,
  Op,
} from '../../lib/protocol';
import { GatewayClient, upgradeStatus } from '../testing/ws-client';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';

const SEQ_LINES = 200_000;
const seqText = () => Array.from({ length: SEQ_LINES }, (_, i) => String(i + 1)).join('\n') + '\n';

// Every test runs against local terminals in the pty host (what `npm start` ships) and inside
// the gateway process (TETHER_PTY_HOST=off), so a defect of either cannot pass unseen.
describe.each([
  { mode: 'in the pty host (default)', ptyHost: true },
  { mode: 'in the gateway process', ptyHost: false },
])('local terminals $mode', ({ ptyHost }) => {
  let gw: TestGateway;
  let workspace: string;

  beforeAll(async () => {
    gw = await startTestGateway({ ptyHost });
    workspace = (await gw.tether.workspaces.create(gw.adminId, 'main')).id;
  });
  afterAll(async () => {
    await gw?.dispose();
  });

  describe('upgrade authentication', () => {
    it('refuses an upgrade without credentials with 401, before any WebSocket exists', async () => {
      expect(await upgradeStatus(gw.url, {})).toBe(401);
    });
    it('refuses a bad bearer token and a forged cookie with 401', async () => {
      expect(await upgradeStatus(gw.url, { token: 'tth_' + 'A'.repeat(43) })).toBe(401);
      expect(await upgradeStatus(gw.url, { token: 'not-a-token' })).toBe(401);
      expect(await upgradeStatus(gw.url, { cookie: 'next-auth.session-token=eyJhbGciOiJkaXIi.forged' })).toBe(401);
    });
    it('refuses cross-origin browsers with 403 even when authenticated', async () => {
      const host = new URL(gw.url).host;
      expect(await upgradeStatus(gw.url, { token: gw.token, origin: 'http://evil.example' })).toBe(403);
      expect(await upgradeStatus(gw.url, { token: gw.token, origin: 'null' })).toBe(403);
      expect(await upgradeStatus(gw.url, { token: gw.token, origin: `http://${host}.evil.example` })).toBe(403);
      expect(await upgradeStatus(gw.url, { token: gw.token, origin: `http://${host}` })).toBe(101);
      expect(await upgradeStatus(gw.url, { token: gw.token })).toBe(101);
    });
    it('accepts a revoked token no longer', async () => {
      const { token, info } = await gw.tether.tokens.create(gw.adminId, 'short-lived');
      expect(await upgradeStatus(gw.url, { token })).toBe(101);
      await gw.tether.tokens.revoke(gw.adminId, info.id);
      expect(await upgradeStatus(gw.url, { token })).toBe(401);
    });
  });

  describe('terminals over one socket', () => {
    it('multiplexes two terminals with interleaved output and keeps their bytes apart', async () => {
      const c = await GatewayClient.connect(gw.url, { token: gw.token });
      const cmd = (tag: string) => `for i in $(seq 1 300); do echo ${tag}-$i; done`;
      await c.open(1, { workspace, cols: 80, rows: 24, command: cmd('left') });
      await c.open(2, { workspace, cols: 80, rows: 24, command: cmd('right') });
      await c.until(() => c.channel(1).exit !== undefined && c.channel(2).exit !== undefined, 20_000, 'both exits');
      for (const [ch, tag] of [[1, 'left'], [2, 'right']] as const) {
        const lines = c.text(ch).replace(/\r/g, '').trim().split('\n');
        expect(lines).toEqual(Array.from({ length: 300 }, (_, i) => `${tag}-${i + 1}`));
        expect(c.channel(ch).exit).toEqual({ code: 0, signal: null });
        expect(c.channel(ch).duplicateBytes).toBe(0);
        expect(c.channel(ch).gaps).toBe(0);
      }
      await c.close();
    });

    it('delivers every byte of `seq 1 200000` exactly once across a dropped connection and resume', async () => {
      // No acks: the gateway stops at its high-water mark, so the drop happens mid-output.
      const a = await GatewayClient.connect(gw.url, { token: gw.token, autoAck: false });
      const opened = await a.open(1, { workspace, cols: 80, rows: 24, command: `seq 1 ${SEQ_LINES}` });
      await a.until(() => a.channel(1).bytes >= 256 * 1024, 20_000, 'first part of the output');
      const partial = a.channel(1);
      expect(partial.bytes).toBeLessThan(seqText().length); // really mid-stream
      a.drop();

      const b = await GatewayClient.connect(gw.url, { token: gw.token });
      const resumed = await b.open(7, { session: opened.session, cols: 80, rows: 24, resumeFrom: partial.received });
      expect(resumed).toMatchObject({ session: opened.session, offset: partial.received, snapshot: false });
      await b.until(() => b.channel(7).exit !== undefined, 30_000, 'EXIT after resume');

      const all = Buffer.concat([...partial.chunks, ...b.channel(7).chunks]).toString('utf8').replace(/\r\n/g, '\n');
      expect(all.length).toBe(seqText().length);
      expect(all === seqText()).toBe(true);
      expect(partial.duplicateBytes + b.channel(7).duplicateBytes).toBe(0);
      expect(partial.gaps + b.channel(7).gaps).toBe(0);
      await b.close();
    });

    it('keeps a detached session running and lets another connection attach to it', async () => {
      const a = await GatewayClient.connect(gw.url, { token: gw.token });
      const { session } = await a.open(1, { workspace, cols: 80, rows: 24 });
      a.detach(1);
      await a.close();
      const listed = gw.tether.sessions.listForWorkspace(gw.adminId, workspace).find((s) => s.id === session);
      expect(listed?.exited).toBeNull();

      const b = await GatewayClient.connect(gw.url, { token: gw.token });
      await b.open(3, { session, cols: 100, rows: 30, resumeFrom: 0 });
      b.input(3, 'echo attached-$((40+2))\r');
      await b.until(() => b.text(3).includes('attached-42'), 10_000, 'echo output');
      b.kill(3);
      await b.until(() => b.channel(3).exit !== undefined, 10_000, 'EXIT after KILL');
      expect(gw.tether.sessions.getForUser(session, gw.adminId)?.running).toBe(false);
      b.kill(3); // KILL on an exited session forgets it
      await expect.poll(() => gw.tether.sessions.getForUser(session, gw.adminId)).toBeNull();
      await b.close();
    });

    it('reports the window title a program sets, live and in the session list', async () => {
      const c = await GatewayClient.connect(gw.url, { token: gw.token });
      const opened = await c.open(1, { workspace, cols: 80, rows: 24, command: "printf 'x\\033]0;build: 3/7\\007y'; sleep 30" });
      const { session } = opened;
      // A title set before the channel was attached (the pty host can scan it first) is in OPENED;
      // one set later arrives as an event. Either way this viewer learns it.
      await c.until(() => opened.title === 'build: 3/7' || c.channel(1).events.some((e) => e.type === 'title'), 10_000, 'title');
      if (opened.title !== 'build: 3/7') expect(c.channel(1).events).toContainEqual({ type: 'title', title: 'build: 3/7' });
      expect(gw.tether.sessions.listForWorkspace(gw.adminId, workspace).find((s) => s.id === session)?.title).toBe('build: 3/7');
      const again = await GatewayClient.connect(gw.url, { token: gw.token });
      expect((await again.open(1, { session, cols: 80, rows: 24 })).title).toBe('build: 3/7');
      c.kill(1);
      await Promise.all([c.close(), again.close()]);
    });

    it('answers OPEN of an unknown or foreign session with not_found', async () => {
      const other = await gw.tether.users.create('other', 'other-password', 'user');
      const { token } = await gw.tether.tokens.create(other.id, 't');
      const owner = await GatewayClient.connect(gw.url, { token: gw.token });
      const { session } = await owner.open(1, { workspace, cols: 80, rows: 24, command: 'sleep 30' });
      const intruder = await GatewayClient.connect(gw.url, { token });
      await expect(intruder.open(1, { session, cols: 80, rows: 24 })).rejects.toThrow(/not_found/);
      await expect(intruder.open(2, { workspace, cols: 80, rows: 24 })).rejects.toThrow(/not_found/);
      owner.kill(1);
      await Promise.all([owner.close(), intruder.close()]);
    });

    it('sends a snapshot marker when the bytes to resume from were evicted', async () => {
      const small = await startTestGateway({ ptyHost, limits: { ringBytes: 64 * 1024 } });
      try {
        const ws = (await small.tether.workspaces.create(small.adminId, 'w')).id;
        const a = await GatewayClient.connect(small.url, { token: small.token });
        const { session } = await a.open(1, { workspace: ws, cols: 80, rows: 24, command: 'seq 1 50000' });
        await a.until(() => a.channel(1).exit !== undefined, 20_000, 'exit');
        const b = await GatewayClient.connect(small.url, { token: small.token });
        const opened = await b.open(1, { session, cols: 80, rows: 24, resumeFrom: 0 });
        expect(opened.snapshot).toBe(true);
        expect(opened.offset).toBeGreaterThan(0);
        await b.until(() => b.channel(1).exit !== undefined, 10_000, 'exit after snapshot');
        const text = b.text(1).replace(/\r/g, '');
        expect(text.endsWith('49999\n50000\n')).toBe(true);
        expect(text.split('\n')[0]).toMatch(/^\d+$/); // starts on a whole line
        await Promise.all([a.close(), b.close()]);
      } finally {
        await small.dispose();
      }
    });
  });

  describe('shutdown', () => {
    it('tells every client why (1001) and ends the terminal processes', async () => {
      const own = await startTestGateway({ ptyHost });
      const ws = (await own.tether.workspaces.create(own.adminId, 'w')).id;
      const c = await GatewayClient.connect(own.url, { token: own.token });
      await c.open(1, { workspace: ws, cols: 80, rows: 24, command: 'echo pid=$$; exec sleep 300' });
      await c.until(() => /pid=\d+/.test(c.text(1)), 10_000, 'pid');
      const pid = Number(/pid=(\d+)/.exec(c.text(1))![1]);
      await own.dispose();
      await c.until(() => c.closeInfo !== null, 5000, 'close');
      expect(c.closeInfo).toEqual({ code: 1001, reason: 'server shutting down' });
      expect(() => process.kill(pid, 0)).toThrow();
    });
  });

  describe('bad input and limits', () => {
    it('answers malformed frames with ERROR and keeps other channels working', async () => {
      const c = await GatewayClient.connect(gw.url, { token: gw.token });
      await c.open(1, { workspace, cols: 80, rows: 24 });
      c.sendRaw(new Uint8Array([0x42, 0, 0, 0, 1])); // unknown op on channel 1
      c.sendRaw(new Uint8Array([0x03, 0])); // truncated header
      c.sendRaw('{"hello":1}', false); // text frame
      c.sendRaw(new Uint8Array([Op.RESIZE, 0, 0, 0, 1, 0, 0, 0, 0])); // resize to 0x0
      c.sendRaw(new Uint8Array([Op.RESIZE, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff])); // 65535x65535
      c.sendRaw(Uint8Array.from([Op.OPEN, 0, 0, 0, 2, ...Buffer.from('{not json')]));
      c.sendRaw(encodeOpen(3, { workspace, cols: 80, rows: 24, extra: 1 } as never));
      c.sendRaw(encodeOpen(4, { workspace, cols: Number.NaN, rows: 24 })); // NaN → null in JSON
      c.input(9, 'x'); // channel never opened
      await c.until(() => c.channel(1).errors.length >= 3 && c.connectionErrors.length >= 2, 5000, 'errors');
      expect(c.channel(1).errors.map((e) => e.code)).toEqual(['unknown_op', 'bad_payload', 'bad_payload']);
      expect(c.connectionErrors.map((e) => e.code)).toEqual(['bad_frame', 'bad_frame']);
      await c.until(() => c.channel(2).errors.length === 1 && c.channel(3).errors.length === 1 && c.channel(4).errors.length === 1 && c.channel(9).errors.length === 1, 5000, 'more errors');
      expect(c.channel(4).errors[0]!.code).toBe('bad_payload');
      expect(c.channel(9).errors[0]!.code).toBe('unknown_channel');
      c.input(1, 'echo still-$((2*21))\r');
      await c.until(() => c.text(1).includes('still-42'), 10_000, 'channel 1 alive');
      expect(c.closeInfo).toBeNull();
      c.kill(1);
      await c.close();
    });

    it('survives random, truncated and bit-flipped frames: ERRORs, then 4400, and the session lives on', async () => {
      let seed = 12345;
      const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
      const frame = (): Uint8Array => {
        const ch = 2 + Math.floor(rnd() * 50);
        const base = [
          () => encodeOpen(ch, { workspace: 'nope', cols: 80, rows: 24 }),
          () => encodeInput(ch, 'x'),
          () => encodeResize(ch, 80, 24),
          () => encodeAck(ch, 10),
          () => encodeDetach(ch),
          () => encodeKill(ch),
          () => encodePing(new Uint8Array([1])),
          () => new Uint8Array(Math.floor(rnd() * 30)).map(() => rnd() * 256),
        ][Math.floor(rnd() * 8)]!();
        const f = base.slice(0, rnd() < 0.3 ? Math.floor(rnd() * base.length) : base.length);
        if (f.length > 0 && rnd() < 0.5) f[Math.floor(rnd() * f.length)]! ^= 1 << Math.floor(rnd() * 8);
        return f;
      };
      const touchesChannel1 = (f: Uint8Array) => f.length >= 5 && new DataView(f.buffer, f.byteOffset).getUint32(1) === 1;
      const c = await GatewayClient.connect(gw.url, { token: gw.token });
      const { session } = await c.open(1, { workspace, cols: 80, rows: 24 });
      // Below the bad-frame budget: every bad frame costs an ERROR, channel 1 keeps working.
      let sent = 0;
      while (sent < 90) {
        const f = frame();
        if (touchesChannel1(f)) continue;
        c.sendRaw(f);
        sent++;
      }
      c.input(1, 'echo fuzz-$((6*7))\r');
      await c.until(() => c.text(1).includes('fuzz-42'), 10_000, 'channel 1 after fuzzing');
      const errors = c.connectionErrors.length + [...c.channels.entries()].filter(([id]) => id !== 1).reduce((n, [, ch]) => n + ch.errors.length, 0);
      expect(errors).toBeGreaterThan(30);
      expect(c.closeInfo).toBeNull();
      // Past the budget the connection is closed with 4400 — the session is not harmed.
      for (let i = 0; i < 300 && !c.closeInfo; i++) c.sendRaw(new Uint8Array([0xee, 0, 0, 0, 9]));
      await c.until(() => c.closeInfo !== null, 5000, 'close');
      expect(c.closeInfo!.code).toBe(4400);
      const again = await GatewayClient.connect(gw.url, { token: gw.token });
      await again.open(1, { session, cols: 80, rows: 24, resumeFrom: 0 });
      await again.until(() => again.text(1).includes('fuzz-42'), 10_000, 'replay after reconnect');
      again.kill(1);
      await again.close();
    });

    it('closes with 1009 on a frame over 1 MiB', async () => {
      const c = await GatewayClient.connect(gw.url, { token: gw.token });
      c.sendRaw(new Uint8Array(1024 * 1024 + 16));
      await c.until(() => c.closeInfo !== null, 5000, 'close');
      expect(c.closeInfo!.code).toBe(1009);
    });

    it('closes with 4400 when the first frame is not HELLO', async () => {
      const { default: WebSocket } = await import('ws');
      const ws = new WebSocket(gw.url.replace('http', 'ws') + '/ws', { headers: { authorization: `Bearer ${gw.token}` } });
      await new Promise((r) => ws.once('open', r));
      const closed = new Promise<number>((r) => ws.once('close', (code) => r(code)));
      ws.send(encodeOpen(1, { workspace, cols: 80, rows: 24 }));
      expect(await closed).toBe(4400);
    });

    it('enforces channels per connection and sessions per user with a clear ERROR', async () => {
      const limited = await startTestGateway({ ptyHost, limits: { maxChannelsPerConnection: 2, maxSessionsPerUser: 3 } });
      try {
        const ws = (await limited.tether.workspaces.create(limited.adminId, 'w')).id;
        const a = await GatewayClient.connect(limited.url, { token: limited.token });
        await a.open(1, { workspace: ws, cols: 80, rows: 24, command: 'sleep 30' });
        await a.open(2, { workspace: ws, cols: 80, rows: 24, command: 'sleep 30' });
        await expect(a.open(3, { workspace: ws, cols: 80, rows: 24 })).rejects.toThrow(/limit.*per connection/);
        const b = await GatewayClient.connect(limited.url, { token: limited.token });
        await b.open(1, { workspace: ws, cols: 80, rows: 24, command: 'sleep 30' });
        await expect(b.open(2, { workspace: ws, cols: 80, rows: 24 })).rejects.toThrow(/limit.*3 running terminals/);
        await Promise.all([a.close(), b.close()]);
      } finally {
        await limited.dispose();
      }
    });

    it('refuses a working directory outside the workspace', async () => {
      const c = await GatewayClient.connect(gw.url, { token: gw.token });
      await expect(c.open(1, { workspace, cols: 80, rows: 24, cwd: '../..' })).rejects.toThrow(/bad_payload.*\.\./);
      await expect(c.open(2, { workspace, cols: 80, rows: 24, cwd: '/etc' })).rejects.toThrow(/bad_payload/);
      await c.close();
    });

    it('delivers all 64 KiB of a program that prints them and exits at once, before EXIT', async () => {
      const c = await GatewayClient.connect(gw.url, { token: gw.token });
      await c.open(1, { workspace, cols: 80, rows: 24, command: "head -c 65536 /dev/zero | tr '\\0' x" });
      await c.until(() => c.channel(1).exit !== undefined, 10_000, 'exit');
      expect(c.channel(1).exit).toEqual({ code: 0, signal: null });
      expect(c.text(1).replace(/[^x]/g, '').length).toBe(65536);
      expect([c.channel(1).gaps, c.channel(1).duplicateBytes]).toEqual([0, 0]);
      await c.close();
    });

    it('answers PING with PONG carrying the same bytes', async () => {
      const c = await GatewayClient.connect(gw.url, { token: gw.token });
      const got = new Promise<Buffer>((resolve) =>
        c.ws.on('message', (d: Buffer) => {
          if (d[0] === Op.PONG) resolve(d.subarray(5));
        }),
      );
      c.ping(new Uint8Array([1, 2, 3, 250]));
      expect([...(await got)]).toEqual([1, 2, 3, 250]);
      await c.close();
    });
  });
});
