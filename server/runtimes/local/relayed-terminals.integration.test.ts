/**
 * Relayed terminals with the pty host on, as shipped once more terminals are open than the host
 * lends (here it lends none: TETHER_PTY_LEND_MAX=0): the host keeps each terminal's output in a
 * memfd (worker/ring-file.ts) and the gateway's session ring reads what the host relayed there
 * (host-ring.ts) instead of keeping a copy. Checked from outside: the gateway's ring holds its
 * capacity with almost no memory of its own; a second tab's replay, a resume from 1 MiB back and
 * the program's later output are exact; the file is closed here once the session is forgotten.
 */
import { readdirSync, readlinkSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ptyMasters } from '../../testing/pty-masters';
import { startTestGateway, type TestGateway } from '../../testing/test-gateway';
import { GatewayClient } from '../../testing/ws-client';

/** The pty host's ring files this process holds open. */
function ringFiles(): number {
  let n = 0;
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${fd}`).startsWith('/memfd:tether-ring')) n++;
    } catch {
      // closed meanwhile
    }
  }
  return n;
}

let gw: TestGateway;
let workspace: string;
const lendMax = process.env.TETHER_PTY_LEND_MAX;
beforeAll(async () => {
  process.env.TETHER_PTY_LEND_MAX = '0';
  gw = await startTestGateway({ ptyHost: true });
  workspace = (await gw.tether.workspaces.create(gw.adminId, 'relayed')).id;
});
afterAll(async () => {
  if (lendMax === undefined) delete process.env.TETHER_PTY_LEND_MAX;
  else process.env.TETHER_PTY_LEND_MAX = lendMax;
  await gw.tether.ptyHosts?.terminate();
  await gw.dispose();
});

describe('relayed terminals (pty host on, none lent)', () => {
  it("keep their output once, in the host's file: replay, resume and later output are exact", async () => {
    const before = ringFiles();
    const masters = ptyMasters('self');
    const N = 400_000; // ~2.7 MB, more than the gateway's ring holds
    const c = await GatewayClient.connect(gw.url, { token: gw.token });
    const opened = await c.open(1, { workspace, cols: 120, rows: 30, command: `seq 1 ${N}; read x; echo "got:$x"` });
    await c.until(() => c.text(1).includes(`\r\n${N}\r\n`), 60_000, 'the whole sequence');
    const all = Buffer.concat(c.channel(1).chunks);
    expect(ptyMasters('self')).toBe(masters); // relayed: not read here
    const ring = gw.tether.sessions.getForUser(opened.session, gw.adminId)!.ring;
    expect(ringFiles()).toBe(before + 1);
    expect(ring.size).toBe(ring.capacity);
    expect(ring.allocated).toBeLessThan(ring.capacity / 8);

    const d = await GatewayClient.connect(gw.url, { token: gw.token });
    const second = await d.open(1, { session: opened.session, cols: 120, rows: 30 });
    expect(second.snapshot).toBe(true);
    expect(second.offset).toBeGreaterThanOrEqual(all.byteLength - ring.capacity);
    await d.until(() => d.channel(1).bytes >= all.byteLength - second.offset, 10_000, 'the replay');
    expect(Buffer.concat(d.channel(1).chunks).equals(all.subarray(second.offset))).toBe(true);
    await d.close();

    const e = await GatewayClient.connect(gw.url, { token: gw.token });
    const from = all.byteLength - 1024 * 1024;
    expect(await e.open(1, { session: opened.session, cols: 120, rows: 30, resumeFrom: from })).toMatchObject({ offset: from, snapshot: false });
    await e.until(() => e.channel(1).bytes >= all.byteLength - from, 10_000, 'the resume');
    expect(Buffer.concat(e.channel(1).chunks).equals(all.subarray(from))).toBe(true);
    e.input(1, 'yes\r');
    await e.until(() => e.channel(1).exit !== undefined, 10_000, 'exit');
    await c.until(() => c.channel(1).exit !== undefined, 10_000, 'exit in the first tab');
    expect(c.text(1)).toContain('got:yes');
    expect(c.channel(1).gaps + c.channel(1).duplicateBytes).toBe(0);
    await e.close();
    await c.close();
    gw.tether.sessions.forget(opened.session);
    expect(ringFiles()).toBe(before);
  }, 120_000);

  it('many short programs: every byte of each, and no file left open once they are forgotten', async () => {
    const before = ringFiles();
    const c = await GatewayClient.connect(gw.url, { token: gw.token });
    const N = 30;
    const sessions: string[] = [];
    for (let i = 1; i <= N; i++) sessions.push((await c.open(i, { workspace, cols: 80, rows: 24, command: `seq 1 ${i * 300}` })).session);
    await c.until(() => sessions.every((_, i) => c.channel(i + 1).exit !== undefined), 30_000, 'every exit');
    for (let i = 1; i <= N; i++) {
      const nums = [...c.text(i).matchAll(/^(\d+)\r$/gm)].map((m) => Number(m[1]));
      expect(nums.length).toBe(i * 300);
      expect(nums.every((v, k) => v === k + 1)).toBe(true);
    }
    // Replayed from the files the ended terminals' rings kept.
    const d = await GatewayClient.connect(gw.url, { token: gw.token });
    await d.open(1, { session: sessions[N - 1]!, cols: 80, rows: 24, resumeFrom: 0 });
    await d.until(() => d.channel(1).exit !== undefined, 10_000, 'the replay');
    expect(Buffer.concat(d.channel(1).chunks).equals(Buffer.concat(c.channel(N).chunks))).toBe(true);
    await d.close();
    await c.close();
    for (const s of sessions) gw.tether.sessions.forget(s);
    expect(ringFiles()).toBe(before);
  }, 60_000);
});
