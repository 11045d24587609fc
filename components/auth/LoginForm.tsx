'use client';
import { useEffect, useState, type FormEvent } from 'react';
import { signInErrorMessage } from '@/lib/shared/sign-in';
import { safeCallbackPath, signInOptions, signInWithPassword, type SignInOption, type SignInResult } from '@/lib/client/auth-client';
import { SsoButtons } from './SsoButtons';

function messageFor(result: Exclude<SignInResult, { ok: true }>): string {
  if (result.reason === 'other') return `Sign-in failed (${result.detail ?? 'unknown error'}). Try again.`;
  return signInErrorMessage(result.reason === 'credentials' ? 'CredentialsSignin' : 'TooManyAttempts', { providerName: null, email: null })!;
}

/** Why the last sign-in was refused, as next-auth or the gateway sent it back (`/login?error=…`). */
export interface RefusalParams {
  error: string | null;
  /** The provider id the refusal came from, and the email it gave. */
  provider: string | null;
  email: string | null;
}

/**
 * The sign-in card: one button per single sign-on provider the gateway offers, and the password
 * form unless password login is off. Which of them exist comes from the gateway at load.
 */
export function LoginForm({ callbackUrl, refusal }: { callbackUrl: string; refusal: RefusalParams }) {
  const [options, setOptions] = useState<SignInOption[] | null>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  // null: show the refusal from the URL (if any); a string: the outcome of an attempt here.
  const [error, setError] = useState<string | null>(null);
  // Completed attempts, exposed on the error box so tests can tell one failure from the next.
  const [attempts, setAttempts] = useState(0);

  useEffect(() => {
    let live = true;
    signInOptions().then(
      (o) => live && setOptions(o),
      () => live && setError('Could not reach the server. Check your connection and reload.'),
    );
    return () => {
      live = false;
    };
  }, []);

  const providerName = options?.find((o) => o.id === refusal.provider)?.name ?? null;
  const shown = error ?? (attempts === 0 ? signInErrorMessage(refusal.error, { providerName, email: refusal.email }) : null);
  const sso = options?.filter((o) => o.type === 'oauth') ?? [];
  const passwordLogin = options?.some((o) => o.type === 'credentials') ?? false;

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const to = safeCallbackPath(callbackUrl, window.location.origin);
    try {
      const result = await signInWithPassword(username, password, to);
      if (result.ok) {
        // A full navigation: the gateway checks the fresh session cookie before serving the page.
        window.location.assign(to === '/login' ? '/' : to);
        return;
      }
      setError(messageFor(result));
    } catch {
      setError('Could not reach the server. Check your connection and try again.');
    }
    setAttempts((n) => n + 1);
    setBusy(false);
  }

  return (
    <div className="login-card">
      <h1>Tether</h1>
      <p className="muted">Sign in to your workspaces</p>
      {options === null && !error && <p className="muted" aria-live="polite">Loading sign-in options…</p>}
      {sso.length > 0 && (
        <SsoButtons
          providers={sso}
          callbackUrl={callbackUrl}
          onError={(m) => {
            setError(m);
            setAttempts((n) => n + 1);
          }}
        />
      )}
      {sso.length > 0 && passwordLogin && <p className="login-or muted">or with your Tether password</p>}
      {passwordLogin && (
        <form onSubmit={submit} noValidate aria-label="Sign in with a password">
          <label htmlFor="login-username">Username</label>
          <input
            id="login-username"
            data-testid="login-username"
            className="input"
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            autoCorrect="off"
            spellCheck={false}
            required
            autoFocus
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
          <label htmlFor="login-password">Password</label>
          <input
            id="login-password"
            data-testid="login-password"
            className="input"
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <button className="btn btn-primary" data-testid="login-submit" type="submit" disabled={busy || !username || !password}>
            {busy ? 'Signing in…' : 'Sign in'}
          </button>
        </form>
      )}
      {shown && (
        <div className="login-error" role="alert" data-testid="login-error" data-attempt={attempts}>
          {shown}
        </div>
      )}
    </div>
  );
}
