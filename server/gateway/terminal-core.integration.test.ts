/**
 * The terminal core in the default configuration (local terminals in the pty host), over the
 * wire protocol: who answers a terminal's queries, no gateway-wide ceiling on local terminals,
 * exact resume right after a gateway restart, and a guest that stops reading never slowing the
 * owner down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodeAnswer } from '../../lib/protocol';
import { startGatewayProcess, type GatewayProcess } from '../../scripts/bench/gateway-process';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { trpcCall } from '../testing/trpc-call';
import { GatewayClient } from '../testing/ws-client';

let gw: TestGateway;
let workspace: string;

beforeAll(async () => {
  // Default limits but for the per-user cap, so one user can hold 80 terminals at once.
  gw = await startTestGateway({ ptyHost: true, limits: { maxSessionsPerUser: 100 } });
  workspace = (await gw.tether.workspaces.create(gw.adminId, 'core')).id;
});
afterAll(async () => {
  await gw?.dispose();
});

/** Joins a share link of `sessionId` with `scope` and returns the guest's socket. */
async function guestOf(sessionId: string, scope: 'view' | 'drive', autoAck = true): Promise<GatewayClient> {
  const share = await trpcCall<{ id: string; path: string }>(gw.url, 'shares.create', {
    token: gw.token,
    mutation: true,
    input: { workspaceId: workspace, sessionId, scope },
  });
  expect(share.error).toBeUndefined();
  const res = await fetch(gw.url + share.data!.path, { redirect: 'manual' });
  const cookie = res.headers.get('set-cookie')!.split(';')[0]!;
  return GatewayClient.connect(gw.url, { cookie, path: `/shared/${share.data!.id}/ws`, autoAck });
}

/** A raw-mode program that prints `GOT <hex>` for every read. */
const READER = `python3 -u -c "
import os, tty
tty.setraw(0)
os.write(1, b'READY\\r\\n')
while True:
    os.write(1, b'GOT ' + os.read(0, 4096).hex().encode() + b'\\r\\n')
"`;

const hex = (s: string) => Buffer.from(s).toString('hex');

describe('answers to terminal queries', () => {
  it('reach the program once, from the viewer that drives — never from another tab or a guest', async () => {
    const a = await GatewayClient.connect(gw.url, { token: gw.token });
    const { session } = await a.open(1, { workspace, cols: 80, rows: 24, command: READER });
    await a.until(() => a.text(1).includes('READY'), 15_000, 'the reader');
    const b = await GatewayClient.connect(gw.url, { token: gw.token });
    await b.open(1, { session, cols: 80, rows: 24 });
    const guest = await guestOf(session, 'drive');
    await guest.open(1, { session, cols: 80, rows: 24 });

    // b attached last: it drives. Every viewer's emulator answers; only b's reaches the program.
    for (const [c, answer] of [[a, 'A'], [guest, 'G'], [b, 'B']] as const) c.sendRaw(encodeAnswer(1, answer));
    await a.until(() => a.text(1).includes(`GOT ${hex('B')}`), 10_000, "b's answer");
    // a types: now a drives, and only a's answers count.
    a.input(1, 'x');
    await a.until(() => a.text(1).includes(`GOT ${hex('x')}`), 10_000, "a's input");
    for (const [c, answer] of [[b, 'C'], [guest, 'H'], [a, 'D']] as const) c.sendRaw(encodeAnswer(1, answer));
    await a.until(() => a.text(1).includes(`GOT ${hex('D')}`), 10_000, "a's answer");
    // A guest's typed input still arrives (drive scope); its answers never do, even alone.
    await a.close();
    await b.close();
    guest.input(1, 'y');
    await guest.until(() => guest.text(1).includes(`GOT ${hex('y')}`), 10_000, "the guest's input");
    guest.sendRaw(encodeAnswer(1, 'I'));
    guest.input(1, 'z');
    await guest.until(() => guest.text(1).includes(`GOT ${hex('z')}`), 10_000, "the guest's second input");

    const got = [...guest.text(1).matchAll(/GOT ([0-9a-f]+)/g)].map((m) => Buffer.from(m[1]!, 'hex').toString());
    expect(got).toEqual(['B', 'x', 'D', 'y', 'z']);
    guest.kill(1);
    await guest.close();
    gw.tether.sessions.getForUser(session, gw.adminId)?.kill();
  });
});

describe('local terminals in the pty host', () => {
  it('are limited per user and per browser socket, not by the gateway link: 80 open, 80 killed, 80 open again', async () => {
    const sockets = await Promise.all([0, 1].map(() => GatewayClient.connect(gw.url, { token: gw.token })));
    const openAll = async (base: number) =>
      Promise.all(
        sockets.flatMap((c) => Array.from({ length: 40 }, (_, i) => c.open(base + i, { workspace, cols: 80, rows: 24, command: 'sleep 600' }))),
      );
    for (const round of [1, 2]) {
      const base = round * 100;
      const opened = await openAll(base);
      expect(new Set(opened.map((o) => o.session)).size).toBe(80);
      expect(gw.tether.sessions.running).toBeGreaterThanOrEqual(80);
      for (const c of sockets) for (let i = 0; i < 40; i++) c.kill(base + i);
      await Promise.all(sockets.map((c) => c.until(() => Array.from({ length: 40 }, (_, i) => c.channel(base + i).exit).every(Boolean), 30_000, 'exits')));
      // Forget the exited sessions too (KILL on an exited session), as a browser closing tabs does.
      for (const c of sockets) for (let i = 0; i < 40; i++) c.kill(base + i);
    }
    await Promise.all(sockets.map((c) => c.close()));
  });
});

