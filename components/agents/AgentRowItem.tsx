'use client';
import Link from 'next/link';
import type { KeyboardEvent } from 'react';
import { agentLabel } from '@/lib/client/notifications';
import type { AgentRow } from '@/server/agents/agents-service';
import { sinceText, statusPill } from './agent-format';

function attentionText(a: NonNullable<AgentRow['attention']>): string {
  const said = [a.title, a.body].filter((s): s is string => Boolean(s?.trim())).join(': ');
  return said || (a.kind === 'bell' ? 'Rang the bell' : 'Asked for attention');
}

/** One terminal in the agents list: tap anywhere but the workspace link to open it. */
export function AgentRowItem({ row, now, fresh, onOpen }: { row: AgentRow; now: number; fresh: boolean; onOpen(sessionId: string): void }) {
  const label = agentLabel(row);
  const pill = statusPill(row, now);
  const open = () => onOpen(row.sessionId);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      open();
    }
  };
  const showCommand = row.command && row.command !== label;
  return (
    <li className="agent-row" data-testid="agent-row" data-session-id={row.sessionId} data-status={row.status} data-fresh={fresh || undefined}>
      <div className="agent-open" role="button" tabIndex={0} aria-label={`Open ${label} (${pill.text})`} onClick={open} onKeyDown={onKey}>
        <div className="agent-head">
          <span className="agent-name" data-testid="agent-name">
            {label}
          </span>
          <span className="agent-pill" data-testid="agent-status" data-tone={pill.tone}>
            <span className="agent-pill-dot" aria-hidden="true" />
            {pill.text}
          </span>
        </div>
        <div className="agent-since">
          <time dateTime={new Date(row.since).toISOString()} title={new Date(row.since).toLocaleString()}>
            {sinceText(row, now)}
          </time>
        </div>
        {row.attention && (
          <p className="agent-attention" data-testid="agent-attention">
            {attentionText(row.attention)}
          </p>
        )}
        {row.lines.length > 0 && (
          <pre className="agent-lines" data-testid="agent-lines">
            {row.lines.join('\n')}
          </pre>
        )}
      </div>
      <div className="agent-foot">
        <Link href={`/w/${encodeURIComponent(row.workspaceId)}`} className="agent-workspace" data-testid="agent-workspace-link" title="Open the workspace">
          {row.workspaceName || 'workspace'}
        </Link>
        {showCommand && <code className="agent-command">{row.command}</code>}
      </div>
    </li>
  );
}
