/**
 * The two-user isolation walk (issue 21, roles): against one real gateway, a second member (bob)
 * reaches for everything of the first member (alice) — every tRPC procedure of appRouter (the table
 * in isolation-cases.ts; a procedure without a line fails here and says what to add), every client
 * op of the `/ws` protocol, and the HTTP routes that take an id. What bob gets for alice's real id
 * must be exactly what he gets for an id that exists nowhere, so ids cannot be probed; admin-only
 * things refuse members with 403; and bob's own things keep working, so the walk cannot pass by
 * everything failing. At the end alice's things are all still there, untouched.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { utils as sshUtils } from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Op, encodeAck, encodeAnswer, encodeDetach, encodeHello, encodeInput, encodeKill, encodePing, encodeResize } from '../../lib/protocol';
import { randomId } from '../../lib/shared/ids';
import { HttpSession } from '../testing/http-session';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { trpcCall } from '../testing/trpc-call';
import { callProcedure, refusal, unechoed, type Answer, type Caller, type ProcType } from '../testing/walk-calls';
import { GatewayClient, upgradeStatus, type ConnectOptions } from '../testing/ws-client';
import { GUEST_COOKIE } from '../sharing/share-service';
import { CASES, type Case, type Ids } from './isolation-cases';
import { appRouter } from './router';

interface Member {
  name: string;
  token: string;
  ids: Ids;
  root: string;
  /** A socket of this member with a `cat` terminal open on channel 1. */
  socket: GatewayClient;
  /** A guest of this member's workspace share (drive), as that guest calls. */
  guest: { cookie: string; prefix: string };
}

let gw: TestGateway;
let alice: Member;
let bob: Member;
/** Ids of nothing: what bob's answers on alice's ids are compared with. */
let missing: Ids;

/** Every procedure by its dotted path (tRPC keeps them flat here; its type says nested). */
const procedures = appRouter._def.procedures as unknown as Record<string, { _def: { type: ProcType } }>;
const privateKey = sshUtils.generateKeyPairSync('ed25519').private;
const call = (who: Caller, path: string, type: ProcType, input: unknown, quietMs?: number): Promise<Answer> => callProcedure(gw.url, who, path, type, input, quietMs);

/** Everything that names alice or one of her things. */
function alicesMarks(): string[] {
  return [...Object.values(alice.ids), 'alice'].filter((s) => s.length >= 5 || s === 'alice');
}
function expectNothingOfAlice(answer: Answer, what: string): void {
  const text = JSON.stringify(answer);
  for (const mark of alicesMarks()) expect(text.includes(mark), `${what} shows "${mark}" of alice: ${text.slice(0, 400)}`).toBe(false);
}

async function member(name: string): Promise<{ id: string; token: string }> {
  const created = await trpcCall<{ id: string }>(gw.url, 'users.create', { token: gw.token, mutation: true, input: { name, password: `${name}-password-1`, role: 'user' } });
  expect(created.error).toBeUndefined();
  return { id: created.data!.id, token: (await gw.tether.tokens.create(created.data!.id, 'walk')).token };
}

/** A member with one of everything: workspace (local, and cloud with its worker), file, SSH host
 * record, token, terminal, share, guest, migration, mirror. */
