'use client';
/**
 * /admin: the operator's live view of this gateway — sessions, sockets, guests, terminal bytes in
 * and out, keystroke echo latency, the process, tRPC traffic, refusals, the SSH pool and the cloud
 * pool. Polls `admin.stats` every 2 s; the server sends totals since start and rates come from the
 * difference of two consecutive readings (see admin-stats.ts).
 *
 * Every figure is a `data-testid="stat-<name>"` element whose `data-value` holds the raw number
 * (bytes, bytes/s, ms, percent, seconds…); it is absent while the figure is unknown (no rate before
 * the second reading, no echo latency before the first keystroke).
 *
 * Others than admins get a plain refusal; a signed-out visitor is sent to sign in and back.
 */
import { useQuery } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import Link from 'next/link';
import { useEffect, useState, type ReactNode } from 'react';
import { AppHeader } from '@/components/nav/AppHeader';
import { CloudPool } from '@/components/workspace/CloudPool';
import { AuditAdmin } from './AuditAdmin';
import { UsersAdmin } from './UsersAdmin';
import { errorMessage, trpcErrorCode, useTRPC } from '@/lib/client/trpc';
import type { AppRouter } from '@/server/trpc/router';
import {
  bytesText,
  endpointText,
  msText,
  perSecText,
  percentText,
  rateText,
  ratesBetween,
  retryText,
  uptimeText,
} from './admin-stats';
import './admin.css';

type Stats = inferRouterOutputs<AppRouter>['admin']['stats'];

const POLL_MS = 2_000;
const LOGIN_URL = `/login?callbackUrl=${encodeURIComponent('/admin')}`;

/** Errors that polling again will not cure. */
const FINAL_CODES = new Set(['UNAUTHORIZED', 'FORBIDDEN']);

