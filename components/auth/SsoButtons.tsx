'use client';
import { useState } from 'react';
import { safeCallbackPath, startSingleSignOn, type SignInOption } from '@/lib/client/auth-client';

/** One button per single sign-on provider; a click leaves for the provider's sign-in page. */
export function SsoButtons({ providers, callbackUrl, onError }: { providers: SignInOption[]; callbackUrl: string; onError(message: string): void }) {
  const [busy, setBusy] = useState<string | null>(null);

  async function start(p: SignInOption) {
    setBusy(p.id);
    const to = safeCallbackPath(callbackUrl, window.location.origin);
    try {
      window.location.assign(await startSingleSignOn(p.id, to === '/login' ? '/' : to));
    } catch {
      onError(`Could not start sign-in with ${p.name}. Check your connection and try again.`);
      setBusy(null);
    }
  }

  return (
    <div className="sso-buttons">
      {providers.map((p) => (
        <button key={p.id} type="button" className="btn" data-testid={`sso-${p.id}`} disabled={busy !== null} onClick={() => void start(p)}>
          {busy === p.id ? `Continuing to ${p.name}…` : `Sign in with ${p.name}`}
        </button>
      ))}
    </div>
  );
}
