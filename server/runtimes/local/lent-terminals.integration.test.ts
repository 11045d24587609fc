/**
 * Lent terminals (lent-reader.ts, `terminals.lend`): with the pty host on, as shipped, the gateway
 * reads a local terminal's PTY itself. Checked from outside: this process (the gateway) holds
 * the terminal's PTY master while it runs and none once it ended; the output is exact and whole,
 * also what the program printed right before it exited; and when the gateway lets go, the host
 * takes in every byte the gateway read (a new link replays them all) and reads the terminal
 * again; so it does when a second link views the terminal, and both see everything from then on.
 * A gateway SIGKILLed while it reads: pty-host.integration.test.ts.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { silentLogger } from '../../log';
import { ptyMasters } from '../../testing/pty-masters';
import { startTestGateway, type TestGateway } from '../../testing/test-gateway';
import { until } from '../../testing/until';
import { GatewayClient } from '../../testing/ws-client';
import { connectDaemon } from '../agent/daemon-dir';
import { AgentClient } from '../agent/agent-client';

/** `seq`'s lines 1..n in order, nothing missing or repeated. */
function seqLines(text: string): { count: number; inOrder: boolean } {
  const nums = [...text.matchAll(/^(\d+)\r$/gm)].map((m) => Number(m[1]));
  return { count: nums.length, inOrder: nums.every((v, i) => v === i + 1) };
}

/** Memfds of a kind this process holds open: lent terminals' records, or the pty host's ring files. */
function memfds(kind: 'tether-lent-terminal' | 'tether-ring'): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).includes(`memfd:${kind}`)) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}
const records = () => memfds('tether-lent-terminal');

let gw: TestGateway;
let workspace: string;
beforeAll(async () => {
  gw = await startTestGateway({ ptyHost: true });
  workspace = (await gw.tether.workspaces.create(gw.adminId, 'lent')).id;
});
afterAll(async () => {
  await gw.tether.ptyHosts?.terminate();
  await gw.dispose();
});