async function furnish(name: string): Promise<Member> {
  const { id: user, token } = await member(name);
  const ok = async <T>(path: string, input: unknown, mutation = true): Promise<T> => {
    const r = await trpcCall<T>(gw.url, path, { token, input, mutation });
    expect(r.error, `${name}: ${path}`).toBeUndefined();
    return r.data!;
  };
  const ws = await ok<{ id: string; root: string }>('workspaces.create', { name: `${name}-ws` });
  const cloud = await ok<{ id: string; workerId: string }>('workspaces.create', { name: `${name}-cloud`, cloud: { size: 'small' } });
  const file = `secret-${name}.txt`;
  await writeFile(path.join(ws.root, file), `${name}'s secret\n`);
  const host = await ok<{ id: string }>('hosts.add', { spec: `${name}@127.0.0.1:1`, name: `${name}-host`, auth: 'key', privateKey });
  const apiToken = await ok<{ info: { id: string } }>('tokens.create', { name: `${name}-token` });
  const socket = await GatewayClient.connect(gw.url, { token });
  const opened = await socket.open(1, { workspace: ws.id, cols: 80, rows: 24, command: 'cat' });
  const share = await ok<{ id: string; path: string }>('shares.create', { workspaceId: ws.id, scope: 'drive', label: `${name}-share` });
  const joined = await gw.tether.shares.join(share.path.split('/').pop()!, '127.0.0.1');
  if (!joined.ok) throw new Error(`joining ${name}'s share: ${joined.denial}`);
  // A migration of a second workspace (no terminals to disturb) to the host; it fails quickly (port 1).
  const moving = await ok<{ id: string }>('workspaces.create', { name: `${name}-moving` });
  const migration = await ok<{ id: string }>('migration.start', { workspaceId: moving.id, target: { kind: 'ssh', hostId: host.id } });
  // A live mirror between a third (empty) local workspace and the cloud one.
  const mirrored = await ok<{ id: string }>('workspaces.create', { name: `${name}-mirrored` });
  const mirror = await ok<{ id: string }>('mirrors.create', { workspaceId: mirrored.id, peerWorkspaceId: cloud.id });
  // A sign-in session (the browser's kind, besides the API token the walk calls with).
  const browser = new HttpSession(gw.url);
  expect(await browser.login(name, `${name}-password-1`)).not.toContain('error=');
  const signIns = await ok<{ id: string }[]>('account.sessions', undefined, false);
  return {
    name,
    token,
    root: ws.root,
    socket,
    guest: { cookie: `${GUEST_COOKIE}=${joined.value.cookie}`, prefix: `/shared/${share.id}` },
    ids: {
      user,
      workspace: ws.id,
      cloudWorkspace: cloud.id,
      worker: cloud.workerId,
      session: opened.session,
      host: host.id,
      token: apiToken.info.id,
      share: share.id,
      guest: joined.value.principal.guest.id,
      migration: migration.id,
      mirror: mirror.id,
      signIn: signIns[0]!.id,
      file,
      absFile: path.join(ws.root, file),
    },
  };
}

beforeAll(async () => {
  gw = await startTestGateway();
  [alice, bob] = await Promise.all([furnish('alice'), furnish('bob')]);
  missing = {
    user: randomId(),
    workspace: randomId(),
    cloudWorkspace: randomId(),
    worker: randomId(),
    session: randomId(),
    host: randomId(),
    token: randomId(),
    share: randomId(),
    guest: randomId(),
    migration: randomId(),
    mirror: randomId(),
    signIn: randomId(),
    file: 'secret-nobody.txt',
    absFile: path.join(path.dirname(alice.root), 'nobody-ws', 'secret-nobody.txt'),
  };
});
afterAll(async () => {
  await alice?.socket.close();
  await bob?.socket.close();
  await gw?.dispose();
});

/** What to write in isolation-cases.ts for a procedure that has no line there. */
function missingCaseHelp(path: string, type: ProcType): string {
  return (
    `No isolation case for the ${type} "${path}". Add one line to CASES in server/trpc/isolation-cases.ts, e.g.\n` +
    `  '${path}': owned((o) => ({ id: o.workspace })),   // acts on someone's thing: bob on alice's id = bob on a missing id (NOT_FOUND)\n` +
    `  '${path}': list(),                                 // lists the caller's things: none of alice's in bob's answer\n` +
    `  '${path}': admin(),                                // server-wide: members get FORBIDDEN (403), admins do not\n` +
    `  '${path}': self(),                                 // the caller's own: works for bob\n` +
    `(an array of several when it is more than one of these; add ids to Ids and furnish() for a new kind of thing).`
  );
}

