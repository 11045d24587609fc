/**
 * Architectural boundaries, checked on the source text:
 *  - browser code (app/, components/, lib/client/) imports server/ only with `import type`;
 *  - lib/protocol imports nothing but zod and its own files (it runs in browser, gateway and worker).
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

  it('the detector itself catches a value import of server code', () => {
    expect(resolvesIntoServer('components/x/Y.tsx', '../../server/app')).toBe(true);
    expect(resolvesIntoServer('lib/client/a.ts', '@/server/trpc/router')).toBe(true);
    expect(resolvesIntoServer('lib/client/a.ts', '../protocol')).toBe(false);
    expect(resolvesIntoServer('lib/client/a.ts', 'server-only')).toBe(false);
  });
});
