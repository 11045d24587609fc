/**
 * Calls for the two-user isolation walk (server/trpc/isolation-walk.integration.test.ts): any tRPC
 * procedure as a member or a share guest, answered as one comparable value — the data, or the
 * refusal (HTTP status, tRPC code, message) — subscriptions included, by their first event.
 */
import { trpcCall } from './trpc-call';

export type ProcType = 'query' | 'mutation' | 'subscription';
/** What a caller gets: the data, or the refusal as the client sees it. */
export type Answer = { ok: true; data: unknown } | { ok: false; status: number; code: string; message: string };

/** Who calls: a member by API token, or a share guest by cookie under the share's path. */
export type Caller = string | { cookie: string; prefix: string };
const credentials = (who: Caller) => (typeof who === 'string' ? { token: who } : who);

/** Call a procedure as `who`: a query, a mutation, or a subscription's first event (or `open`
 * after `quietMs` without one). */
export async function callProcedure(baseUrl: string, who: Caller, path: string, type: ProcType, input: unknown, quietMs?: number): Promise<Answer> {
  if (type === 'subscription') return firstEvent(baseUrl, who, path, input, quietMs);
  const r = await trpcCall(baseUrl, path, { ...credentials(who), input, mutation: type === 'mutation' });
  return r.error ? { ok: false, status: r.status, code: r.error.code, message: r.error.message } : { ok: true, data: r.data };
}

/** A subscription's first event or its refusal; `open` when it stays quiet (a watch with nothing
 * to say). Refusals and lists come at once; the long default only spares a loaded machine. */
export async function firstEvent(baseUrl: string, who: Caller, path: string, input: unknown, quietMs = 10_000): Promise<Answer> {
  const abort = new AbortController();
  const query = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  const auth: Record<string, string> = typeof who === 'string' ? { authorization: `Bearer ${who}` } : { cookie: who.cookie };
  const prefix = typeof who === 'string' ? '' : who.prefix;
  const res = await fetch(`${baseUrl}${prefix}/api/trpc/${path}${query}`, { headers: { ...auth, accept: 'text/event-stream' }, signal: abort.signal });
  if (!res.headers.get('content-type')?.includes('text/event-stream')) {
    const body = (await res.json()) as { error: { message: string; data: { code: string } } };
    return { ok: false, status: res.status, code: body.error.data.code, message: body.error.message };
  }
  let quiet: NodeJS.Timeout | undefined;
  const read = (async (): Promise<Answer> => {
    const decoder = new TextDecoder();
    let buf = '';
    for await (const chunk of res.body!) {
      buf += decoder.decode(chunk as Uint8Array, { stream: true });
      let i: number;
      while ((i = buf.indexOf('\n\n')) >= 0) {
        const lines = buf.slice(0, i).split('\n');
        buf = buf.slice(i + 2);
        const kind = lines.find((l) => l.startsWith('event: '))?.slice(7);
        const data = lines.find((l) => l.startsWith('data: '))?.slice(6);
        if (kind === 'connected' || kind === 'ping' || data === undefined) continue;
        const parsed = JSON.parse(data) as { message?: string; data?: { code: string; httpStatus: number } };
        if (kind === 'serialized-error') return { ok: false, status: parsed.data!.httpStatus, code: parsed.data!.code, message: parsed.message! };
        return { ok: true, data: parsed };
      }
    }
    return { ok: true, data: 'ended' };
  })();
  const timeout = new Promise<Answer>((resolve) => (quiet = setTimeout(() => resolve({ ok: true, data: 'open' }), quietMs)));
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(quiet);
    abort.abort();
    await read.catch(() => {});
  }
}

/** Two answers with what each request said itself (where the two requests differ: a path that
 * is refused by its shape is quoted back) replaced by where it was in the request, so that only
 * what the gateway knew can make them differ. */
export function unechoed<T>(a: T, b: T, requestA: unknown, requestB: unknown): [T, T] {
  const pairs: [string, string, string][] = [];
  const walkLeaves = (x: unknown, y: unknown, at: string) => {
    if (typeof x === 'string' && typeof y === 'string' && x !== y) pairs.push([at, x, y]);
    else if (x && y && typeof x === 'object' && typeof y === 'object') for (const k of Object.keys(x)) walkLeaves((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${at}.${k}`);
  };
  walkLeaves(requestA, requestB, 'request');
  const strip = (answer: T, pick: 1 | 2) => {
    let text = JSON.stringify(answer);
    // Longest first, and as JSON text, so an echo quoted inside a message is found too.
    for (const p of [...pairs].sort((l, r) => r[pick].length - l[pick].length)) {
      for (const needle of [JSON.stringify(p[pick]).slice(1, -1), JSON.stringify(JSON.stringify(p[pick])).slice(3, -3)]) text = text.split(needle).join(`<${p[0]}>`);
    }
    return JSON.parse(text) as T;
  };
  return [strip(a, 1), strip(b, 2)];
}

/** The refusal in an answer (null when it worked), as compared between callers. */
export const refusal = (a: Answer) => (a.ok ? null : { status: a.status, code: a.code, message: a.message });
