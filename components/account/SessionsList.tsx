'use client';
/**
 * Where you are signed in: every live sign-in session (method, since, last seen, address,
 * browser), this one marked. Revoking another ends it at once — its open terminals disconnect
 * and its next page load asks to sign in. This one ends by signing out.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, useTRPC } from '@/lib/client/trpc';
// The admin pages' table look (.admin-table).
import '@/components/admin/admin.css';

const UA_SHOWN = 80;
const when = (ms: number) => new Date(ms).toLocaleString();

export function SessionsList() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.account.sessions.queryOptions());
  const [message, setMessage] = useState<{ kind: 'error' | 'ok'; text: string } | null>(null);
  const revoke = useMutation(
    trpc.account.revokeSession.mutationOptions({
      onSuccess: ({ revoked }) => {
        setMessage({ kind: 'ok', text: revoked === 1 ? 'Signed out that session.' : `Signed out ${revoked} sessions.` });
        return queryClient.invalidateQueries({ queryKey: trpc.account.sessions.queryKey() });
      },
      onError: (err) => setMessage({ kind: 'error', text: errorMessage(err) }),
    }),
  );
  const others = list.data?.filter((s) => !s.current).length ?? 0;

  return (
    <section aria-labelledby="sessions-heading" data-testid="account-sessions">
      <h2 id="sessions-heading">Where you are signed in</h2>
      {list.isError && <p className="field-error">Could not load your sessions: {errorMessage(list.error)}</p>}
      {list.data && (
        <div className="table-scroll">
          <table className="admin-table account-sessions" data-testid="sessions-table">
            <thead>
              <tr>
                <th scope="col">Signed in</th>
                <th scope="col">Method</th>
                <th scope="col">Last seen</th>
                <th scope="col">IP</th>
                <th scope="col">Browser</th>
                <th scope="col">Expires</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((s) => (
                <tr key={s.id} data-testid="session-row" data-current={s.current ? 'true' : 'false'}>
                  <td>
                    {when(s.createdAt)}
                    {s.current && <strong data-testid="session-current"> · this session</strong>}
                  </td>
                  <td>{s.method}</td>
                  <td>{when(s.lastSeenAt)}</td>
                  <td>{s.ip ?? ''}</td>
                  <td className="account-session-ua" title={s.userAgent ?? undefined}>
                    {s.userAgent && s.userAgent.length > UA_SHOWN ? `${s.userAgent.slice(0, UA_SHOWN)}…` : (s.userAgent ?? '')}
                  </td>
                  <td>{when(s.expiresAt)}</td>
                  <td>
                    {!s.current && (
                      <button
                        className="btn"
                        data-testid="session-revoke"
                        disabled={revoke.isPending}
                        onClick={() => {
                          setMessage(null);
                          revoke.mutate({ id: s.id });
                        }}
                      >
                        Revoke<span className="visually-hidden"> the session from {when(s.createdAt)}</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {others > 0 && (
        <button
          className="btn"
          data-testid="sessions-revoke-others"
          disabled={revoke.isPending}
          onClick={() => {
            setMessage(null);
            revoke.mutate({ others: true });
          }}
        >
          Sign out everywhere else
        </button>
      )}
      {message && (
        <p className={message.kind === 'error' ? 'field-error' : 'muted'} role={message.kind === 'error' ? 'alert' : 'status'} data-testid="sessions-message">
          {message.text}
        </p>
      )}
    </section>
  );
}
