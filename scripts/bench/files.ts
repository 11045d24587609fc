/**
 * File figures for `npm run bench`, each beside a raw baseline from the same run:
 *  (e) list a folder of 10,000 entries through tRPC vs readdir + lstat of the first page in-process
 *  (f) open a 5 MB file through tRPC vs readFile in-process
 *  (g) watch latency: write on disk → event at an SSE client, vs fs.watch in-process
 */
import { watch } from 'node:fs';
import { lstat, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { trpcCall } from '../../server/testing/trpc-call';
import type { GatewayProcess } from './gateway-process';
import { median } from './stats';

const time = async (fn: () => Promise<unknown>) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

export async function listFigures(gw: GatewayProcess) {
  const dir = path.join(gw.root, 'many');
  await mkdir(dir);
  await Promise.all(Array.from({ length: 10_000 }, (_, i) => writeFile(path.join(dir, `file-${i}.txt`), String(i))));
  const via: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < 5; i++) {
    via.push(
      await time(async () => {
        const r = await trpcCall<{ entries: unknown[] }>(gw.url, 'fs.list', { token: gw.token, input: { workspaceId: gw.workspace, dir: 'many' } });
        if (r.data?.entries.length !== 1000) throw new Error('unexpected listing');
      }),
    );
    raw.push(
      await time(async () => {
        const names = (await readdir(dir)).sort();
        await Promise.all(names.slice(0, 1000).map((n) => lstat(path.join(dir, n))));
      }),
    );
  }
  return { gatewayMs: median(via), rawMs: median(raw) };
}

export async function openFigures(gw: GatewayProcess) {
  const file = path.join(gw.root, 'five-mb.txt');
  const line = 'const value = "lorem ipsum dolor sit amet, consectetur adipiscing elit";\n';
  await writeFile(file, line.repeat(Math.ceil((5 * 1024 * 1024) / line.length)));
  const via: number[] = [];
  const raw: number[] = [];
  for (let i = 0; i < 5; i++) {
    via.push(
      await time(async () => {
        const r = await trpcCall<{ content: string }>(gw.url, 'fs.read', { token: gw.token, input: { workspaceId: gw.workspace, path: 'five-mb.txt' } });
        if (!r.data?.content) throw new Error('read failed');
      }),
    );
    raw.push(await time(() => readFile(file, 'utf8')));
  }
  return { gatewayMs: median(via), rawMs: median(raw) };
}

export async function watchFigures(gw: GatewayProcess, rounds = 20) {
  // Gateway: one SSE subscription, then `rounds` writes, each timed until its event arrives.
  const ctrl = new AbortController();
  const res = await fetch(`${gw.url}/api/trpc/fs.watch?input=${encodeURIComponent(JSON.stringify({ workspaceId: gw.workspace }))}`, {
    headers: { authorization: `Bearer ${gw.token}`, accept: 'text/event-stream' },
    signal: ctrl.signal,
  });
  const reader = res.body!.getReader();
  const seen = new Map<string, number>();
  let buf = '';
  const pump = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buf += new TextDecoder().decode(value);
      const lines = buf.split('\n');
      buf = lines.pop()!;
      for (const l of lines) {
        if (!l.startsWith('data: ')) continue;
        const p = JSON.parse(l.slice(6)) as { events?: { path: string }[] };
        for (const e of p.events ?? []) if (!seen.has(e.path)) seen.set(e.path, performance.now());
      }
    }
  })().catch(() => {});
  await new Promise((r) => setTimeout(r, 1000)); // let the watcher arm
  const via: number[] = [];
  for (let i = 0; i < rounds; i++) {
    // Space the writes past the batching window: this measures one change after a quiet spell,
    // as when a command in a terminal writes a file.
    await new Promise((r) => setTimeout(r, 150));
    const name = `w-${i}.txt`;
    const t = performance.now();
    await writeFile(path.join(gw.root, name), 'x');
    while (!seen.has(name) && performance.now() - t < 5000) await new Promise((r) => setTimeout(r, 2));
    via.push((seen.get(name) ?? Number.NaN) - t);
  }
  ctrl.abort();
  await pump;
  // Baseline: Node's own fs.watch on the same folder, in this process.
  const raw: number[] = [];
  const w = watch(gw.root);
  for (let i = 0; i < rounds; i++) {
    const name = `r-${i}.txt`;
    const got = new Promise<number>((resolve) => {
      const on = (_e: string, f: string | Buffer | null) => {
        if (String(f) === name) {
          w.off('change', on);
          resolve(performance.now());
        }
      };
      w.on('change', on);
    });
    const t = performance.now();
    await writeFile(path.join(gw.root, name), 'x');
    raw.push((await got) - t);
  }
  w.close();
  return { p50: median(via), max: Math.max(...via), rawP50: median(raw) };
}