describe('a guest that stops reading', () => {
  it('never holds the owner back: the owner gets all of `seq 1 3000000`, the guest is caught up with a snapshot', async () => {
    const owner = await GatewayClient.connect(gw.url, { token: gw.token, keepData: false });
    const { session } = await owner.open(1, { workspace, cols: 80, rows: 24, command: 'sleep 1; seq 1 3000000' });
    const guest = await guestOf(session, 'view', false);
    await guest.open(1, { session, cols: 80, rows: 24 });
    const total = Array.from({ length: 3_000_000 }, (_, i) => String(i + 1).length + 2).reduce((n, x) => n + x, 0); // "\r\n"
    // Before: the owner stalled after ~1 MB until the guest's socket closed.
    await owner.until(() => owner.channel(1).exit !== undefined, 60_000, "the owner's output");
    expect(owner.channel(1).bytes).toBe(total);
    expect([owner.channel(1).gaps, owner.channel(1).duplicateBytes]).toEqual([0, 0]);
    // The guest got a window's worth, then nothing while it did not read.
    expect(guest.channel(1).bytes).toBeLessThanOrEqual(gw.tether.sessions.getForUser(session, gw.adminId)!.ring.capacity);
    // Reading again, it is told to reset and gets the tail (ending with the last line) and EXIT.
    guest.ack(1, guest.channel(1).received);
    await guest.until(() => guest.channel(1).opened?.snapshot === true, 10_000, 'the reset');
    guest.autoAck = true;
    guest.ack(1, guest.channel(1).received);
    await guest.until(() => guest.channel(1).exit !== undefined, 20_000, "the guest's EXIT");
    expect(guest.text(1).endsWith('2999999\r\n3000000\r\n')).toBe(true);
    await Promise.all([owner.close(), guest.close()]);
  });
});

describe('resuming right after a gateway restart', () => {
  const procs: GatewayProcess[] = [];
  afterAll(async () => {
    for (const g of procs.reverse()) await g.stop().catch(() => {});
  });

  /**
   * A gateway process with one terminal running `command`, killed (SIGKILL) once `ready` shows in
   * its output, and `between` later the next gateway on the same DATA_DIR, as `npm start` runs
   * them. Returns a socket to the new gateway, connected as soon as it listens.
   */
  async function acrossRestart(command: string, ready: string, between = 0) {
    const g1 = await startGatewayProcess({}, []);
    procs.push(g1);
    const a = await GatewayClient.connect(g1.url, { token: g1.token });
    const { session } = await a.open(1, { workspace: g1.workspace, cols: 80, rows: 24, command });
    await a.until(() => a.text(1).includes(ready), 60_000, ready);
    const received = a.channel(1).received;
    await g1.kill();
    await new Promise((r) => setTimeout(r, between));
    const g2 = await startGatewayProcess({}, [], g1);
    procs.push(g2);
    return { session, received, b: await GatewayClient.connect(g2.url, { token: g2.token }) };
  }

  it('is exact at once: a browser that reconnects the moment the URL is printed gets only the bytes after its offset', async () => {
    // ~6 MB of history: more than the gateway's ring, all of it in the pty host's. No waiting for
    // the re-adoption: the socket reconnects as soon as the gateway listens.
    const { session, received, b } = await acrossRestart('seq 1 800000; echo SEQ-DONE; exec cat', 'SEQ-DONE');
    const opened = await b.open(1, { session, cols: 80, rows: 24, resumeFrom: received });
    expect(opened).toMatchObject({ session, offset: received, snapshot: false });
    b.input(1, 'after-restart\r');
    await b.until(() => b.text(1).includes('after-restart\r\nafter-restart'), 20_000, 'the echo after the restart');
    // Exactly the bytes after `received`: the terminal's echo and cat's copy, nothing replayed.
    expect(b.text(1)).toBe('after-restart\r\nafter-restart\r\n');
    expect([b.channel(1).gaps, b.channel(1).duplicateBytes]).toEqual([0, 0]);
    b.kill(1);
    await b.close();
  });

  it('delivers the last output and the exit status of a terminal that ended while no gateway ran', async () => {
    // The program ends while no gateway is there; the pty host keeps its last words and exit.
    const { session, received, b } = await acrossRestart('echo STARTED; sleep 3; echo LAST-WORDS; exit 7', 'STARTED', 4000);
    expect(await b.open(1, { session, cols: 80, rows: 24, resumeFrom: received })).toMatchObject({ offset: received, snapshot: false });
    await b.until(() => b.channel(1).exit !== undefined, 20_000, 'the exit');
    expect(b.text(1)).toBe('LAST-WORDS\r\n');
    expect(b.channel(1).exit).toEqual({ code: 7, signal: null });
    await b.close();
  });
});
