/** A cookie-keeping HTTP client that signs in through next-auth like a browser would. */
export class HttpSession {
  readonly cookies = new Map<string, string>();
  constructor(readonly base: string) {}

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  /** `path` on the base URL, or an absolute URL: like a browser's, the jar is per host, not per port. */
  async fetch(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(/^https?:/.test(path) ? path : this.base + path, {
      ...init,
      redirect: 'manual',
      headers: { cookie: this.cookieHeader, ...(init.headers as Record<string, string>) },
    });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq);
      const expired = attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || (/^\s*expires=/i.test(a) && Date.parse(a.split('=')[1]!) < Date.now()));
      if (expired) this.cookies.delete(name);
      else this.cookies.set(name, pair!.slice(eq + 1));
    }
    return res;
  }

  /** Returns next-auth's redirect URL; it carries `error=…` when sign-in failed. */
  async login(username: string, password: string): Promise<string> {
    const { csrfToken } = (await (await this.fetch('/api/auth/csrf')).json()) as { csrfToken: string };
    const res = await this.fetch('/api/auth/callback/credentials', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ csrfToken, username, password, json: 'true', callbackUrl: this.base + '/' }).toString(),
    });
    return ((await res.json()) as { url: string }).url;
  }

  /** Call a tRPC mutation with this session's cookie. */
  async mutation<T>(path: string, input: unknown): Promise<T> {
    const res = await this.fetch(`/api/trpc/${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    const body = (await res.json()) as { result?: { data: T }; error?: { message: string } };
    if (!body.result) throw new Error(`${path} failed: ${body.error?.message ?? res.status}`);
    return body.result.data;
  }
}
