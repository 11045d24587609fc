'use client';
import Link from 'next/link';
import { useId } from 'react';
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
  const ids = useId();
  const showCommand = row.command && row.command !== label;
  return (
    <li className="agent-row" data-testid="agent-row" data-session-id={row.sessionId} data-status={row.status} data-fresh={fresh || undefined}>
      {/* The whole card opens on a click or tap; for the keyboard and screen readers the name is
          the button (its visible text is its name), described by the status and the time. */}
      <div className="agent-open" onClick={open}>
        <div className="agent-head">
          <button type="button" className="agent-open-btn" aria-describedby={`${ids}-status ${ids}-since`}>
            <span className="agent-name" data-testid="agent-name">
              {label}
            </span>
          </button>
          <span className="agent-pill" id={`${ids}-status`} data-testid="agent-status" data-tone={pill.tone}>
            <span className="agent-pill-dot" aria-hidden="true" />
            {pill.text}
          </span>
        </div>
        <div className="agent-since" id={`${ids}-since`}>
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