async function walk(path: string, type: ProcType, c: Case): Promise<void> {
  const input = (ids: Ids, mine = bob.ids) => ('input' in c && c.input ? c.input(ids, mine) : undefined);
  switch (c.kind) {
    case 'owned': {
      // Bob; a guest of bob's workspace share, which must not widen to alice's things; and an
      // admin, whose role is no way into another user's things either.
      const callers: [string, Caller][] = [['bob', bob.token], ["bob's guest", bob.guest], ['an admin', gw.token]];
      // Each caller's two calls, all at once: the answers are compared, not their order.
      const answers = await Promise.all(callers.map(([, as]) => Promise.all([call(as, path, type, input(alice.ids)), call(as, path, type, input(missing))])));
      const refusals = callers.map(([who], i) => {
        const [onAlices, onMissing] = unechoed(answers[i]![0], answers[i]![1], input(alice.ids), input(missing));
        expect(refusal(onAlices), `${path}: ${who} on alice's ids must be refused; got ${JSON.stringify(onAlices).slice(0, 300)}`).not.toBeNull();
        expect(refusal(onAlices), `${path}: ${who} on alice's ids vs on missing ids`).toEqual(refusal(onMissing));
        expect(JSON.stringify(onAlices), `${path}: the refusal names alice`).not.toContain('alice');
        return refusal(onAlices)!;
      });
      const bobs = refusals[0]!;
      expect(bobs.code, `${path}: the refusal`).toBe(c.code);
      // The input is one that can work: alice herself is not refused that way (mutations are left
      // out: they would change her things; the final test checks nothing of hers changed).
      if (type !== 'mutation' && c.control) expect(refusal(await call(alice.token, path, type, input(alice.ids, alice.ids), 1000)), `${path}: alice on her own ids`).not.toEqual(bobs);
      return;
    }
    case 'list': {
      const onAlices = await call(bob.token, path, type, input(alice.ids));
      expect(refusal(onAlices), `${path}: bob's own list must work`).toBeNull();
      expectNothingOfAlice(onAlices, path);
      if (c.input) expect(onAlices, `${path}: bob filtering by alice's ids vs by missing ids`).toEqual(await call(bob.token, path, type, input(missing)));
      if (c.shows) expect(JSON.stringify(onAlices), `${path}: bob's own ${c.shows} is listed`).toContain(bob.ids[c.shows]);
      return;
    }
    case 'admin': {
      const onAlices = await call(bob.token, path, type, input(alice.ids));
      expect(refusal(onAlices), `${path}: a member must be refused`).toMatchObject({ status: 403, code: 'FORBIDDEN' });
      expect(refusal(onAlices), `${path}: a member on alice's ids vs on missing ids`).toEqual(refusal(await call(bob.token, path, type, input(missing))));
      const byAdmin = await call(gw.token, path, type, input(missing));
      expect(refusal(byAdmin)?.code, `${path}: an admin is not refused as a member is`).not.toBe('FORBIDDEN');
      expect(refusal(byAdmin)?.code, `${path}: an admin is signed in`).not.toBe('UNAUTHORIZED');
      return;
    }
    case 'self': {
      const own = await call(bob.token, path, type, input(bob.ids, bob.ids));
      expect(refusal(own), `${path}: bob's own must work`).toBeNull();
      expectNothingOfAlice(own, path);
      return;
    }
  }
}

describe('every tRPC procedure, as bob against alice', () => {
  it('every case in the table names a procedure that exists', () => {
    const stale = Object.keys(CASES).filter((p) => !(p in procedures));
    expect(stale, 'isolation-cases.ts has lines for procedures appRouter no longer has: remove them').toEqual([]);
  });

  for (const [path, proc] of Object.entries(procedures)) {
    it(path, async () => {
      const cases = CASES[path];
      if (!cases) expect.fail(missingCaseHelp(path, proc._def.type));
      for (const c of [cases].flat()) await walk(path, proc._def.type, c);
    });
  }
});