export function AdminDashboard() {
  const trpc = useTRPC();
  const q = useQuery(
    trpc.admin.stats.queryOptions(undefined, {
      refetchInterval: (query) => (FINAL_CODES.has(trpcErrorCode(query.state.error) ?? '') ? false : POLL_MS),
      retry: false,
      staleTime: 0,
    }),
  );
  const code = trpcErrorCode(q.error);
  const me = useQuery(trpc.me.queryOptions());

  useEffect(() => {
    if (code === 'UNAUTHORIZED') window.location.assign(LOGIN_URL);
  }, [code]);

  // The last two readings (by their server time), for rates.
  const [readings, setReadings] = useState<{ prev: Stats | null; cur: Stats | null }>({ prev: null, cur: null });
  if (q.data && q.data.at !== readings.cur?.at) setReadings({ prev: readings.cur, cur: q.data });

  if (code === 'FORBIDDEN') {
    return (
      <AdminFrame>
        <div className="admin-forbidden" data-testid="admin-forbidden" role="alert">
          <h2>Only admins can see this page</h2>
          <p className="muted">Ask an admin of this gateway if you need its figures.</p>
          <Link href="/?home=1" className="btn">
            Back to workspaces
          </Link>
        </div>
      </AdminFrame>
    );
  }
  if (code === 'UNAUTHORIZED') {
    return (
      <AdminFrame>
        <p className="muted" data-testid="admin-signin">
          Sign in to see this page…
        </p>
      </AdminFrame>
    );
  }

  const s = readings.cur ?? q.data ?? null;
  if (!s) {
    return (
      <AdminFrame>
        {q.isError ? (
          <p className="field-error" role="alert">
            Could not load the gateway’s figures: {errorMessage(q.error)}
          </p>
        ) : (
          <p className="muted">Loading the gateway’s figures…</p>
        )}
      </AdminFrame>
    );
  }

  const rates = ratesBetween(readings.prev, s);
  const now = s.at;
  return (
    <AdminFrame updatedAt={s.at} stale={q.isError ? errorMessage(q.error) : null}>
      <div data-testid="admin-dashboard" className="admin-dashboard">
        <section aria-labelledby="admin-live-heading">
          <h2 id="admin-live-heading">Live</h2>
          <div className="admin-stats">
            <Stat name="sessions" label="Sessions running" value={s.sessions.running} text={String(s.sessions.running)}>
              <SubStat name="sessions-total" value={s.sessions.total} text={`of ${s.sessions.total} held`} />
            </Stat>
            <Stat name="sockets" label="Sockets" value={s.sockets} text={String(s.sockets)} />
            <Stat name="guests" label="Guests online" value={s.guestsOnline} text={String(s.guestsOnline)} />
            <Stat name="bytes-out" label="Output" value={rates?.bytesOutPerSec} text={rates ? rateText(rates.bytesOutPerSec) : '—'}>
              <SubStat name="bytes-out-total" value={s.bytesSent} text={`${bytesText(s.bytesSent)} in all`} />
            </Stat>
            <Stat name="bytes-in" label="Input" value={rates?.bytesInPerSec} text={rates ? rateText(rates.bytesInPerSec) : '—'}>
              <SubStat name="bytes-in-total" value={s.bytesReceived} text={`${bytesText(s.bytesReceived)} in all`} />
            </Stat>
            <Stat name="echo-p50" label="Echo p50" value={s.echoP50Ms ?? undefined} text={msText(s.echoP50Ms)}>
              <SubStat name="echo-samples" value={s.echoSamples} text={`${s.echoSamples} keystrokes`} />
            </Stat>
            <Stat name="echo-p99" label="Echo p99" value={s.echoP99Ms ?? undefined} text={msText(s.echoP99Ms)} />
          </div>
        </section>

        <section aria-labelledby="admin-process-heading">
          <h2 id="admin-process-heading">Process</h2>
          <div className="admin-stats">
            <Stat name="cpu" label="CPU" value={rates?.cpuPercent} text={rates ? percentText(rates.cpuPercent) : '—'} />
            <Stat name="rss" label="Memory (RSS)" value={s.process.rssBytes} text={bytesText(s.process.rssBytes)}>
              <SubStat name="heap" value={s.process.heapUsedBytes} text={`heap ${bytesText(s.process.heapUsedBytes)}`} />
            </Stat>
            <Stat name="uptime" label="Uptime" value={s.uptimeSeconds} text={uptimeText(s.uptimeSeconds)} />
            <Stat name="trpc-calls" label="tRPC calls" value={rates?.trpcCallsPerSec} text={rates ? `${perSecText(rates.trpcCallsPerSec)}/s` : '—'}>
              <SubStat name="trpc-calls-total" value={s.trpcCalls} text={`${s.trpcCalls} in all`} />
            </Stat>
            <Stat name="trpc-errors" label="tRPC errors" value={s.trpcErrors} text={String(s.trpcErrors)} warn={s.trpcErrors > 0}>
              <SubStat
                name="trpc-errors-rate"
                value={rates?.trpcErrorsPerSec}
                text={rates ? `${perSecText(rates.trpcErrorsPerSec)}/s now` : ' '}
              />
            </Stat>
            <Stat name="upgrades-refused" label="Refused upgrades" value={s.upgradesRefused} text={String(s.upgradesRefused)} warn={s.upgradesRefused > 0} />
            <Stat name="limits-hit" label="Limits hit" value={s.limitsHit} text={String(s.limitsHit)} warn={s.limitsHit > 0} />
          </div>
        </section>

        <section aria-labelledby="admin-ssh-heading">
          <h2 id="admin-ssh-heading">SSH pool</h2>
          {s.ssh.length === 0 ? (
            <p className="empty" data-testid="ssh-pool-empty">
              No pooled SSH connections.
            </p>
          ) : (
            <div className="table-scroll">
              <table className="admin-table" data-testid="ssh-pool-table">
                <thead>
                  <tr>
                    <th scope="col">Host</th>
                    <th scope="col">User</th>
                    <th scope="col">State</th>
                    <th scope="col">Conns</th>
                    <th scope="col">Channels</th>
                    <th scope="col">Failures</th>
                    <th scope="col">Last error</th>
                  </tr>
                </thead>
                <tbody>
                  {s.ssh.map((h) => {
                    const retry = retryText(h.nextRetryAt, now);
                    return (
                      <tr key={`${h.username}@${h.host}:${h.port}:${h.user ?? ''}`} data-testid="ssh-pool-row" data-state={h.state}>
                        <td>
                          <code>{endpointText(h)}</code>
                        </td>
                        <td>{h.user ?? '—'}</td>
                        <td>
                          <span className="runtime" data-state={h.state}>
                            <span className="runtime-dot" aria-hidden="true" />
                            <span>{h.state}</span>
                          </span>
                          {retry && (h.state === 'backoff' || h.state === 'failed') && <span className="muted"> · retry {retry}</span>}
                        </td>
                        <td>{h.connections}</td>
                        <td>{h.channels}</td>
                        <td>{h.failures}</td>
                        <td className="admin-error-cell">
                          {h.lastError ? (
                            <span title={new Date(h.lastError.at).toLocaleString()}>
                              <strong>{h.lastError.kind}</strong>: {h.lastError.message}
                            </span>
                          ) : (
                            '—'
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )}
        </section>

        <section aria-labelledby="admin-cloud-heading">
          <h2 id="admin-cloud-heading">Cloud pool</h2>
          <div className="admin-stats">
            <Stat name="cloud-warm" label="Warm" value={s.cloud.warm} text={String(s.cloud.warm)}>
              <SubStat name="cloud-warm-target" value={s.cloud.warmTarget} text={`target ${s.cloud.warmTarget}`} />
            </Stat>
            <Stat name="cloud-starting" label="Starting" value={s.cloud.starting} text={String(s.cloud.starting)} />
            <Stat name="cloud-assigned" label="Assigned" value={s.cloud.assigned} text={String(s.cloud.assigned)} />
          </div>
        </section>
        <CloudPool />
        <UsersAdmin meId={me.data?.id ?? null} />
        <AuditAdmin />
      </div>
    </AdminFrame>
  );
}

function AdminFrame({ children, updatedAt, stale }: { children: ReactNode; updatedAt?: number; stale?: string | null }) {
  return (
    <>
      <AppHeader className="admin-topbar" />
      <main className="admin-main">
        <div className="admin-head">
          <h1 className="admin-title">Admin</h1>
          {/* A plain link: /metrics is served by the gateway, not a page of the app. */}
          <a className="btn" href="/metrics" target="_blank" rel="noopener noreferrer" data-testid="admin-metrics-link">
            Metrics
          </a>
        </div>
        {updatedAt !== undefined && (
          <p className="admin-updated muted" aria-live="off">
            Updated {new Date(updatedAt).toLocaleTimeString()} · every {POLL_MS / 1000} s
          </p>
        )}
        {stale && (
          <p className="field-error" role="alert" data-testid="admin-stale">
            Could not refresh: {stale}
          </p>
        )}
        {children}
      </main>
    </>
  );
}

interface StatProps {
  name: string;
  label: string;
  /** The raw number; undefined while unknown. */
  value: number | undefined;
  text: string;
  warn?: boolean;
  children?: ReactNode;
}

function Stat({ name, label, value, text, warn, children }: StatProps) {
  return (
    <div className="admin-stat" data-warn={warn ? 'true' : undefined}>
      <span className="admin-stat-label">{label}</span>
      <span className="admin-stat-value" data-testid={`stat-${name}`} data-value={value === undefined ? undefined : String(value)}>
        {text}
      </span>
      {children}
    </div>
  );
}

function SubStat({ name, value, text }: { name: string; value: number | undefined; text: string }) {
  return (
    <span className="admin-stat-sub muted" data-testid={`stat-${name}`} data-value={value === undefined ? undefined : String(value)}>
      {text}
    </span>
  );
}