describe('lent terminals (pty host on)', () => {
  it('the gateway reads the PTY itself; the output is whole, up to the last byte before EXIT', async () => {
    const before = ptyMasters('self');
    const N = 150_000;
    const c = await GatewayClient.connect(gw.url, { token: gw.token });
    await c.open(1, { workspace, cols: 120, rows: 30, command: `seq 1 ${N}; read x; echo "got:$x"; seq 1 2000 | tr -d '\\n'; exit 3` });
    await c.until(() => c.channel(1).received > 0 && c.text(1).includes(`\r\n${N}\r\n`), 60_000, 'the whole sequence');
    // The master is held here (the host lent it), besides the host's own.
    expect(ptyMasters('self')).toBe(before + 1);
    expect(seqLines(c.text(1))).toEqual({ count: N, inOrder: true });

    c.input(1, 'yes\r');
    await c.until(() => c.channel(1).exit !== undefined, 30_000, 'exit');
    expect(c.channel(1).exit).toEqual({ code: 3, signal: null });
    const text = c.text(1);
    expect(text).toContain('got:yes');
    // What it printed as it exited arrived before EXIT, all of it.
    expect(text.endsWith(Array.from({ length: 2000 }, (_, i) => i + 1).join(''))).toBe(true);
    expect(c.channel(1).gaps).toBe(0);
    expect(c.channel(1).duplicateBytes).toBe(0);
    // Given back, and closed here, once the program ended.
    await until(() => ptyMasters('self') === before, 'the lent descriptor closed', 5000);
    await c.close();
  }, 120_000);

  it("keeps a lent terminal's output once, in its record: a second tab's replay and a resume read it there, exactly", async () => {
    const N = 400_000; // ~2.7 MB, more than the ring holds
    const c = await GatewayClient.connect(gw.url, { token: gw.token });
    const opened = await c.open(1, { workspace, cols: 120, rows: 30, command: `seq 1 ${N}; read x; echo "got:$x"` });
    await c.until(() => c.text(1).includes(`\r\n${N}\r\n`), 60_000, 'the whole sequence');
    const all = Buffer.concat(c.channel(1).chunks);
    const session = gw.tether.sessions.getForUser(opened.session, gw.adminId)!;
    const ring = session.ring;
    // The ring holds its whole capacity, and almost none of it in memory of its own.
    expect(ring.size).toBe(ring.capacity);
    expect(ring.allocated).toBeLessThan(ring.capacity / 8);

    // A second tab: the retained tail, from a line start, the same bytes the first tab got there.
    const d = await GatewayClient.connect(gw.url, { token: gw.token });
    const second = await d.open(1, { session: opened.session, cols: 120, rows: 30 });
    expect(second.snapshot).toBe(true);
    await d.until(() => d.channel(1).bytes >= all.byteLength - second.offset, 10_000, 'the replay');
    expect(Buffer.concat(d.channel(1).chunks).equals(all.subarray(second.offset))).toBe(true);
    expect(second.offset).toBeGreaterThanOrEqual(all.byteLength - ring.capacity);
    await d.close();

    // A resume from 1 MiB back: exactly the bytes after it (the host relays it now: a second
    // link took it back, and what the gateway read is still in its ring).
    const e = await GatewayClient.connect(gw.url, { token: gw.token });
    const from = all.byteLength - 1024 * 1024;
    const resumed = await e.open(1, { session: opened.session, cols: 120, rows: 30, resumeFrom: from });
    expect(resumed).toMatchObject({ offset: from, snapshot: false });
    await e.until(() => e.channel(1).bytes >= all.byteLength - from, 10_000, 'the resume');
    expect(Buffer.concat(e.channel(1).chunks).equals(all.subarray(from))).toBe(true);
    e.input(1, 'yes\r');
    await e.until(() => e.text(1).includes('got:yes'), 10_000, 'the program goes on');
    await c.until(() => c.text(1).includes('got:yes'), 10_000, 'in the first tab too');
    expect(c.channel(1).gaps + c.channel(1).duplicateBytes).toBe(0);
    await e.close();
    await c.close();
  }, 120_000);

  it("keeps the record of a lent program that ended for its replay, and closes it once the session is forgotten", async () => {
    const before = records();
    const masters = ptyMasters('self');
    const c = await GatewayClient.connect(gw.url, { token: gw.token });
    const opened = await c.open(1, { workspace, cols: 120, rows: 30, command: 'read x; seq 1 50000' });
    await until(() => ptyMasters('self') === masters + 1, 'the terminal lent to the gateway', 5000);
    c.input(1, 'go\r');
    await c.until(() => c.channel(1).exit !== undefined, 30_000, 'exit');
    expect(seqLines(c.text(1))).toEqual({ count: 50_000, inOrder: true });
    await until(() => ptyMasters('self') === masters, 'given back', 5000);
    const session = gw.tether.sessions.getForUser(opened.session, gw.adminId)!;
    // Its ~290 KB are read from the record, not copied into the ring.
    expect(records()).toBe(before + 1);
    expect(session.ring.allocated).toBeLessThan(16 * 1024);
    const all = Buffer.concat(c.channel(1).chunks);
    await c.close();
    const d = await GatewayClient.connect(gw.url, { token: gw.token });
    await d.open(1, { session: opened.session, cols: 120, rows: 30, resumeFrom: 0 });
    await d.until(() => d.channel(1).exit !== undefined, 10_000, 'the replay and EXIT');
    expect(Buffer.concat(d.channel(1).chunks).equals(all)).toBe(true);
    await d.close();
    gw.tether.sessions.forget(opened.session);
    expect(records()).toBe(before);
  }, 60_000);

  it('programs that end right after they are lent all end, with all their output', async () => {
    const c = await GatewayClient.connect(gw.url, { token: gw.token });
    const N = 40;
    for (let i = 1; i <= N; i++) await c.open(i, { workspace, cols: 80, rows: 24, command: `seq 1 ${i * 50}` });
    await c.until(() => Array.from({ length: N }, (_, i) => c.channel(i + 1).exit).every((e) => e !== undefined), 30_000, 'every exit');
    for (let i = 1; i <= N; i++) {
      expect(seqLines(c.text(i))).toEqual({ count: i * 50, inOrder: true });
      expect(c.channel(i).exit).toEqual({ code: 0, signal: null });
    }
    await c.close();
  }, 60_000);

  it('a second link viewing the terminal on the host gets it back from the gateway: both see every byte from then on', async () => {
    const before = ptyMasters('self');
    const ringFiles = memfds('tether-ring');
    const c = await GatewayClient.connect(gw.url, { token: gw.token });
    const opened = await c.open(1, { workspace, cols: 120, rows: 30, command: 'read x; echo "first:$x"; read y; echo "second:$y"; sleep 30' });
    await until(() => ptyMasters('self') === before + 1, 'the terminal lent to the gateway', 5000);
    c.input(1, 'one\r');
    await c.until(() => c.text(1).includes('first:one'), 10_000, 'first');

    const base = path.join(gw.dataDir, 'pty-host');
    const [dir] = readdirSync(base);
    const host = new AgentClient({ dial: () => connectDaemon(path.join(base, dir!)), log: silentLogger, lostAfterMs: 5000, name: 'the pty host' });
    try {
      const seen: Buffer[] = [];
      const view = await host.openTerminal({ session: opened.session, cols: 120, rows: 30 }, { onData: (d) => seen.push(Buffer.from(d)), onAnnouncement: () => {}, onExit: () => {} });
      // The gateway gave it back (its descriptor closed), so the host relays to both links.
      await until(() => ptyMasters('self') === before, 'the terminal given back', 5000);
      await until(() => Buffer.concat(seen).toString().includes('first:one'), 'the replay on the second link', 5000);
      c.input(1, 'two\r');
      await c.until(() => c.text(1).includes('second:two'), 10_000, 'second, in the browser');
      await until(() => Buffer.concat(seen).toString().includes('second:two'), 'second, on the second link', 5000);
      // Relayed now: the gateway's ring reads the host's file of it (asked once output came).
      await until(() => memfds('tether-ring') === ringFiles + 1, "the host's ring file read here", 5000);
      expect(c.channel(1).gaps).toBe(0);
      expect(c.channel(1).duplicateBytes).toBe(0);
      expect(Buffer.concat(seen).equals(Buffer.concat(c.channel(1).chunks))).toBe(true);
      view.kill();
    } finally {
      host.dispose();
    }
    await c.close();
  }, 60_000);

  it("the host takes in what the gateway read when the gateway goes: a new link replays every byte, and the program goes on", async () => {
    const N = 100_000;
    const c = await GatewayClient.connect(gw.url, { token: gw.token });
    const opened = await c.open(1, { workspace, cols: 120, rows: 30, command: `seq 1 ${N}; read x; echo "got:$x"` });
    await c.until(() => c.text(1).includes(`\r\n${N}\r\n`), 60_000, 'the whole sequence');
    const got = Buffer.concat(c.channel(1).chunks);
    await c.close();
    // The gateway lets go of its host (as a gateway that stops does): the terminal is given back.
    gw.tether.ptyHosts!.dispose();

    const base = path.join(gw.dataDir, 'pty-host');
    const [dir] = readdirSync(base);
    const host = new AgentClient({ dial: () => connectDaemon(path.join(base, dir!)), log: silentLogger, lostAfterMs: 5000, name: 'the pty host' });
    try {
      const replay: Buffer[] = [];
      let exited: unknown;
      const view = await host.openTerminal({ session: opened.session, cols: 120, rows: 30 }, { onData: (d) => replay.push(Buffer.from(d)), onAnnouncement: () => {}, onExit: (e) => (exited = e) });
      expect(view.startOffset).toBe(0);
      await until(() => replay.reduce((n, d) => n + d.byteLength, 0) >= got.byteLength, 'the replay', 10_000);
      expect(Buffer.concat(replay).equals(got)).toBe(true);
      // The host reads it again: the program goes on.
      view.write(new TextEncoder().encode('yes\r'));
      await until(() => exited !== undefined, 'exit', 10_000);
      expect(Buffer.concat(replay).toString()).toContain('got:yes');
      expect(exited).toEqual({ code: 0, signal: null });
    } finally {
      host.dispose();
    }
  }, 120_000);
});