describe('the /ws socket, as bob with alice’s ids', () => {
  /** Every client op, sent on `channel` after an OPEN that was refused there. */
  const CLIENT_OPS: Record<string, (ch: number) => Uint8Array> = {
    HELLO: () => encodeHello({ v: 1 }),
    INPUT: (ch) => encodeInput(ch, 'BOB-TYPED-THIS\n'),
    ANSWER: (ch) => encodeAnswer(ch, '\x1b[?1;2c'),
    RESIZE: (ch) => encodeResize(ch, 33, 11),
    ACK: (ch) => encodeAck(ch, 1),
    DETACH: (ch) => encodeDetach(ch),
    KILL: (ch) => encodeKill(ch),
    PING: () => encodePing(new Uint8Array([1, 2, 3])),
  };

  it('the table names every client op of the protocol', () => {
    const clientOps = Object.entries(Op).filter(([, v]) => v < 0x80).map(([k]) => k);
    expect([...Object.keys(CLIENT_OPS), 'OPEN'].sort()).toEqual(clientOps.sort());
  });

  /** What bob opens with `ids`: their session and workspace, and his own workspace starting in
   * their folder (by absolute path, and by climbing out). */
  const openRequests = (ids: Ids) => [
    { session: ids.session, cols: 80, rows: 24 },
    { session: ids.session, cols: 80, rows: 24, resumeFrom: 0 },
    { workspace: ids.workspace, cols: 80, rows: 24 },
    { workspace: ids.workspace, cols: 80, rows: 24, command: 'echo hi' },
    { workspace: bob.ids.workspace, cols: 80, rows: 24, cwd: path.dirname(ids.absFile) },
    { workspace: bob.ids.workspace, cols: 80, rows: 24, cwd: path.relative(bob.root, path.dirname(ids.absFile)) },
  ];

  /** One bob socket: the OPENs, then every op on those channels. What came back. */
  async function probe(ids: Ids, as: ConnectOptions = { token: bob.token }) {
    const c = await GatewayClient.connect(gw.url, as);
    let pongs = 0;
    // Counted before the client's own listener wakes `until`.
    c.ws.prependListener('message', (d: Buffer) => void (d[0] === Op.PONG && pongs++));
    const opens = [];
    for (const [i, req] of openRequests(ids).entries()) {
      opens.push(await c.open(i + 1, req).then((o) => ({ opened: o }), (e: Error) => ({ refused: e.message })));
    }
    const channels = opens.map((_, i) => i + 1);
    for (const ch of channels) for (const encode of Object.values(CLIENT_OPS)) c.sendRaw(encode(ch));
    c.sendRaw(encodePing(new Uint8Array([9])));
    const want = channels.length + 1; // one PING per channel in CLIENT_OPS, and the last one
    await c.until(() => pongs === want || c.closeInfo !== null, 30_000, 'the PONG after every op');
    const answers = {
      opens,
      channels: channels.map((ch) => c.channel(ch).errors),
      connection: c.connectionErrors,
      pongs,
      closed: c.closeInfo,
    };
    await c.close();
    return answers;
  }

  it('every op answers bob on alice’s session and workspace exactly as on missing ones, and alice’s terminal gets none of it', async () => {
    const [onAlices, onMissing] = unechoed(await probe(alice.ids), await probe(missing), openRequests(alice.ids), openRequests(missing));
    expect(onAlices.opens.every((o) => 'refused' in o), JSON.stringify(onAlices.opens)).toBe(true);
    expect(onAlices).toEqual(onMissing);
    expect(JSON.stringify(onAlices)).not.toContain('alice');

    // Alice's terminal: still running at her size, and what she types is all that reached it.
    const session = gw.tether.sessions.getForUser(alice.ids.session, alice.ids.user)!;
    expect(session.running).toBe(true);
    expect([session.cols, session.rows]).toEqual([80, 24]);
    alice.socket.input(1, 'alice-typed-this\n');
    await alice.socket.until(() => alice.socket.text(1).split('alice-typed-this').length >= 3, 30_000, 'alice’s echo and cat’s copy');
    expect(alice.socket.text(1)).not.toContain('BOB');
    expect(alice.socket.channel(1).errors).toEqual([]);
  });

  it('the same through the socket of a guest of bob’s workspace share', async () => {
    const as = { cookie: bob.guest.cookie, path: `${bob.guest.prefix}/ws` };
    const [onAlices, onMissing] = unechoed(await probe(alice.ids, as), await probe(missing, as), openRequests(alice.ids), openRequests(missing));
    expect(onAlices.opens.every((o) => 'refused' in o), JSON.stringify(onAlices.opens)).toBe(true);
    expect(onAlices).toEqual(onMissing);
    expect(alice.socket.text(1)).not.toContain('BOB');
  });

  it('bob’s guest reaches bob’s terminal and files through his share (the guest leg is not passing by failing)', async () => {
    const guest = await GatewayClient.connect(gw.url, { cookie: bob.guest.cookie, path: `${bob.guest.prefix}/ws` });
    expect((await guest.open(1, { session: bob.ids.session, cols: 80, rows: 24 })).session).toBe(bob.ids.session);
    await guest.close();
    const read = await trpcCall(gw.url, 'fs.read', { ...bob.guest, input: { workspaceId: bob.ids.workspace, path: bob.ids.file } });
    expect(read.data).toMatchObject({ content: "bob's secret\n" });
  });

  it('a share’s socket path with alice’s share id is refused as with a missing one', async () => {
    const status = (id: string) => upgradeStatus(gw.url, { token: bob.token, path: `/shared/${id}/ws` });
    expect(await status(alice.ids.share)).toBe(403);
    expect(await status(missing.share)).toBe(403);
    // With the guest cookie of bob's own share, too.
    const withCookie = (id: string) => upgradeStatus(gw.url, { cookie: bob.guest.cookie, path: `/shared/${id}/ws` });
    expect(await withCookie(alice.ids.share)).toBe(403);
    expect(await withCookie(missing.share)).toBe(403);
  });

  it('bob’s own terminal works over the same socket', async () => {
    bob.socket.input(1, 'bob-typed-this\n');
    await bob.socket.until(() => bob.socket.text(1).split('bob-typed-this').length >= 3, 30_000, 'bob’s echo');
  });
});

