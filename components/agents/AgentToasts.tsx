'use client';
import { useExpiringList } from '@/components/workspace/Toasts';
import type { AgentNotification } from '@/lib/client/notifications';

const TOAST_MS = 10_000;
const MAX_TOASTS = 3;

/** In-app notices of agents that wait or exited; one per session (the newest replaces older). */
export function useAgentToasts() {
  const { items: toasts, add: push, dismiss } = useExpiringList<AgentNotification, string>({
    keyOf: (n) => n.key,
    same: (a, b) => a.sessionId === b.sessionId,
    ttlMs: TOAST_MS,
    max: MAX_TOASTS,
  });
  return { toasts, push, dismiss };
}

export function AgentToasts({ toasts, onOpen, onDismiss }: { toasts: AgentNotification[]; onOpen(n: AgentNotification): void; onDismiss(key: string): void }) {
  if (toasts.length === 0) return null;
  return (
    <div className="agent-toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.key} className="agent-toast" data-testid="agent-toast" data-kind={t.kind} data-session-id={t.sessionId} role="status">
          <button className="agent-toast-open" onClick={() => onOpen(t)}>
            <strong>{t.title}</strong>
            {t.body && <span className="agent-toast-body">{t.body}</span>}
          </button>
          <button className="agent-toast-close" aria-label="Dismiss" onClick={() => onDismiss(t.key)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
