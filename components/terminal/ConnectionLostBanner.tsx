'use client';
/**
 * Over the terminal area while the tab's gateway socket is down: what happened in words, with
 * "Retry now". The terminals under it are dimmed and take no typing (connection-banner.ts).
 */
import { bannerText, type ConnectionState } from '@/lib/client/connection-banner';

export function ConnectionLostBanner({ state, onRetry }: { state: ConnectionState; onRetry: () => void }) {
  const text = bannerText(state);
  if (!text) return null;
  return (
    <div className="conn-lost" role="status" data-testid="connection-lost" data-status={state.status}>
      <div className="conn-lost-text">
        <strong>{text.title}</strong>
        <span className="muted">{text.detail}</span>
      </div>
      <button className="btn btn-primary" data-testid="connection-lost-retry" onClick={onRetry}>
        Retry now
      </button>
    </div>
  );
}
