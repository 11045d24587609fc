import { execFileSync } from 'node:child_process';
import { link, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalRuntime } from '../runtimes/local/local-runtime';
import { RuntimeError } from '../runtimes/runtime';
import { findFiles, fuzzyScore, searchText } from './search';

let root: string;
let runtime: LocalRuntime;
const hasRipgrep = (() => {
  try {
    execFileSync('rg', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'tether-search-'));
  await mkdir(path.join(root, 'src'), { recursive: true });
  await mkdir(path.join(root, 'node_modules', 'x'), { recursive: true });
  await writeFile(path.join(root, 'src', 'app.ts'), 'const a = 1;\r\n// TODO: ünïcode first\nlet b = "todo: second";\n');
  await writeFile(path.join(root, 'src', 'data.bin'), Buffer.from([0, 1, 2, 0x54, 0x4f, 0x44, 0x4f]));
  await writeFile(path.join(root, 'node_modules', 'x', 'i.js'), '// TODO: dependency\n');
  runtime = new LocalRuntime(root);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const expected = [
  { path: 'src/app.ts', line: 2, column: 4, length: 5, text: '// TODO: ünïcode first' },
  { path: 'src/app.ts', line: 3, column: 10, length: 5, text: 'let b = "todo: second";' },
];

describe('searchText', () => {
  it(`uses ripgrep exactly when it is installed (here: ${hasRipgrep ? 'installed' : 'missing'}) and finds the same lines as the Node walk`, async () => {
    const viaDefault = await searchText(runtime, { query: 'todo:' });
    expect(viaDefault.engine).toBe(hasRipgrep ? 'ripgrep' : 'node');
    expect(viaDefault.matches).toEqual(expected);
    const viaNode = await searchText(runtime, { query: 'todo:' }, false);
    expect(viaNode).toEqual({ matches: expected, truncated: false, engine: 'node' });
  });

  it('gives where the match is on its line in UTF-16 units, the same from both engines (for highlighting it)', async () => {
    for (const useRipgrep of [true, false]) {
      const r = await searchText(runtime, { query: 'ün[a-zï]+', regex: true }, useRipgrep);
      expect(r.matches).toEqual([{ path: 'src/app.ts', line: 2, column: 10, length: 7, text: '// TODO: ünïcode first' }]);
    }
  });

  it('falls back to Node when the machine has no ripgrep', async () => {
    class NoRg extends LocalRuntime {
      override exec(): never {
        throw new RuntimeError('spawn_failed', 'could not run rg');
      }
    }
    const r = await searchText(new NoRg(root), { query: 'TODO', caseSensitive: true });
    expect(r.engine).toBe('node');
    expect(r.matches.map((m) => m.line)).toEqual([2]);
  });

  it('treats the query literally unless regex is asked for, and honours limits', async () => {
    expect((await searchText(runtime, { query: 'a = 1;.' })).matches).toEqual([]);
    expect((await searchText(runtime, { query: 'const \\w = \\d', regex: true })).matches.map((m) => m.line)).toEqual([1]);
    const limited = await searchText(runtime, { query: 'o', limit: 1 });
    expect(limited).toMatchObject({ truncated: true });
    expect(limited.matches).toHaveLength(1);
    await expect(searchText(runtime, { query: '(', regex: true })).rejects.toThrow(/regular expression/);
  });
});

describe('the jail check', () => {
  it('asks RuntimeFs.readable about the files in the answer only, never the whole tree', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'tether-search-count-'));
    for (let i = 0; i < 200; i++) await writeFile(path.join(dir, `f${i}.txt`), i === 7 || i === 42 ? 'needle\n' : 'hay\n');
    await writeFile(path.join(dir, 'twin-a.txt'), 'needle twin\n');
    await link(path.join(dir, 'twin-a.txt'), path.join(dir, 'twin-b.txt'));
    const rt = new LocalRuntime(dir);
    const asked: string[] = [];
    const readable = rt.fs.readable.bind(rt.fs);
    rt.fs.readable = (paths) => {
      asked.push(...paths);
      return readable(paths);
    };
    try {
      for (const useRipgrep of [true, false]) {
        asked.length = 0;
        const r = await searchText(rt, { query: 'needle' }, useRipgrep);
        expect(r.matches.map((m) => m.path).sort()).toEqual(['f42.txt', 'f7.txt']);
        // ripgrep's matches are checked; the Node walk reads through the jail and checks nothing twice.
        expect(asked.sort()).toEqual(r.engine === 'ripgrep' ? ['f42.txt', 'f7.txt', 'twin-a.txt', 'twin-b.txt'] : []);
      }
      asked.length = 0;
      expect((await findFiles(rt.fs, 'twin')).paths).toEqual([]);
      expect((await findFiles(rt.fs, 'f4', 3)).paths).toEqual(['f4.txt', 'f40.txt', 'f41.txt']);
      expect(asked.length).toBeLessThanOrEqual(64 + 11); // the best names only, a batch at a time
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('findFiles', () => {
  it('ranks by name, skips node_modules', async () => {
    expect((await findFiles(runtime.fs, 'app')).paths).toEqual(['src/app.ts']);
    expect((await findFiles(runtime.fs, 'i.js')).paths).toEqual([]);
    expect(fuzzyScore('tp', 'src/TerminalPanel.tsx')).toBeGreaterThan(0);
    expect(fuzzyScore('zz', 'src/TerminalPanel.tsx')).toBe(-1);
  });
});
