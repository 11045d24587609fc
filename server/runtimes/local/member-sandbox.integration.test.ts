/**
 * A member's local terminals run in the sandbox (os/sandbox.ts), as `npm start` ships (pty host
 * on): the member's shell sees its own folder and the system's programs, never DATA_DIR (the
 * database, secrets, every other workspace) nor another member's folder; an admin's shell runs as
 * the gateway's OS user and sees them.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { probeSandbox } from '../../os/sandbox';
import { startTestGateway, type TestGateway } from '../../testing/test-gateway';
import { trpcCall } from '../../testing/trpc-call';
import { GatewayClient } from '../../testing/ws-client';

let gw: TestGateway;
const problem = await probeSandbox();

beforeAll(async () => {
  // Without bubblewrap this machine cannot give members a terminal at all: that is asserted below.
  gw = await startTestGateway({ ptyHost: true });
});
afterAll(async () => {
  await gw?.dispose();
});

async function member(name: string): Promise<string> {
  const created = await trpcCall<{ id: string }>(gw.url, 'users.create', { token: gw.token, mutation: true, input: { name, password: `${name}-password-1`, role: 'user' } });
  expect(created.error).toBeUndefined();
  return (await gw.tether.tokens.create(created.data!.id, 'test')).token;
}

async function workspace(token: string, name: string): Promise<{ id: string; root: string }> {
  const r = await trpcCall<{ id: string; root: string }>(gw.url, 'workspaces.create', { token, mutation: true, input: { name } });
  expect(r.error).toBeUndefined();
  return r.data!;
}

/** Run `command` in a new terminal of the workspace; its whole output once it exits. */
async function run(token: string, ws: string, command: string): Promise<{ text: string; error?: string }> {
  const c = await GatewayClient.connect(gw.url, { token });
  try {
    const opened = await c.open(1, { workspace: ws, cols: 200, rows: 24, command }).catch((err: Error) => err);
    if (opened instanceof Error) return { text: '', error: opened.message };
    await c.until(() => c.channel(1).exit !== undefined, 20_000, 'exit');
    return { text: c.text(1) };
  } finally {
    await c.close();
  }
}

it("confines a member's shell to its folder; an admin's shell is not confined", async () => {
  const aliceToken = await member('alice');
  const bobToken = await member('bob');
  const alice = await workspace(aliceToken, 'alice-ws');
  const bob = await workspace(bobToken, 'bob-ws');
  await writeFile(path.join(alice.root, 'secret.txt'), "alice's secret\n");
  const db = path.join(gw.dataDir, 'tether.db');
  const probe = (label: string, p: string) => `test -e '${p}' && echo ${label}=seen || echo ${label}=hidden`;
  const command = [probe('db', db), probe('alice', path.join(alice.root, 'secret.txt')), `echo mine > own.txt && cat own.txt`, 'id -u'].join('; ');

  if (problem) {
    // No sandbox here: a member gets no terminal, with the reason, rather than an unconfined one.
    const r = await run(bobToken, bob.id, command);
    expect(r.error).toMatch(/sandbox/);
    return;
  }
  const asBob = await run(bobToken, bob.id, command);
  expect(asBob.error).toBeUndefined();
  expect(asBob.text).toContain('db=hidden');
  expect(asBob.text).toContain('alice=hidden');
  expect(asBob.text).toContain('mine');

  const adminWs = await workspace(gw.token, 'admin-ws');
  const asAdmin = await run(gw.token, adminWs.id, command);
  expect(asAdmin.text).toContain('db=seen');
  expect(asAdmin.text).toContain('alice=seen');

  // Alice's own shell sees her file (the sandbox binds her folder).
  const asAlice = await run(aliceToken, alice.id, `cat secret.txt`);
  expect(asAlice.text).toContain("alice's secret");
});
