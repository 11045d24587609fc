/** The `fs` router and file routes against a real gateway and a real workspace directory. */
import { request } from 'node:http';
import { chmod, mkdir, readFile, stat, symlink, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../../testing/test-gateway';
import { trpcCall } from '../../testing/trpc-call';

let gw: TestGateway;
let ws: { id: string; root: string };
const call = <T = unknown>(p: string, input: unknown, mutation = false) => trpcCall<T>(gw.url, p, { token: gw.token, input, mutation });

beforeAll(async () => {
  gw = await startTestGateway();
  ws = await gw.tether.workspaces.create(gw.adminId, 'files');
});
afterAll(async () => {
  await gw?.dispose();
});

type Entry = { name: string; path: string; type: string; size: number };
type Read = { content: string | null; version: string; binary: boolean; tooLarge: boolean; size: number };

describe('fs.list', () => {
  it('lists folders first, names in natural order, paged with a cursor', async () => {
    await mkdir(path.join(ws.root, 'list'));
    for (const n of ['file10', 'file2', 'File1']) await writeFile(path.join(ws.root, 'list', n), n);
    for (const d of ['zdir', 'adir']) await mkdir(path.join(ws.root, 'list', d));
    const first = await call<{ entries: Entry[]; nextCursor: string | null }>('fs.list', { workspaceId: ws.id, dir: 'list', limit: 3 });
    expect(first.data!.entries.map((e) => e.name)).toEqual(['adir', 'zdir', 'File1']);
    expect(first.data!.entries[2]).toMatchObject({ path: 'list/File1', type: 'file', size: 5 });
    const rest = await call<{ entries: Entry[]; nextCursor: string | null }>('fs.list', { workspaceId: ws.id, dir: 'list', limit: 3, cursor: first.data!.nextCursor });
    expect(rest.data!.entries.map((e) => e.name)).toEqual(['file2', 'file10']);
    expect(rest.data!.nextCursor).toBeNull();
  });

  it('refuses paths that leave the workspace, without saying where the server keeps files', async () => {
    for (const dir of ['..', '../..', '/etc', '~', 'a\0b', 'list\\..\\..']) {
      const r = await call('fs.list', { workspaceId: ws.id, dir });
      expect(r.error?.code, dir).toBe('BAD_REQUEST');
      expect(r.error?.message).not.toContain(gw.dataDir);
    }
    const missing = await call('fs.list', { workspaceId: ws.id, dir: 'nope' });
    expect(missing.error).toMatchObject({ code: 'NOT_FOUND', message: '"nope" does not exist (it may have been moved or deleted)' });
  });
});

describe('fs.read and fs.write', () => {
  it('saves against the version it read and refuses a stale version with CONFLICT', async () => {
    await writeFile(path.join(ws.root, 'doc.txt'), 'v1\n');
    const r1 = await call<Read>('fs.read', { workspaceId: ws.id, path: 'doc.txt' });
    expect(r1.data).toMatchObject({ content: 'v1\n', binary: false, tooLarge: false });
    const w1 = await call<{ version: string }>('fs.write', { workspaceId: ws.id, path: 'doc.txt', content: 'v2 from editor\n', expectedVersion: r1.data!.version }, true);
    expect(w1.data!.version).not.toBe(r1.data!.version);
    expect(await readFile(path.join(ws.root, 'doc.txt'), 'utf8')).toBe('v2 from editor\n');

    await writeFile(path.join(ws.root, 'doc.txt'), 'changed by a terminal\n');
    const stale = await call('fs.write', { workspaceId: ws.id, path: 'doc.txt', content: 'v3\n', expectedVersion: w1.data!.version }, true);
    expect(stale.error).toMatchObject({ code: 'CONFLICT' });
    expect(stale.error!.message).toMatch(/changed on disk/);
    expect(await readFile(path.join(ws.root, 'doc.txt'), 'utf8')).toBe('changed by a terminal\n');

    const forced = await call('fs.write', { workspaceId: ws.id, path: 'doc.txt', content: 'v3\n', expectedVersion: w1.data!.version, force: true }, true);
    expect(forced.error).toBeUndefined();
    expect(await readFile(path.join(ws.root, 'doc.txt'), 'utf8')).toBe('v3\n');
    const fresh = await call('fs.write', { workspaceId: ws.id, path: 'doc.txt', content: 'x', expectedVersion: null }, true);
    expect(fresh.error?.code).toBe('CONFLICT');
  });

  it('keeps the file mode across an atomic save and leaves no temp file behind', async () => {
    await writeFile(path.join(ws.root, 'run.sh'), '#!/bin/sh\n');
    await chmod(path.join(ws.root, 'run.sh'), 0o750);
    const r = await call<Read>('fs.read', { workspaceId: ws.id, path: 'run.sh' });
    await call('fs.write', { workspaceId: ws.id, path: 'run.sh', content: '#!/bin/sh\necho hi\n', expectedVersion: r.data!.version }, true);
    expect((await stat(path.join(ws.root, 'run.sh'))).mode & 0o777).toBe(0o750);
    const listed = await call<{ entries: Entry[] }>('fs.list', { workspaceId: ws.id, dir: '' });
    expect(listed.data!.entries.some((e) => e.name.includes('tether-tmp'))).toBe(false);
  });

  it('flags binary and too-large files instead of sending them to the editor', async () => {
    await writeFile(path.join(ws.root, 'img.bin'), Buffer.from([0x89, 0x50, 0, 1, 2, 0xff]));
    expect((await call<Read>('fs.read', { workspaceId: ws.id, path: 'img.bin' })).data).toMatchObject({ binary: true, content: null });
    await writeFile(path.join(ws.root, 'big.log'), '');
    await truncate(path.join(ws.root, 'big.log'), 11 * 1024 * 1024);
    expect((await call<Read>('fs.read', { workspaceId: ws.id, path: 'big.log' })).data).toMatchObject({ tooLarge: true, content: null });
  });

  it('refuses to write through a symlink that leads outside', async () => {
    await symlink('/etc/hostname', path.join(ws.root, 'evil-link'));
    const r = await call('fs.write', { workspaceId: ws.id, path: 'evil-link', content: 'pwned', expectedVersion: null, force: true }, true);
    expect(r.error?.code).toBe('BAD_REQUEST');
    expect((await call('fs.read', { workspaceId: ws.id, path: 'evil-link' })).error?.code).toBe('BAD_REQUEST');
  });
});

describe('create, mkdir, rename, delete', () => {
  it('manages files and folders with CONFLICT on existing names', async () => {
    const c = (p: string, i: object) => call(p, { workspaceId: ws.id, ...i }, true);
    expect((await c('fs.mkdir', { path: 'pkg' })).error).toBeUndefined();
    expect((await c('fs.create', { path: 'pkg/a.ts', content: 'export {}\n' })).error).toBeUndefined();
    expect((await c('fs.create', { path: 'pkg/a.ts' })).error?.code).toBe('CONFLICT');
    expect((await c('fs.create', { path: 'pkg/b.ts' })).error).toBeUndefined();
    expect((await c('fs.rename', { from: 'pkg/a.ts', to: 'pkg/b.ts' })).error?.code).toBe('CONFLICT');
    expect((await c('fs.rename', { from: 'pkg/a.ts', to: 'pkg/c.ts' })).error).toBeUndefined();
    expect((await c('fs.rename', { from: 'pkg', to: 'pkg/inner' })).error?.code).toBe('BAD_REQUEST');
    expect((await c('fs.rename', { from: 'pkg/c.ts', to: '../c.ts' })).error?.code).toBe('BAD_REQUEST');
    expect((await c('fs.delete', { path: 'pkg' })).error).toBeUndefined();
    expect((await call('fs.list', { workspaceId: ws.id, dir: 'pkg' })).error?.code).toBe('NOT_FOUND');
    expect((await c('fs.delete', { path: '' })).error?.code).toBe('BAD_REQUEST');
  });
});

describe('upload and download', () => {
  const url = (action: string, p: string, extra = '') => `${gw.url}/api/files/${ws.id}/${action}?path=${encodeURIComponent(p)}${extra}`;
  const auth = () => ({ authorization: `Bearer ${gw.token}` });

  it('round-trips binary bytes, refuses to clobber without overwrite=1', async () => {
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7) & 0xff));
    const up = await fetch(url('upload', 'data/blob.bin'), { method: 'POST', headers: auth(), body: bytes }).catch((e) => e);
    expect(up.status).toBe(404); // the folder does not exist yet
    await mkdir(path.join(ws.root, 'data'));
    expect((await fetch(url('upload', 'data/blob.bin'), { method: 'POST', headers: auth(), body: bytes })).status).toBe(200);
    expect((await fetch(url('upload', 'data/blob.bin'), { method: 'POST', headers: auth(), body: bytes })).status).toBe(409);
    expect((await fetch(url('upload', 'data/blob.bin', '&overwrite=1'), { method: 'POST', headers: auth(), body: bytes })).status).toBe(200);
    const down = await fetch(url('download', 'data/blob.bin'), { headers: auth() });
    expect(down.headers.get('content-disposition')).toContain('filename="blob.bin"');
    expect(Buffer.from(await down.arrayBuffer()).equals(bytes)).toBe(true);
  });

  it('refuses oversized, unauthenticated, cross-origin and escaping requests', async () => {
    // Declares 200 MiB and sends a few bytes: the gateway answers 413 from the header alone.
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(url('upload', 'huge.bin'), { method: 'POST', headers: { ...auth(), 'content-length': String(200 * 1024 * 1024) } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.write('x');
    });
    expect(status).toBe(413);
    expect(await stat(path.join(ws.root, 'huge.bin')).catch(() => null)).toBeNull();
    expect((await fetch(url('download', 'doc.txt'))).status).toBe(401);
    expect((await fetch(url('download', 'doc.txt'), { headers: { ...auth(), origin: 'http://evil.example' } })).status).toBe(403);
    const esc = await fetch(url('download', '../../../etc/passwd'), { headers: auth() });
    expect(esc.status).toBe(400);
    expect(await esc.text()).not.toContain('root:');
  });
});

