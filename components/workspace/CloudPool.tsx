'use client';
/**
 * For admins: the cloud workers this gateway runs — which provider and sandbox, how full the warm
 * pool is, and every worker with its user, state, size and age. Polled every 5 s. Rendered only
 * for admins (the query is refused to anyone else), so others never ask for it.
 */
import { useQuery } from '@tanstack/react-query';
import { agoText, durationText, poolSummaryText, workerOwnerText } from '@/lib/client/cloud-pool';
import { errorMessage, useTRPC } from '@/lib/client/trpc';

const POLL_MS = 5_000;

/** `page`: the section is its page (/cloud): its title is the page's h1. */
export function CloudPool({ page = false }: { page?: boolean }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.cloud.pool.queryOptions(undefined, { refetchInterval: POLL_MS, retry: false }));
  // Ages are counted from the moment the answer came, so they move with every poll.
  const now = q.dataUpdatedAt || Date.now();
  const pool = q.data;

  return (
    <section className="cloud-pool" aria-labelledby="cloud-pool-heading" data-testid="cloud-pool">
      {page ? <h1 id="cloud-pool-heading">Cloud workers</h1> : <h2 id="cloud-pool-heading">Cloud workers</h2>}
      {q.isPending && <p className="muted">Loading cloud workers…</p>}
      {q.isError && !pool && <p className="field-error">Could not load cloud workers: {errorMessage(q.error)}</p>}
      {pool && (
        <>
          <dl className="cloud-pool-facts">
            <div>
              <dt>Provider</dt>
              <dd data-testid="cloud-pool-provider">{pool.provider}</dd>
            </div>
            <div>
              <dt>Sandbox</dt>
              <dd data-testid="cloud-pool-sandbox">{pool.sandbox}</dd>
            </div>
            <div>
              <dt>Warm pool</dt>
              <dd
                data-testid="cloud-pool-summary"
                data-warm={pool.warm}
                data-warm-target={pool.warmTarget}
                data-starting={pool.starting}
                data-assigned={pool.assigned}
              >
                {poolSummaryText(pool)}
              </dd>
            </div>
          </dl>
          {pool.workers.length === 0 ? (
            <p className="empty">No workers running.</p>
          ) : (
            <div className="table-scroll">
              <table className="cloud-workers">
                <thead>
                  <tr>
                    <th scope="col">Worker</th>
                    <th scope="col">User</th>
                    <th scope="col">State</th>
                    <th scope="col">Size</th>
                    <th scope="col">Age</th>
                    <th scope="col">Last used</th>
                  </tr>
                </thead>
                <tbody>
                  {pool.workers.map((w) => (
                    <tr key={w.id} data-testid="cloud-worker-row" data-worker-id={w.id} data-state={w.state}>
                      <td>
                        <code>{w.id}</code>
                      </td>
                      <td>{workerOwnerText(w)}</td>
                      <td>
                        <span className="runtime" data-state={w.state}>
                          <span className="runtime-dot" aria-hidden="true" />
                          <span>{w.state}</span>
                        </span>
                      </td>
                      <td>{w.size}</td>
                      <td title={new Date(w.createdAt).toLocaleString()}>{durationText(now - w.createdAt)}</td>
                      <td title={w.lastUsedAt === null ? undefined : new Date(w.lastUsedAt).toLocaleString()}>{agoText(w.lastUsedAt, now)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {q.isError && <p className="field-error">Could not refresh: {errorMessage(q.error)}</p>}
        </>
      )}
    </section>
  );
}
