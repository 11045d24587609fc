/**
 * Search, quick-open, download and upload answer only with what the path jail lets `fs.read`
 * open: a `view` guest of a workspace share (and the owner) never gets the content or the name of
 * a file with several hard links (one of them outside the workspace), of a symlink leading out, or
 * of a file reached through a symlinked folder — with ripgrep and with the Node fallback.
 */
import { randomBytes } from 'node:crypto';
import { link, lstat, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../runtimes/local/local-runtime';
import { RuntimeError, type ExecOptions, type ExecResult } from '../runtimes/runtime';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { trpcCall, type TrpcReply } from '../testing/trpc-call';

/** A machine without ripgrep: search falls back to the Node walk. */
class NoRipgrep extends LocalRuntime {
  override exec(argv: readonly string[], opts?: ExecOptions): Promise<ExecResult> {
    if (argv[0] === 'rg') return Promise.reject(new RuntimeError('spawn_failed', 'rg is not installed'));
    return super.exec(argv, opts);
  }
}

const SECRET = `TOPSECRET-${randomBytes(12).toString('hex')}`;
let gw: TestGateway;
let outside: string;
/** A ripgrep config that would make rg follow symlinks, as a hostile environment could set. */
let rgConfig: string;

beforeAll(async () => {
  outside = await mkdtemp(path.join(os.tmpdir(), 'tether-outside-'));
  await writeFile(path.join(outside, 'secret.txt'), `needle ${SECRET}\n`);
  await mkdir(path.join(outside, 'dir'));
  await writeFile(path.join(outside, 'dir', 'inner.txt'), `needle ${SECRET} in a folder\n`);
  rgConfig = path.join(outside, 'ripgreprc');
  await writeFile(rgConfig, '--follow\n--hidden\n');
  gw = await startTestGateway({
    runtimeFor: (ws) =>
      ws.name.startsWith('node-')
        ? new NoRipgrep(ws.root, { env: { HOME: path.join(gw.dataDir, 'home') } })
        : new LocalRuntime(ws.root, { env: { HOME: path.join(gw.dataDir, 'home'), RIPGREP_CONFIG_PATH: rgConfig } }),
  });
});
afterAll(async () => {
  await gw?.dispose();
  await rm(outside, { recursive: true, force: true });
});

/** A workspace holding one plain match and every way of reaching the secret. */
async function workspaceWithLinks(name: string): Promise<{ id: string; root: string }> {
  const ws = await gw.tether.workspaces.create(gw.adminId, name);
  await writeFile(path.join(ws.root, 'visible.txt'), 'needle in a plain file\n');
  await link(path.join(outside, 'secret.txt'), path.join(ws.root, 'hardlinked-secret.txt'));
  await mkdir(path.join(ws.root, 'src'));
  await link(path.join(outside, 'dir', 'inner.txt'), path.join(ws.root, 'src', 'deep-hardlinked.txt'));
  await symlink(path.join(outside, 'secret.txt'), path.join(ws.root, 'symlinked-secret.txt'));
  await symlink(path.join(outside, 'dir'), path.join(ws.root, 'symlinked-dir'));
  // Two links that both stay inside are refused by fs.read as well (the count is what is known).
  await writeFile(path.join(ws.root, 'twin-a.txt'), 'needle twin\n');
  await link(path.join(ws.root, 'twin-a.txt'), path.join(ws.root, 'twin-b.txt'));
  return ws;
}

type Search = { matches: { path: string; line: number; column: number; text: string }[]; truncated: boolean; engine: string };

type Caller = <T>(p: string, input: unknown) => Promise<TrpcReply<T>>;

async function viewGuest(workspaceId: string): Promise<Caller> {
  const created = await trpcCall<{ id: string; path: string }>(gw.url, 'shares.create', { token: gw.token, mutation: true, input: { workspaceId, scope: 'view' } });
  expect(created.error).toBeUndefined();
  const res = await fetch(gw.url + created.data!.path, { redirect: 'manual' });
  const cookie = res.headers.get('set-cookie')?.split(';')[0] ?? '';
  expect(cookie).not.toBe('');
  return <T>(p: string, input: unknown) => trpcCall<T>(gw.url, p, { cookie, prefix: `/shared/${created.data!.id}`, input });
}

for (const engine of ['ripgrep', 'node'] as const) {
  describe(`search with ${engine}`, () => {
    let ws: { id: string; root: string };
    let guest: Caller;
    const owner: Caller = (p, input) => trpcCall(gw.url, p, { token: gw.token, input });

    beforeAll(async () => {
      ws = await workspaceWithLinks(`${engine === 'node' ? 'node' : 'rg'}-links`);
      guest = await viewGuest(ws.id);
    });

    it('fs.read refuses every link to the secret (the rule search must follow)', async () => {
      for (const p of ['hardlinked-secret.txt', 'src/deep-hardlinked.txt', 'symlinked-secret.txt', 'symlinked-dir/inner.txt', 'twin-a.txt']) {
        const r = await guest<{ content: string }>('fs.read', { workspaceId: ws.id, path: p });
        expect(r.error?.code, p).toBe('BAD_REQUEST');
        expect(JSON.stringify(r)).not.toContain(SECRET);
      }
    });

    for (const who of ['view guest', 'owner'] as const) {
      it(`gives a ${who} no line of a file fs.read refuses`, async () => {
        const as = who === 'owner' ? owner : guest;
        for (const input of [{ query: 'needle' }, { query: 'TOPSECRET' }, { query: 'need.e', regex: true, caseSensitive: true }]) {
          const r = await as<Search>('fs.search', { workspaceId: ws.id, ...input });
          expect(r.error).toBeUndefined();
          expect(r.data!.engine).toBe(engine);
          expect(JSON.stringify(r.data)).not.toContain(SECRET);
          expect(r.data!.matches.map((m) => m.path)).toEqual(input.query === 'TOPSECRET' ? [] : ['visible.txt']);
        }
      });
    }

    it('does not name refused files in quick-open', async () => {
      for (const as of [guest, owner]) {
        const all = await as<{ paths: string[] }>('fs.findFiles', { workspaceId: ws.id, query: '' });
        expect(all.data!.paths).toEqual(['visible.txt']);
        const named = await as<{ paths: string[] }>('fs.findFiles', { workspaceId: ws.id, query: 'secret' });
        expect(named.data!.paths).toEqual([]);
      }
    });
  });
}

describe('download and upload (owner only) go through the same jail', () => {
  let ws: { id: string; root: string };
  const url = (action: string, p: string, extra = '') => `${gw.url}/api/files/${ws.id}/${action}?path=${encodeURIComponent(p)}${extra}`;
  const auth = () => ({ authorization: `Bearer ${gw.token}` });

  beforeAll(async () => {
    ws = await workspaceWithLinks('transfer-links');
  });

  it('refuses to download a hard-linked file, a symlink leading out and a file behind a symlinked folder', async () => {
    for (const p of ['hardlinked-secret.txt', 'symlinked-secret.txt', 'symlinked-dir/inner.txt']) {
      const res = await fetch(url('download', p), { headers: auth() });
      expect(res.status, p).toBe(400);
      expect(await res.text()).not.toContain(SECRET);
    }
    expect(await (await fetch(url('download', 'visible.txt'), { headers: auth() })).text()).toBe('needle in a plain file\n');
  });

  it('never writes through an upload target to a file outside', async () => {
    const body = Buffer.from('overwritten by an upload\n');
    const hard = await fetch(url('upload', 'hardlinked-secret.txt', '&overwrite=1'), { method: 'POST', headers: auth(), body });
    expect(hard.status).toBe(400);
    const behind = await fetch(url('upload', 'symlinked-dir/inner.txt', '&overwrite=1'), { method: 'POST', headers: auth(), body });
    expect(behind.status).toBe(400);
    const fresh = await fetch(url('upload', 'symlinked-dir/new.txt'), { method: 'POST', headers: auth(), body });
    expect(fresh.status).toBe(400);
    // A symlink as the last name is neither followed nor replaced.
    const onLink = await fetch(url('upload', 'symlinked-secret.txt', '&overwrite=1'), { method: 'POST', headers: auth(), body });
    expect(onLink.status).toBe(400);
    expect((await lstat(path.join(ws.root, 'symlinked-secret.txt'))).isSymbolicLink()).toBe(true);
    expect(await readFile(path.join(outside, 'secret.txt'), 'utf8')).toBe(`needle ${SECRET}\n`);
    expect(await readFile(path.join(outside, 'dir', 'inner.txt'), 'utf8')).toBe(`needle ${SECRET} in a folder\n`);
    await expect(readFile(path.join(outside, 'dir', 'new.txt'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
