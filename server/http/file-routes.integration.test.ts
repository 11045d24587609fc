/**
 * The streaming upload route (`/api/files/<workspace>/upload`) against a real gateway: the same
 * jail as the `fs` router, the owner-only rule, the size limit, and atomic replacement.
 */
import { request } from 'node:http';
import { mkdir, readFile, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../testing/test-gateway';
import { MAX_UPLOAD_BYTES } from '../workspaces/file-service';

let gw: TestGateway;
let ws: { id: string; root: string };
const outside = path.join(os.tmpdir(), `tether-outside-${process.pid}`);

beforeAll(async () => {
  gw = await startTestGateway();
  ws = await gw.tether.workspaces.create(gw.adminId, 'uploads');
});
afterAll(async () => {
  await gw?.dispose();
  await rm(outside, { recursive: true, force: true });
});

const url = (p: string, extra = '', id = ws.id) => `${gw.url}/api/files/${id}/upload?path=${encodeURIComponent(p)}${extra}`;
const post = (u: string, body: BodyInit, token = gw.token) => fetch(u, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body });
const temps = async (dir: string) => (await readdir(dir)).filter((n) => n.startsWith('.tether-tmp-'));

/** POST a body of `total` bytes in 1 MiB chunks without a content-length (chunked), optionally cut off after `abortAfter` bytes. */
function streamUpload(u: string, total: number, abortAfter?: number): Promise<{ status: number; body: string } | 'aborted'> {
  return new Promise((resolve, reject) => {
    const req = request(u, { method: 'POST', headers: { authorization: `Bearer ${gw.token}` } }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (err) => (abortAfter !== undefined ? resolve('aborted') : reject(err)));
    const chunk = Buffer.alloc(1024 * 1024, 0x5a);
    let sent = 0;
    const pump = () => {
      while (sent < total) {
        if (abortAfter !== undefined && sent >= abortAfter) {
          req.destroy();
          return void setTimeout(() => resolve('aborted'), 200);
        }
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

describe('upload route', () => {
  it('refuses paths that leave the workspace: .., absolute, through a symlink, NUL', async () => {
    await mkdir(outside, { recursive: true });
    await symlink(outside, path.join(ws.root, 'out-link'));
    for (const p of ['../escape.txt', '../../escape.txt', '/tmp/escape.txt', 'out-link/escape.txt', 'a\0b.txt', '']) {
      const res = await post(url(p), 'nope');
      expect(res.status, JSON.stringify(p)).toBe(400);
      expect(await res.text()).not.toContain(gw.dataDir);
    }
    expect(await readdir(outside)).toEqual([]);
    expect(await readFile('/tmp/escape.txt').catch(() => null)).toBeNull();
  });

  it('answers another user exactly as for a workspace that does not exist', async () => {
    const other = await gw.tether.users.create('someone-else', 'someone-password', 'user');
    const { token } = await gw.tether.tokens.create(other.id, 't');
    const notYours = await post(url('stolen.txt'), 'x', token);
    const missing = await post(url('stolen.txt', '', 'no-such-workspace'), 'x', token);
    expect(notYours.status).toBe(404);
    expect(missing.status).toBe(404);
    expect(await notYours.json()).toEqual(await missing.json());
    expect(await readFile(path.join(ws.root, 'stolen.txt')).catch(() => null)).toBeNull();
  });

  it('refuses a stream over the limit and keeps the old file whole, with no temp file left', async () => {
    await writeFile(path.join(ws.root, 'keep.bin'), 'old content');
    const r = await streamUpload(url('keep.bin', '&overwrite=1'), MAX_UPLOAD_BYTES + 1);
    expect(r).not.toBe('aborted');
    if (r === 'aborted') return;
    expect(r.status).toBe(413);
    expect(r.body).toContain('over the');
    expect(await readFile(path.join(ws.root, 'keep.bin'), 'utf8')).toBe('old content');
    await expect.poll(() => temps(ws.root)).toEqual([]);
  });

  it('keeps the old file when the upload is cut off midway', async () => {
    await writeFile(path.join(ws.root, 'cut.bin'), 'before');
    expect(await streamUpload(url('cut.bin', '&overwrite=1'), 20 * 1024 * 1024, 4 * 1024 * 1024)).toBe('aborted');
    await expect.poll(() => temps(ws.root), { timeout: 10_000 }).toEqual([]);
    expect(await readFile(path.join(ws.root, 'cut.bin'), 'utf8')).toBe('before');
  });

  it('streams a large file in whole, and refuses to replace one without overwrite=1', async () => {
    const r = await streamUpload(url('large.bin'), 30 * 1024 * 1024);
    expect(r).toMatchObject({ status: 200 });
    const data = await readFile(path.join(ws.root, 'large.bin'));
    expect(data.byteLength).toBe(30 * 1024 * 1024);
    expect(data.every((b) => b === 0x5a)).toBe(true);
    const again = await post(url('large.bin'), 'small');
    expect(again.status).toBe(409);
    expect((await readFile(path.join(ws.root, 'large.bin'))).byteLength).toBe(30 * 1024 * 1024);
  });
});
