'use client';
import { useEffect, useRef, type KeyboardEvent } from 'react';

export interface TabInfo {
  key: string;
  label: string;
  session: string | null;
  exited: boolean;
}

interface Props {
  tabs: TabInfo[];
  activeKey: string | null;
  onSelect(key: string): void;
  /** Without it, tabs have no close button (a share guest's). */
  onClose?(key: string): void;
  /** Without it, there is no + button. */
  onNew?(): void;
  /** Without it, there is no Kill button. */
  onKill?(): void;
  canKill?: boolean;
}

export function TerminalTabs({ tabs, activeKey, onSelect, onClose, onNew, onKill, canKill = false }: Props) {
  const listRef = useRef<HTMLDivElement>(null);
  // On a phone the tab strip scrolls: keep the active tab (e.g. a new one at the end) in view.
  useEffect(() => {
    const el = listRef.current?.querySelector<HTMLElement>('[aria-selected="true"]');
    el?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [activeKey, tabs.length]);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>, key: string) {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(key);
    }
  }
  return (
    <div className="tabbar">
      <div className="tabs" role="tablist" aria-label="Terminals" ref={listRef}>
        {tabs.map((t) => (
          <div
            key={t.key}
            role="tab"
            tabIndex={0}
            className="tab"
            aria-selected={t.key === activeKey}
            data-testid="terminal-tab"
            data-session-id={t.session ?? ''}
            data-exited={t.exited}
            title={t.exited ? `${t.label} (exited)` : t.label}
            onClick={() => onSelect(t.key)}
            onKeyDown={(e) => onKeyDown(e, t.key)}
          >
            <span className="tab-label">{t.label}</span>
            {onClose && (
              <button
                className="tab-close"
                data-testid="terminal-close"
                aria-label={`Close ${t.label}`}
                title={t.exited ? 'Close' : 'Kill and close'}
                onClick={(e) => {
                  e.stopPropagation();
                  onClose(t.key);
                }}
              >
                ×
              </button>
            )}
          </div>
        ))}
      </div>
      {onNew && (
        <button className="tab-new" data-testid="terminal-new" aria-label="New terminal" title="New terminal" onClick={onNew}>
          +
        </button>
      )}
      <span className="spacer" />
      {onKill && (
        <button className="tab-action" data-testid="terminal-kill" onClick={onKill} disabled={!canKill} title="End the active terminal's process">
          Kill
        </button>
      )}
    </div>
  );
}
