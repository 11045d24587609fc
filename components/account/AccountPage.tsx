'use client';
/** /account: who you are signed in as, changing your password (the current one first), and where
 * you are signed in (SessionsList). */
import { useMutation, useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { PageFrame } from '@/components/nav/PageFrame';
import { SessionsList } from './SessionsList';
import { errorMessage, useTRPC } from '@/lib/client/trpc';

export function AccountPage() {
  const trpc = useTRPC();
  const me = useQuery(trpc.account.get.queryOptions());
  const change = useMutation(trpc.account.changePassword.mutationOptions());
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setMessage(null);
    if (next !== again) return setMessage({ kind: 'error', text: 'The new password and its repetition differ.' });
    try {
      await change.mutateAsync({ current, next });
    } catch (err) {
      return setMessage({ kind: 'error', text: errorMessage(err) });
    }
    setCurrent('');
    setNext('');
    setAgain('');
    setMessage({ kind: 'ok', text: 'Password changed. Use the new one next time you sign in.' });
  }

  return (
    <PageFrame className="account-page" testId="account-page">
      <h1>Your account</h1>
      {me.data && (
        <p data-testid="account-who">
          Signed in as <strong>{me.data.name}</strong>
          {me.data.displayName ? ` (${me.data.displayName})` : ''} · {me.data.role === 'admin' ? 'admin' : 'member'}
          {me.data.email ? ` · ${me.data.email}` : ''}
        </p>
      )}
      <section aria-labelledby="password-heading">
        <h2 id="password-heading">Change password</h2>
        <form className="account-password" onSubmit={(e) => void submit(e)} noValidate data-testid="account-password-form">
          <label>
            Current password
            <input type="password" autoComplete="current-password" value={current} onChange={(e) => setCurrent(e.target.value)} data-testid="account-current" />
          </label>
          <label>
            New password (at least 8 characters)
            <input type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} data-testid="account-next" />
          </label>
          <label>
            New password again
            <input type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} data-testid="account-again" />
          </label>
          <button className="btn" type="submit" disabled={change.isPending} data-testid="account-change">
            Change password
          </button>
          {message && (
            <p className={message.kind === 'error' ? 'field-error' : 'muted'} role={message.kind === 'error' ? 'alert' : 'status'} data-testid="account-message">
              {message.text}
            </p>
          )}
        </form>
      </section>
      <SessionsList />
    </PageFrame>
  );
}
