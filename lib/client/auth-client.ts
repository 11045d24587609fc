/**
 * Sign-in/out against next-auth v4's REST endpoints (mounted by the gateway at /api/auth).
 * Plain fetch instead of `next-auth/react` keeps the login page small and lets us tell a wrong
 * password from a rate limit: next-auth puts the reason in the returned url's `error` parameter.
 */

export type SignInResult = { ok: true } | { ok: false; reason: 'credentials' | 'rate-limited' | 'other'; detail?: string };

const AUTH = '/api/auth';

async function csrfToken(): Promise<string> {
  const res = await fetch(`${AUTH}/csrf`, { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body: unknown = await res.json();
  if (typeof body === 'object' && body !== null && 'csrfToken' in body && typeof body.csrfToken === 'string') return body.csrfToken;
  throw new Error('no CSRF token in the response');
}

function errorParam(url: unknown): string | null {
  if (typeof url !== 'string') return null;
  try {
    return new URL(url, window.location.origin).searchParams.get('error');
  } catch {
    return null;
  }
}

export async function signInWithPassword(username: string, password: string, callbackUrl: string): Promise<SignInResult> {
  const body = new URLSearchParams({ csrfToken: await csrfToken(), username, password, callbackUrl, json: 'true' });
  const res = await fetch(`${AUTH}/callback/credentials`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  if (res.status === 429) return { ok: false, reason: 'rate-limited' };
  let json: unknown = null;
  try {
    json = await res.json();
  } catch {
    return { ok: false, reason: 'other', detail: `HTTP ${res.status}` };
  }
  const url = typeof json === 'object' && json !== null && 'url' in json ? json.url : null;
  const error = errorParam(url);
  if (error === null && res.ok) return { ok: true };
  if (error === 'CredentialsSignin') return { ok: false, reason: 'credentials' };
  // The gateway's authorize() throws "TooManyAttempts" when its login limiter trips.
  if (error !== null && /too ?many|rate/i.test(error)) return { ok: false, reason: 'rate-limited' };
  return { ok: false, reason: 'other', detail: error ?? `HTTP ${res.status}` };
}

/** A way to sign in the gateway offers (next-auth's public provider list: ids and names, no secrets). */
export interface SignInOption {
  id: string;
  name: string;
  /** `credentials` is the password form; `oauth` a single sign-on provider. */
  type: string;
}

export async function signInOptions(): Promise<SignInOption[]> {
  const res = await fetch(`${AUTH}/providers`, { credentials: 'same-origin', cache: 'no-store' });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body: unknown = await res.json();
  if (typeof body !== 'object' || body === null) throw new Error('unexpected provider list');
  return Object.values(body).flatMap((p: unknown) => {
    if (typeof p !== 'object' || p === null) return [];
    const { id, name, type } = p as Record<string, unknown>;
    return typeof id === 'string' && typeof name === 'string' && typeof type === 'string' ? [{ id, name, type }] : [];
  });
}

/**
 * Start a single sign-on: next-auth sets its state/PKCE/nonce cookies and answers with the
 * provider's authorization URL, where the browser goes next.
 */
export async function startSingleSignOn(providerId: string, callbackUrl: string): Promise<string> {
  const body = new URLSearchParams({ csrfToken: await csrfToken(), callbackUrl, json: 'true' });
  const res = await fetch(`${AUTH}/signin/${encodeURIComponent(providerId)}`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
  const json: unknown = await res.json().catch(() => null);
  const url = typeof json === 'object' && json !== null && 'url' in json ? json.url : null;
  if (typeof url !== 'string') throw new Error(`HTTP ${res.status}`);
  return url;
}

export async function signOut(): Promise<void> {
  const body = new URLSearchParams({ csrfToken: await csrfToken(), json: 'true' });
  await fetch(`${AUTH}/signout`, {
    method: 'POST',
    credentials: 'same-origin',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });
}

/** Only same-origin paths may be a post-login destination (no open redirect via ?callbackUrl=). */
export function safeCallbackPath(raw: string | null | undefined, origin: string): string {
  if (!raw) return '/';
  try {
    const url = new URL(raw, origin);
    if (url.origin !== origin) return '/';
    return `${url.pathname}${url.search}${url.hash}` || '/';
  } catch {
    return '/';
  }
}
