/** Read a tRPC subscription over SSE the way a script would, until `until` says the last event came. */
export async function readSubscription<T>(
  baseUrl: string,
  path: string,
  opts: { token?: string; cookie?: string; prefix?: string; input: unknown; until: (e: T) => boolean; onEvent?: (e: T) => void; signal?: AbortSignal },
): Promise<T[]> {
  const headers: Record<string, string> = { accept: 'text/event-stream' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  const res = await fetch(`${baseUrl}${opts.prefix ?? ''}/api/trpc/${path}?input=${encodeURIComponent(JSON.stringify(opts.input))}`, {
    headers,
    signal: opts.signal,
  });
  const events: T[] = [];
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of res.body!) {
    buf += decoder.decode(chunk, { stream: true });
    let i: number;
    while ((i = buf.indexOf('\n\n')) >= 0) {
      const lines = buf.slice(0, i).split('\n').filter(Boolean);
      buf = buf.slice(i + 2);
      const data = lines.find((l) => l.startsWith('data: '));
      const kind = lines.find((l) => l.startsWith('event: '))?.slice(7);
      // `return`: the server ended the stream (its generator returned).
      if (kind === 'return') return events;
      if (!data || kind === 'connected' || kind === 'ping') continue;
      if (kind === 'serialized-error') throw new Error(`subscription failed: ${data}`);
      const e = JSON.parse(data.slice(6)) as T;
      events.push(e);
      opts.onEvent?.(e);
      if (opts.until(e)) return events;
    }
  }
  return events;
}