describe('HTTP routes that take an id, as bob', () => {
  const get = async (url: string, init: RequestInit = {}) => {
    const res = await fetch(gw.url + url, { ...init, headers: { authorization: `Bearer ${bob.token}`, ...(init.headers as Record<string, string>) } });
    return { status: res.status, body: await res.text() };
  };
  const files = (ws: string, action: string, p: string) => `/api/files/${ws}/${action}?path=${encodeURIComponent(p)}`;
  const same = async (what: string, url: (o: Ids) => string, init?: RequestInit) => {
    const onAlices = await get(url(alice.ids), init);
    const onMissing = await get(url(missing), init);
    expect(onAlices.status, `${what}: refused`).toBeGreaterThanOrEqual(400);
    expect(onAlices, `${what}: alice's vs missing`).toEqual(onMissing);
    expect(onAlices.body).not.toContain('alice');
  };

  it('file download and upload: alice’s workspace and files answer as missing ones', async () => {
    await same('download', (o) => files(o.workspace, 'download', o.file));
    await same('upload', (o) => files(o.workspace, 'upload', 'dropped-by-bob.txt'), { method: 'POST', body: 'bob was here' });
    // Bob's own workspace, aimed at alice's file by absolute path and by climbing out.
    await same('download by absolute path', (o) => files(bob.ids.workspace, 'download', o.absFile));
    await same('download through ..', (o) => files(bob.ids.workspace, 'download', path.relative(bob.root, o.absFile)));
    await same('upload through ..', (o) => files(bob.ids.workspace, 'upload', path.relative(bob.root, o.absFile)), { method: 'POST', body: 'bob was here' });
    // Bob's own file downloads.
    expect(await get(files(bob.ids.workspace, 'download', bob.ids.file))).toEqual({ status: 200, body: "bob's secret\n" });
  });

  it('a share’s tRPC path with alice’s share id answers as a missing one', async () => {
    await same('guest tRPC', (o) => `/shared/${o.share}/api/trpc/shares.whoami`);
    await same('guest tRPC with bob’s guest cookie', (o) => `/shared/${o.share}/api/trpc/shares.whoami`, { headers: { cookie: bob.guest.cookie } });
  });

  it('metrics are for admins: 403 for a member, 200 for an admin', async () => {
    expect((await get('/metrics')).status).toBe(403);
    expect((await fetch(gw.url + '/metrics', { headers: { authorization: `Bearer ${gw.token}` } })).status).toBe(200);
  });
});

describe('afterwards', () => {
  it('names are per user: bob may take the names of alice’s workspace and host, so a conflict cannot reveal them', async () => {
    const as = (path: string, input: unknown) => trpcCall(gw.url, path, { token: bob.token, input, mutation: true });
    expect((await as('workspaces.create', { name: 'alice-ws' })).error).toBeUndefined();
    expect((await as('hosts.add', { spec: 'bob@127.0.0.1:1', name: 'alice-host', auth: 'key', privateKey })).error).toBeUndefined();
  });

  it('alice’s things are all still there, unchanged', async () => {
    const as = (path: string, input?: unknown) => trpcCall(gw.url, path, { token: alice.token, input });
    expect((await as('workspaces.get', { id: alice.ids.workspace })).error).toBeUndefined();
    expect((await as('workspaces.get', { id: alice.ids.cloudWorkspace })).data).toMatchObject({ kind: 'cloud', workerId: alice.ids.worker });
    expect((await as('runtimes.workspace', { id: alice.ids.cloudWorkspace })).data).toMatchObject({ ok: true });
    expect((await as('fs.read', { workspaceId: alice.ids.workspace, path: alice.ids.file })).data).toMatchObject({ content: "alice's secret\n" });
    expect((await as('fs.list', { workspaceId: alice.ids.workspace, dir: '' })).data).toMatchObject({ entries: [expect.objectContaining({ name: alice.ids.file })] });
    expect(JSON.stringify((await as('hosts.list')).data)).toContain(alice.ids.host);
    expect(JSON.stringify((await as('tokens.list')).data)).toContain(alice.ids.token);
    expect((await as('shares.list')).data).toEqual([expect.objectContaining({ id: alice.ids.share, state: 'active' })]);
    expect((await as('account.get')).data).toMatchObject({ role: 'user', disabledAt: null });
    expect(gw.tether.sessions.getForUser(alice.ids.session, alice.ids.user)?.running).toBe(true);
    expect((await as('me')).data).toMatchObject({ name: 'alice' });
  });
});
