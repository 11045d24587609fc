/**
 * Architectural boundaries, checked on the source text:
 *  - browser code (app/, components/, lib/client/) imports server/ only with `import type`;
 *  - lib/protocol imports nothing but zod and its own files (it runs in browser, gateway and worker);
 *  - the server's layers (README, "Architecture") import only the layers below them, and no
 *    file of server/ or lib/ is part of an import cycle (type imports count: a cycle of types is
 *    still two modules that cannot be understood apart).
 * lib/protocol's own tsconfig (no DOM, no Node types) is checked by `npm run typecheck`.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..');

function sources(dir: string): string[] {
  const abs = path.join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(abs);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const p = path.join(abs, name);
    if (statSync(p).isDirectory()) return sources(path.join(dir, name));
    return /\.(ts|tsx)$/.test(name) ? [path.join(dir, name)] : [];
  });
}

/** `[isTypeOnly, specifier]` of every import/export-from in a file. */
function imports(file: string): [boolean, string][] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const out: [boolean, string][] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const m of text.matchAll(re)) out.push([Boolean(m[2]), (m[3] ?? m[4] ?? m[5])!]);
  return out;
}

function resolvesIntoServer(file: string, spec: string): boolean {
  if (spec.startsWith('@/server')) return true;
  if (!spec.startsWith('.')) return false;
  const target = path.relative(root, path.resolve(path.dirname(path.join(root, file)), spec));
  return target === 'server' || target.startsWith('server' + path.sep);
}

/** The repo-relative file an import names, or null for a package. */
function resolveImport(file: string, spec: string): string | null {
  let target: string;
  if (spec.startsWith('@/')) target = spec.slice(2);
  else if (spec.startsWith('.')) target = path.relative(root, path.resolve(path.dirname(path.join(root, file)), spec));
  else return null;
  target = target.replace(/\.js$/, '');
  for (const c of [target, `${target}.ts`, `${target}.tsx`, path.join(target, 'index.ts')]) {
    try {
      if (statSync(path.join(root, c)).isFile()) return c;
    } catch {
      // not this one
    }
  }
  return target;
}

/** A file's layer: its folder under server/ (`server/core`), a top-level server file
 * (`server/app`), or its folder under lib/ (`lib/protocol`). */
function layerOf(file: string): string {
  const parts = file.split(path.sep);
  if (parts[0] === 'lib') return parts.slice(0, 2).join('/');
  return parts.length > 2 ? `server/${parts[1]}` : file.replace(/\.tsx?$/, '');
}

const LIB = ['lib/protocol', 'lib/shared'];
const LEAVES = ['server/log', 'server/config', 'server/secrets', 'server/os', 'server/errors'];
/**
 * What each lower server layer may import besides itself, lowest first. Layers not listed (the
 * edge: gateway, auth, http, sharing, trpc, observability, app, main) may import any of these.
 * An entry ending in `.ts` allows that one file of a layer, not the layer.
 */
const SERVER_LAYERS: Record<string, string[]> = {
  'server/os': [],
  'server/errors': [],
  'server/log': [],
  'server/config': [],
  'server/secrets': [],
  'server/db': [...LIB, ...LEAVES],
  // Where workspaces run: only the Runtime contract's own needs, never who uses it.
  'server/runtimes': [...LIB, ...LEAVES],
  // The terminal core (ring, session, channel, connection, registry): no auth, HTTP, sharing or
  // storage; of the runtimes it knows only the contract it drives.
  'server/core': [...LIB, ...LEAVES, 'server/runtimes/runtime.ts', 'server/runtimes/agent/framed-stream.ts'],
  // The far side of an agent link (pty host, SSH runner, cloud worker): the core and a local runtime.
  'server/worker': [...LIB, ...LEAVES, 'server/core', 'server/runtimes'],
  'server/workspaces': [...LIB, ...LEAVES, 'server/db', 'server/runtimes'],
  'server/hosts': [...LIB, ...LEAVES, 'server/db', 'server/runtimes'],
  'server/cloud': [...LIB, ...LEAVES, 'server/db', 'server/runtimes'],
  // One module per placement (local, SSH, cloud): the only code that knows the kinds.
  'server/placements': [...LIB, ...LEAVES, 'server/core', 'server/runtimes', 'server/workspaces', 'server/hosts', 'server/cloud'],
  'server/migration': [...LIB, ...LEAVES, 'server/core', 'server/runtimes', 'server/workspaces', 'server/placements'],
  'server/agents': [...LIB, ...LEAVES, 'server/core', 'server/workspaces'],
};

