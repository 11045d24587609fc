import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log';
import { createRouter, type RequestIds, type Route } from './router';

const servers: http.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function serve(routes: Route[]) {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger({ write: (l) => lines.push(JSON.parse(l)) });
  const requestIds: RequestIds = new WeakMap();
  const text = (body: string) => (_req: http.IncomingMessage, res: http.ServerResponse) => void res.end(body);
  const server = http.createServer(createRouter({ routes, fallback: text('fallback'), trustedOrigins: ['https://trusted.example'], requestIds, log }));
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const get = async (p: string, headers: Record<string, string> = {}) => {
    const res = await fetch(base + p, { headers });
    return { status: res.status, body: await res.text(), headers: res.headers };
  };
  return { get, lines };
}

describe('router', () => {
  it('takes the first matching route: exact path, prefix, pattern (with its match), else the fallback', async () => {
    const { get } = await serve([
      { path: '/a', handle: (_q, res) => void res.end('exact') },
      { prefix: '/a', handle: (_q, res) => void res.end('prefix') },
      { pattern: /^\/p\/(\w+)$/, handle: (_q, res, m) => void res.end(`pattern ${m![1]}`) },
    ]);
    expect((await get('/a?x=1')).body).toBe('exact');
    expect((await get('/ab')).body).toBe('prefix');
    expect((await get('/p/xyz')).body).toBe('pattern xyz');
    expect((await get('/other')).body).toBe('fallback');
  });

  it('sets the security headers and echoes a sane request id, else makes one', async () => {
    const { get } = await serve([]);
    const given = await get('/', { 'x-request-id': 'proxy-id-123' });
    expect(given.headers.get('x-request-id')).toBe('proxy-id-123');
    expect(given.headers.get('x-content-type-options')).toBe('nosniff');
    expect(given.headers.get('referrer-policy')).toBe('no-referrer');
    expect(given.headers.get('x-frame-options')).toBe('DENY');
    expect((await get('/', { 'x-request-id': 'bad id!' })).headers.get('x-request-id')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it('refuses cross-origin requests to sameOrigin routes before their handler runs', async () => {
    let ran = 0;
    const { get } = await serve([{ prefix: '/api/', sameOrigin: true, handle: (_q, res) => void (ran++, res.end('ok')) }]);
    expect(await get('/api/x', { origin: 'https://evil.example' })).toMatchObject({ status: 403, body: 'Cross-origin request refused' });
    expect(ran).toBe(0);
    expect((await get('/api/x', { origin: 'https://trusted.example' })).body).toBe('ok');
    expect((await get('/api/x')).body).toBe('ok');
    expect((await get('/other', { origin: 'https://evil.example' })).body).toBe('fallback');
  });

  it('access-logs with the route’s logAs instead of a secret path, skips quiet paths, and answers a rejected handler with 500', async () => {
    const { get, lines } = await serve([
      { prefix: '/s/', logAs: '/s/…', handle: (_q, res) => void res.end('link') },
      { path: '/boom', handle: async () => Promise.reject(new Error('kaput')) },
      { path: '/healthz', handle: (_q, res) => void res.end('ok') },
    ]);
    await get('/s/secret-token');
    expect(await get('/boom')).toMatchObject({ status: 500, body: 'Internal error' });
    await get('/healthz');
    await new Promise((r) => setTimeout(r, 50));
    const requests = lines.filter((l) => l.msg === 'request');
    expect(requests.map((l) => [l.path, l.status])).toEqual([
      ['/s/…', 200],
      ['/boom', 500],
    ]);
    expect(JSON.stringify(lines)).not.toContain('secret-token');
    expect(lines.find((l) => l.msg === 'request failed')).toMatchObject({ path: '/boom', error: 'kaput' });
  });
});
