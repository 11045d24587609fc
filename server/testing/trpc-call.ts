/** Call the gateway's tRPC HTTP endpoint the way a script would (Bearer token or cookie). */
export interface TrpcReply<T> {
  status: number;
  data?: T;
  error?: { message: string; code: string };
}

export async function trpcCall<T = unknown>(
  baseUrl: string,
  path: string,
  opts: { token?: string; cookie?: string; input?: unknown; mutation?: boolean; origin?: string; /** e.g. `/shared/<id>` for a share guest */ prefix?: string } = {},
): Promise<TrpcReply<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.origin) headers.origin = opts.origin;
  const query = !opts.mutation && opts.input !== undefined ? `?input=${encodeURIComponent(JSON.stringify(opts.input))}` : '';
  const res = await fetch(`${baseUrl}${opts.prefix ?? ''}/api/trpc/${path}${query}`, opts.mutation ? { method: 'POST', headers, body: JSON.stringify(opts.input ?? {}) } : { headers });
  const text = await res.text();
  if (!res.headers.get('content-type')?.includes('json')) return { status: res.status };
  const body = JSON.parse(text) as { result?: { data: T }; error?: { message: string; data: { code: string } } };
  return { status: res.status, data: body.result?.data, error: body.error && { message: body.error.message, code: body.error.data.code } };
}