describe('search and quick-open', () => {
  it('finds files by fuzzy name and text by literal or regex, skipping node_modules', async () => {
    await mkdir(path.join(ws.root, 'src/components'), { recursive: true });
    await writeFile(path.join(ws.root, 'src/components/TerminalPanel.tsx'), 'export function TerminalPanel() {}\n// TODO: tabs\n');
    await mkdir(path.join(ws.root, 'node_modules/dep'), { recursive: true });
    await writeFile(path.join(ws.root, 'node_modules/dep/TerminalPanel.js'), 'TODO: hidden\n');
    const found = await call<{ paths: string[] }>('fs.findFiles', { workspaceId: ws.id, query: 'termpan' });
    expect(found.data!.paths[0]).toBe('src/components/TerminalPanel.tsx');
    expect(found.data!.paths.some((p) => p.startsWith('node_modules'))).toBe(false);
    const literal = await call<{ matches: { path: string; line: number; column: number; length: number }[] }>('fs.search', { workspaceId: ws.id, query: 'todo:' });
    // `length` is the match's, so the result can mark it ("TODO:", 5 characters).
    expect(literal.data!.matches).toEqual([{ path: 'src/components/TerminalPanel.tsx', line: 2, column: 4, length: 5, text: '// TODO: tabs' }]);
    const regex = await call<{ matches: unknown[] }>('fs.search', { workspaceId: ws.id, query: 'function \\w+Panel', regex: true, caseSensitive: true });
    expect(regex.data!.matches).toHaveLength(1);
    expect((await call('fs.search', { workspaceId: ws.id, query: '([', regex: true })).error?.code).toBe('BAD_REQUEST');
  });
});

describe('fs.watch', () => {
  it('streams batched changes over SSE', async () => {
    const ctrl = new AbortController();
    const res = await fetch(`${gw.url}/api/trpc/fs.watch?input=${encodeURIComponent(JSON.stringify({ workspaceId: ws.id }))}`, {
      headers: { authorization: `Bearer ${gw.token}`, accept: 'text/event-stream' },
      signal: ctrl.signal,
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const seen: { type: string; path: string }[] = [];
    const collect = (async () => {
      let buf = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        buf += new TextDecoder().decode(value);
        for (const line of buf.split('\n')) {
          if (!line.startsWith('data: ')) continue;
          const payload = JSON.parse(line.slice(6)) as { events?: { type: string; path: string }[] };
          if (payload.events) seen.push(...payload.events);
        }
        buf = buf.slice(buf.lastIndexOf('\n') + 1);
      }
    })().catch(() => {});
    // chokidar needs a moment to arm its watchers.
    await new Promise((r) => setTimeout(r, 500));
    await writeFile(path.join(ws.root, 'watched.txt'), 'hello');
    await expect.poll(() => seen.some((e) => e.path === 'watched.txt' && e.type === 'add'), { timeout: 5000 }).toBe(true);
    ctrl.abort();
    await collect;
  });
});
