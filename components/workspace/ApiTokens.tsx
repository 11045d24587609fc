'use client';
/**
 * API tokens for scripts and other clients (`Authorization: Bearer …` on /ws and tRPC).
 * The raw token is shown once, right after creation; the server keeps only its hash.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage, useTRPC } from '@/lib/client/trpc';

function when(ms: number | null): string {
  return ms === null ? 'never' : new Date(ms).toLocaleString();
}

/** `page`: the section is its page (/tokens): its title is the page's h1. */
export function ApiTokens({ page = false }: { page?: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.tokens.list.queryOptions());
  const [name, setName] = useState('');
  const [fresh, setFresh] = useState<{ name: string; token: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.tokens.list.queryKey() });
  const create = useMutation(
    trpc.tokens.create.mutationOptions({
      onSuccess: async (res) => {
        setFresh({ name: res.info.name, token: res.token });
        setName('');
        await refresh();
      },
      onError: (err) => setError(errorMessage(err)),
    }),
  );
  const revoke = useMutation(
    trpc.tokens.revoke.mutationOptions({ onSuccess: refresh, onError: (err) => setError(errorMessage(err)) }),
  );

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const trimmed = name.trim();
    if (!trimmed) return setError('Give the token a name, e.g. the script that will use it.');
    create.mutate({ name: trimmed });
  }

  return (
    <section className="tokens" aria-labelledby="tokens-heading">
      {page ? <h1 id="tokens-heading">API tokens</h1> : <h2 id="tokens-heading">API tokens</h2>}
      <p className="muted">For scripts and other clients: send <code>Authorization: Bearer &lt;token&gt;</code>.</p>
      <form className="create-form" onSubmit={submit} noValidate>
        <div>
          <input
            className="input"
            data-testid="token-name-input"
            aria-label="New token name"
            placeholder="token name"
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          {error && (
            <p className="field-error" role="alert">
              {error}
            </p>
          )}
        </div>
        <button className="btn" type="submit" data-testid="token-create" disabled={create.isPending}>
          Create token
        </button>
      </form>
      {fresh && (
        <div className="token-fresh" role="status" data-testid="token-fresh">
          <p>
            Token <strong>{fresh.name}</strong> — copy it now, it will not be shown again:
          </p>
          <code data-testid="token-value">{fresh.token}</code>
          <div className="token-fresh-actions">
            <button className="btn" onClick={() => void navigator.clipboard?.writeText(fresh.token)}>
              Copy
            </button>
            <button className="btn" onClick={() => setFresh(null)}>
              Done
            </button>
          </div>
        </div>
      )}
      {list.data && list.data.length > 0 && (
        <ul className="workspace-list token-list">
          {list.data.map((t) => (
            <li key={t.id} data-testid="token-row">
              <span>{t.name}</span>
              <span className="root">
                created {when(t.createdAt)} · last used {when(t.lastUsedAt)}
              </span>
              <button className="btn btn-danger" onClick={() => revoke.mutate({ id: t.id })} disabled={revoke.isPending}>
                Revoke
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
