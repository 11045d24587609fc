'use client';
import { useState, type FormEvent } from 'react';
import { safeCallbackPath, signInWithPassword, type SignInResult } from '@/lib/client/auth-client';

const MESSAGES = {
  credentials: 'Wrong username or password',
  'rate-limited': 'Too many attempts, try again in a minute',
} as const;

function messageFor(result: Exclude<SignInResult, { ok: true }>): string {
  if (result.reason === 'other') return `Sign-in failed (${result.detail ?? 'unknown error'}). Try again.`;
  return MESSAGES[result.reason];
}

function initialMessage(error: string | null): string | null {
  if (!error) return null;
  if (error === 'CredentialsSignin') return MESSAGES.credentials;
  if (/too ?many|rate/i.test(error)) return MESSAGES['rate-limited'];
  return null;
}

export function LoginForm({ callbackUrl, initialError }: { callbackUrl: string; initialError: string | null }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(() => initialMessage(initialError));
  // Completed attempts, exposed on the error box so tests can tell one failure from the next.
  const [attempts, setAttempts] = useState(0);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setBusy(true);
    setError(null);
    const target = safeCallbackPath(callbackUrl, window.location.origin);
    try {
      const result = await signInWithPassword(username, password, target);
      if (result.ok) {
        // A full navigation: the gateway checks the fresh session cookie before serving the page.
        window.location.assign(target === '/login' ? '/' : target);
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
    <form className="login-card" onSubmit={submit} noValidate>
      <h1>Tether</h1>
      <p className="muted">Sign in to your workspaces</p>
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
      {error && (
        <div className="login-error" role="alert" data-testid="login-error" data-attempt={attempts}>
          {error}
        </div>
      )}
    </form>
  );
}
