'use client';
/**
 * One workspace on the home page: its name (the link that opens it) and folder, where it runs with
 * the state the gateway knows (never probed for this list), "N terminals running", "N waiting"
 * (a link to /agents, where they can be answered) and when it was last active, exactly in the
 * tooltip; and Remove.
 */
import type { inferRouterOutputs } from '@trpc/server';
import Link from 'next/link';
import { runtimeBadge } from '@/lib/client/runtime-health';
import type { AppRouter } from '@/server/trpc/router';
import { RemoveWorkspaceButton } from './RemoveWorkspaceButton';
import { activityText, terminalsText, waitingText } from './workspace-status';

export type WorkspaceOverview = inferRouterOutputs<AppRouter>['workspaces']['overview'][number];

/** Where the folder is: the path here, `host:path` on an SSH host, the worker of a cloud one. */
function WhereText({ ws }: { ws: WorkspaceOverview }) {
  if (ws.kind === 'cloud') {
    return (
      <>
        <span className="kind-tag" data-testid="workspace-kind">
          cloud
        </span>
        {ws.workerId ?? 'no worker'}
      </>
    );
  }
  return <>{ws.kind === 'ssh' ? `${ws.host?.name ?? 'SSH host'}:${ws.root}` : ws.root}</>;
}

export function WorkspaceCard({ ws, now }: { ws: WorkspaceOverview; now: number }) {
  // Not probed: "ok" means nothing known is wrong (the workspace page's badge asks the runtime).
  const badge = runtimeBadge({ kind: ws.kind, ok: true, detail: null, host: ws.host, pool: ws.pool, worker: ws.worker }, now);
  const waiting = waitingText(ws.agentsWaiting);
  const activity = activityText(ws, now);
  const exact = new Date(activity.at);
  return (
    <li className="workspace-row workspace-card" data-testid="workspace-card" data-workspace-id={ws.id}>
      <div className="workspace-card-head">
        <Link href={`/w/${encodeURIComponent(ws.id)}`} className="workspace-open" data-testid="workspace-link" data-workspace-id={ws.id}>
          <span className="workspace-name">{ws.name}</span>
          <span className="root">
            <WhereText ws={ws} />
          </span>
        </Link>
        <span className="runtime" data-testid="workspace-runtime" data-state={badge.state} title={badge.title}>
          <span className="runtime-dot" aria-hidden="true" />
          <span className="runtime-text">{badge.label}</span>
        </span>
      </div>
      <div className="workspace-card-foot">
        <p className="workspace-status">
          <span className="workspace-terminals" data-testid="workspace-terminals" data-count={ws.terminalsRunning}>
            {terminalsText(ws.terminalsRunning)}
          </span>
          {waiting && (
            <Link href="/agents" className="workspace-waiting" data-testid="workspace-waiting" data-count={ws.agentsWaiting}>
              {waiting}
            </Link>
          )}
          <time data-testid="workspace-activity" dateTime={exact.toISOString()} title={exact.toLocaleString()}>
            {activity.text}
          </time>
        </p>
        <RemoveWorkspaceButton id={ws.id} name={ws.name} kind={ws.kind} />
      </div>
    </li>
  );
}