function serverImports(): { file: string; target: string }[] {
  const files = [...sources('server'), ...sources('lib')].filter((f) => !/\.test\.tsx?$/.test(f) && !f.includes(`${path.sep}testing${path.sep}`));
  return files.flatMap((file) =>
    imports(file)
      .map(([, spec]) => resolveImport(file, spec))
      .filter((t): t is string => t !== null && (t.startsWith('server') || t.startsWith('lib')))
      .map((target) => ({ file, target })),
  );
}

function layerOffenders(edges: { file: string; target: string }[]): string[] {
  return edges.flatMap(({ file, target }) => {
    const from = layerOf(file);
    const to = layerOf(target);
    const allowed = SERVER_LAYERS[from];
    if (from === to) return [];
    if ((to === 'server/app' && from !== 'server/main') || to === 'server/main') return [`${file} → ${target} (only the entry point builds the app)`];
    if (!allowed || allowed.includes(to) || allowed.includes(target)) return [];
    return [`${file} → ${target}`];
  });
}

/** Every import cycle among the files (Tarjan's strongly connected components of size > 1). */
function cycles(edges: { file: string; target: string }[]): string[][] {
  const graph = new Map<string, string[]>();
  for (const { file, target } of edges) graph.set(file, [...(graph.get(file) ?? []), target]);
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

describe('boundaries', () => {
  it('browser code imports server/ only as types', () => {
    const files = [...sources('app'), ...sources('components'), ...sources('lib/client')];
    expect(files.length).toBeGreaterThan(0);
    const offenders = files.flatMap((f) =>
      imports(f)
        .filter(([typeOnly, spec]) => !typeOnly && resolvesIntoServer(f, spec))
        .map(([, spec]) => `${f} → ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('lib/protocol depends only on zod and itself', () => {
    const files = sources('lib/protocol').filter((f) => !f.endsWith('.test.ts'));
    expect(files.length).toBeGreaterThan(0);
    const offenders = files.flatMap((f) =>
      imports(f)
        .filter(([, spec]) => !(spec === 'zod' || spec.startsWith('./')))
        .map(([, spec]) => `${f} → ${spec}`),
    );
    expect(offenders).toEqual([]);
  });

  it('each server layer imports only the layers below it', () => {
    const edges = serverImports();
    expect(edges.length).toBeGreaterThan(100);
    expect(layerOffenders(edges)).toEqual([]);
  });

  it('no file of server/ or lib/ is part of an import cycle', () => {
    expect(cycles(serverImports())).toEqual([]);
  });

  it('the layer and cycle checks catch what they are for', () => {
    const p = (s: string) => s.split('/').join(path.sep);
    // The cycle this issue removed: local runtime → pty host → daemon → agent → local runtime.
    const loop = [
      { file: p('server/runtimes/local/local-runtime.ts'), target: p('server/runtimes/local/pty-host.ts') },
      { file: p('server/runtimes/local/pty-host.ts'), target: p('server/worker/daemon.ts') },
      { file: p('server/worker/daemon.ts'), target: p('server/worker/agent.ts') },
      { file: p('server/worker/agent.ts'), target: p('server/runtimes/local/local-runtime.ts') },
    ];
    expect(cycles(loop)).toHaveLength(1);
    expect(layerOffenders(loop)).toEqual([`${p('server/runtimes/local/pty-host.ts')} → ${p('server/worker/daemon.ts')}`]);
    expect(layerOffenders([{ file: p('server/core/session.ts'), target: p('server/sharing/share-service.ts') }])).toHaveLength(1);
    expect(layerOffenders([{ file: p('server/core/session.ts'), target: p('server/runtimes/runtime.ts') }])).toEqual([]);
    expect(layerOffenders([{ file: p('server/core/session.ts'), target: p('server/runtimes/local/local-runtime.ts') }])).toHaveLength(1);
    expect(layerOffenders([{ file: p('server/trpc/init.ts'), target: p('server/app.ts') }])).toHaveLength(1);
  });

  it('the detector itself catches a value import of server code', () => {
    expect(resolvesIntoServer('components/x/Y.tsx', '../../server/app')).toBe(true);
    expect(resolvesIntoServer('lib/client/a.ts', '@/server/trpc/router')).toBe(true);
    expect(resolvesIntoServer('lib/client/a.ts', '../protocol')).toBe(false);
    expect(resolvesIntoServer('lib/client/a.ts', 'server-only')).toBe(false);
  });
});
