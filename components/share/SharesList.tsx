'use client';
/**
 * The owner's share links (all, or one workspace's): what each covers, until when, who is on it
 * now, with Revoke; and an "Activity" log (created, joined from where, removed, revoked, expired).
 * Polled while shown, so online counts and expiries stay current.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { errorMessage, useTRPC } from '@/lib/client/trpc';
import { ago, auditText, coversText, expiryText, scopeText } from './share-text';
import { useNow } from '@/lib/client/use-now';

const POLL_MS = 5000;


export function SharesList({ workspaceId }: { workspaceId?: string }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const now = useNow();
  const [showAudit, setShowAudit] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const auditId = useId();

  const input = workspaceId ? { workspaceId } : {};
  const list = useQuery(trpc.shares.list.queryOptions(input, { refetchInterval: POLL_MS }));
  const audit = useQuery(trpc.shares.audit.queryOptions({}, { enabled: showAudit, refetchInterval: showAudit ? POLL_MS : false }));

  const revoke = useMutation(
    trpc.shares.revoke.mutationOptions({
      onMutate: () => setError(null),
      onError: (err) => setError(`Could not revoke the link: ${errorMessage(err)}`),
      onSettled: () =>
        Promise.all([
          queryClient.invalidateQueries({ queryKey: trpc.shares.list.pathKey() }),
          queryClient.invalidateQueries({ queryKey: trpc.shares.audit.pathKey() }),
        ]),
    }),
  );

  const rows = list.data ?? [];
  // One workspace's activity: the events of its links only.
  const ids = new Set(rows.map((s) => s.id));
  const events = (audit.data ?? []).filter((e) => !workspaceId || ids.has(e.shareId));

  return (
    <div className="shares" data-testid="shares-list">
      {list.isPending && <p className="muted">Loading share links…</p>}
      {list.isError && <p className="field-error">Could not load share links: {errorMessage(list.error)}</p>}
      {list.data && rows.length === 0 && (
        <p className="empty" data-testid="shares-empty">
          {workspaceId ? 'No share links for this workspace yet.' : 'No share links yet. Share a terminal or a workspace from its page.'}
        </p>
      )}
      {rows.length > 0 && (
        <ul className="workspace-list share-list">
          {rows.map((s) => (
            <li key={s.id} className="share-row" data-testid="share-row" data-share-id={s.id} data-state={s.state}>
              <div className="share-row-main">
                <span className="share-label">{s.label || <span className="muted">Untitled link</span>}</span>
                <span className="share-covers">
                  {coversText(s)}
                  {!workspaceId && s.sessionId !== null && s.workspaceName ? ` · ${s.workspaceName}` : ''}
                </span>
                <span className="share-facts">
                  <span className="share-scope" data-scope={s.scope}>
                    {scopeText(s.scope)}
                  </span>
                  <span data-testid="share-expiry-text">{expiryText(s, now)}</span>
                  <span data-testid="share-online" data-online={s.online}>
                    {s.online} online
                  </span>
                  <span data-testid="share-joined">{s.joined} joined</span>
                </span>
              </div>
              {s.state === 'active' && (
                <button
                  className="btn btn-danger"
                  data-testid="share-revoke"
                  aria-label={`Revoke ${s.label || 'untitled link'}`}
                  disabled={revoke.isPending && revoke.variables?.id === s.id}
                  onClick={() => revoke.mutate({ id: s.id })}
                >
                  Revoke
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p className="field-error" role="alert">
          {error}
        </p>
      )}
      <button
        type="button"
        className="share-audit-toggle"
        data-testid="share-audit-toggle"
        aria-expanded={showAudit}
        aria-controls={auditId}
        onClick={() => setShowAudit((v) => !v)}
      >
        {showAudit ? '▾' : '▸'} Activity
      </button>
      {showAudit && (
        <div id={auditId} className="share-audit" data-testid="share-audit">
          {audit.isPending && <p className="muted">Loading activity…</p>}
          {audit.isError && <p className="field-error">Could not load activity: {errorMessage(audit.error)}</p>}
          {audit.data && events.length === 0 && <p className="muted">Nothing yet.</p>}
          {events.length > 0 && (
            <ul className="share-audit-list">
              {events.map((e) => (
                <li key={e.id} data-testid="share-audit-row" data-kind={e.kind} data-share-id={e.shareId}>
                  <span>
                    {auditText(e)} · <time dateTime={new Date(e.at).toISOString()} title={new Date(e.at).toLocaleString()}>{ago(e.at, now)}</time>
                  </span>
                  <span className="muted share-audit-label">{e.label || 'Untitled link'}</span>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}
