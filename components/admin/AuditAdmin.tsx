'use client';
/**
 * The audit trail on the admin page: security events newest first (time, who, what, on what,
 * detail, address), filtered by area or action, by who (an account or a target such as
 * `user:alice`) and by day; "Older" pages back by id. Filters apply when the form is submitted,
 * so typing a name does not fetch on every key.
 */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useState, type FormEvent } from 'react';
import { AUDIT_ACTIONS, AUDIT_AREAS, type AuditDetail } from '@/lib/shared/audit';
import { errorMessage, useTRPC } from '@/lib/client/trpc';
import type { AppRouter } from '@/server/trpc/router';

type AuditPage = inferRouterOutputs<AppRouter>['audit']['list'];

const PAGE = 50;

interface Filter {
  action?: string;
  who?: string;
  since?: number;
  until?: number;
}

/** `yyyy-mm-dd` of an <input type=date> as local midnight (or the day's last ms). */
function dayBound(value: string, end: boolean): number | undefined {
  if (!value) return undefined;
  const [y, m, d] = value.split('-').map(Number);
  if (!y || !m || !d) return undefined;
  return end ? new Date(y, m - 1, d, 23, 59, 59, 999).getTime() : new Date(y, m - 1, d).getTime();
}

function detailText(detail: AuditDetail): string {
  return Object.entries(detail)
    .filter(([, v]) => v !== null && v !== '')
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(', ');
}

export function AuditAdmin() {
  const trpc = useTRPC();
  const [action, setAction] = useState('');
  const [who, setWho] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [filter, setFilter] = useState<Filter>({});
  /** Cursors of the pages shown before this one (the last is this page's `before`). */
  const [cursors, setCursors] = useState<number[]>([]);
  const before = cursors.at(-1);
  const page = useQuery({ ...trpc.audit.list.queryOptions({ ...filter, before, limit: PAGE }), placeholderData: keepPreviousData });

  function apply(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setFilter({ action: action || undefined, who: who.trim() || undefined, since: dayBound(from, false), until: dayBound(to, true) });
    setCursors([]);
  }

  return (
    <section aria-labelledby="audit-heading" data-testid="audit-admin">
      <h2 id="audit-heading">Audit trail</h2>
      <form className="audit-filters" onSubmit={apply} data-testid="audit-filters">
        <label>
          Area or action
          <select className="input" value={action} onChange={(e) => setAction(e.target.value)} data-testid="audit-action">
            <option value="">Everything</option>
            <optgroup label="Areas">
              {AUDIT_AREAS.map((a) => (
                <option key={a} value={a}>
                  {a} (all)
                </option>
              ))}
            </optgroup>
            <optgroup label="Actions">
              {AUDIT_ACTIONS.map((a) => (
                <option key={a} value={a}>
                  {a}
                </option>
              ))}
            </optgroup>
          </select>
        </label>
        <label>
          Who (account or target)
          <input className="input" value={who} onChange={(e) => setWho(e.target.value)} placeholder="alice or user:alice" autoComplete="off" data-testid="audit-who" />
        </label>
        <label>
          From
          <input className="input" type="date" value={from} onChange={(e) => setFrom(e.target.value)} data-testid="audit-from" />
        </label>
        <label>
          To
          <input className="input" type="date" value={to} onChange={(e) => setTo(e.target.value)} data-testid="audit-to" />
        </label>
        <button className="btn" type="submit" data-testid="audit-apply">
          Filter
        </button>
      </form>
      {page.isError && (
        <p className="field-error" role="alert">
          Could not load the audit trail: {errorMessage(page.error)}
        </p>
      )}
      {page.data && <AuditTable page={page.data} />}
      <div className="audit-paging">
        {cursors.length > 0 && (
          <button className="btn" onClick={() => setCursors([])} data-testid="audit-newest">
            Newest
          </button>
        )}
        {page.data?.next != null && (
          <button className="btn" onClick={() => setCursors((c) => [...c, page.data!.next!])} data-testid="audit-older">
            Older
          </button>
        )}
      </div>
    </section>
  );
}

function AuditTable({ page }: { page: AuditPage }) {
  if (page.events.length === 0) return <p className="muted" data-testid="audit-empty">No events match.</p>;
  return (
    <div className="table-scroll">
      <table className="admin-table audit-table" data-testid="audit-table">
        <thead>
          <tr>
            <th scope="col">Time</th>
            <th scope="col">Actor</th>
            <th scope="col">Action</th>
            <th scope="col">Target</th>
            <th scope="col">Detail</th>
            <th scope="col">IP</th>
          </tr>
        </thead>
        <tbody>
          {page.events.map((e) => (
            <tr key={e.id} data-testid="audit-row" data-action={e.action}>
              <td>
                <time dateTime={new Date(e.at).toISOString()}>{new Date(e.at).toLocaleString()}</time>
              </td>
              <td data-testid="audit-actor">{e.actorName ?? <span className="muted">system</span>}</td>
              <td>
                <code>{e.action}</code>
              </td>
              <td data-testid="audit-target">{e.target ?? ''}</td>
              <td className="audit-detail">{detailText(e.detail)}</td>
              <td>{e.ip ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
