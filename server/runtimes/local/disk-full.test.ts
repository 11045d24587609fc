/**
 * Fault injection: the disk fills up during a save. The workspace lives on a 256 KiB tmpfs made
 * by bubblewrap in a private mount namespace (no root needed); a 2 MiB save must fail with ENOSPC,
 * say so in words, leave the old file whole and leave no temp file behind.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'tether-full-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runOnTinyDisk(bytes: number): Promise<{ out: string; err: string; code: number | null }> {
  const script = path.resolve(import.meta.dirname, '../../testing/full-disk-writer.ts');
  const child = spawn(
    'bwrap',
    ['--dev-bind', '/', '/', '--size', String(bytes), '--tmpfs', dir, '--die-with-parent', '--', process.execPath, '--import', 'tsx', script, dir],
    { stdio: ['ignore', 'pipe', 'pipe'], cwd: path.resolve(import.meta.dirname, '../../..') },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ out, err, code })));
}

describe('a save when the disk is full', () => {
  it('fails with ENOSPC in words, keeps the old file whole, and leaves no temp file', async () => {
    const r = await runOnTinyDisk(256 * 1024);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const result = JSON.parse(r.out);
    expect(result).toEqual({
      error: { code: 'ENOSPC', said: 'the disk is full; nothing was changed', trpc: 'SERVICE_UNAVAILABLE' },
      intact: true,
      leftovers: [],
    });
  });
});
