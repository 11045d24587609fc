'use client';
/**
 * The terminal tab strip: one tab per terminal, scrolled (wheel, or to the active tab) when they
 * do not fit, with a menu listing every terminal once they overflow; a double click on a tab
 * renames it in place (Enter keeps, Esc cancels, an empty name goes back to the default); Delete
 * on a focused tab closes it, like its × button.
 */
import { useEffect, useLayoutEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';

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
  /** The tab being renamed (null: none). Without onRename, tabs cannot be renamed. */
  renaming?: string | null;
  onStartRename?(key: string): void;
  /** The new name ('' for the default), or null when the rename was cancelled. */
  onRename?(key: string, name: string | null): void;
  /** The current name to edit (the user's name, else the label). */
  renameValue?(key: string): string;
  /** More buttons at the end of the bar (e.g. maximize). */
  children?: ReactNode;
}

export function TerminalTabs({ tabs, activeKey, onSelect, onClose, onNew, onKill, canKill = false, renaming = null, onStartRename, onRename, renameValue, children }: Props) {
  const listRef = useRef<HTMLDivElement>(null);
  // The strip scrolls: keep the active tab (e.g. a new one at the end) in view.
  useEffect(() => {
    const el = listRef.current?.querySelector<HTMLElement>('[aria-selected="true"]');
    el?.scrollIntoView({ block: 'nearest', inline: 'nearest' });
  }, [activeKey, tabs.length]);

  const [overflowing, setOverflowing] = useState(false);
  useLayoutEffect(() => {
    const list = listRef.current;
    if (!list) return;
    const check = () => setOverflowing(list.scrollWidth > list.clientWidth + 1);
    check();
    const observer = new ResizeObserver(check);
    observer.observe(list);
    return () => observer.disconnect();
  }, [tabs]);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>, key: string) {
    if (e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      onSelect(key);
    } else if (e.key === 'F2' && onStartRename) {
      e.preventDefault();
      onStartRename(key);
    } else if (e.key === 'Delete' && onClose) {
      e.preventDefault();
      onClose(key);
    }
  }
  return (
    <div className="tabbar">
      <div
        className="tabs"
        role="tablist"
        aria-label="Terminals"
        ref={listRef}
        onWheel={(e) => {
          // A mouse wheel scrolls the strip sideways (its scrollbar is hidden).
          if (listRef.current && Math.abs(e.deltaY) > Math.abs(e.deltaX)) listRef.current.scrollLeft += e.deltaY;
        }}
      >
        {tabs.map((t) => (
          // The close button sits beside the tab, not in it (a tab holds no other control): the
          // mouse's way to close, hidden from the tablist; the keyboard closes with Delete.
          <div key={t.key} className="tab" data-selected={t.key === activeKey}>
            <div
              role="tab"
              tabIndex={0}
              className="tab-main"
              aria-selected={t.key === activeKey}
              aria-keyshortcuts={onClose ? 'Delete' : undefined}
              data-testid="terminal-tab"
              data-session-id={t.session ?? ''}
              data-exited={t.exited}
              title={t.exited ? `${t.label} (exited)` : t.label}
              onClick={() => onSelect(t.key)}
              onDoubleClick={() => onStartRename?.(t.key)}
              onKeyDown={(e) => onKeyDown(e, t.key)}
            >
              {renaming === t.key && onRename ? (
                <RenameInput initial={renameValue?.(t.key) ?? t.label} onDone={(name) => onRename(t.key, name)} />
              ) : (
                <span className="tab-label">{t.label}</span>
              )}
            </div>
            {onClose && (
              <button
                className="tab-close"
                data-testid="terminal-close"
                data-session-id={t.session ?? ''}
                tabIndex={-1}
                aria-hidden="true"
                title={t.exited ? `Close ${t.label}` : `Kill and close ${t.label}`}
                onClick={() => onClose(t.key)}
              >
                ×
              </button>
            )}
          </div>
        ))}
      </div>
      {overflowing && <TabsMenu tabs={tabs} activeKey={activeKey} onSelect={onSelect} />}
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
      {children}
    </div>
  );
}

function RenameInput({ initial, onDone }: { initial: string; onDone(name: string | null): void }) {
  const ref = useRef<HTMLInputElement>(null);
  const done = useRef(false);
  const finish = (name: string | null) => {
    if (done.current) return;
    done.current = true;
    onDone(name);
  };
  useEffect(() => {
    ref.current?.focus();
    ref.current?.select();
  }, []);
  return (
    <input
      ref={ref}
      className="tab-rename"
      data-testid="terminal-rename-input"
      aria-label="Terminal name"
      defaultValue={initial}
      maxLength={80}
      onClick={(e) => e.stopPropagation()}
      onDoubleClick={(e) => e.stopPropagation()}
      onKeyDown={(e) => {
        // The tab's own keys (Enter selects, Space…) are not the field's.
        e.stopPropagation();
        if (e.key === 'Enter') {
          e.preventDefault();
          finish(e.currentTarget.value);
        } else if (e.key === 'Escape') {
          e.preventDefault();
          finish(null);
        }
      }}
      onBlur={(e) => finish(e.currentTarget.value)}
    />
  );
}

/** Every terminal in a menu, for when the strip cannot show them all. */
function TabsMenu({ tabs, activeKey, onSelect }: { tabs: TabInfo[]; activeKey: string | null; onSelect(key: string): void }) {
  const [open, setOpen] = useState(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const items = menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitemradio"]');
    const current = menuRef.current?.querySelector<HTMLElement>('[aria-checked="true"]');
    (current ?? items?.[0])?.focus();
    const away = (e: PointerEvent) => {
      if (!menuRef.current?.contains(e.target as Node) && !buttonRef.current?.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', away);
    return () => document.removeEventListener('pointerdown', away);
  }, [open]);

  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) buttonRef.current?.focus();
  };
  const move = (e: KeyboardEvent<HTMLDivElement>) => {
    const items = [...(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitemradio"]') ?? [])];
    const i = items.indexOf(document.activeElement as HTMLElement);
    let next: number | null = null;
    if (e.key === 'ArrowDown') next = (i + 1) % items.length;
    else if (e.key === 'ArrowUp') next = (i - 1 + items.length) % items.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = items.length - 1;
    else if (e.key === 'Escape' || e.key === 'Tab') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
      return;
    }
    if (next === null) return;
    e.preventDefault();
    items[next]?.focus();
  };

  return (
    <div className="tabs-menu-wrap">
      <button
        ref={buttonRef}
        className="tab-action tabs-menu-button"
        data-testid="terminal-list"
        aria-label={`All terminals (${tabs.length})`}
        title="All terminals"
        aria-haspopup="menu"
        aria-expanded={open}
        onClick={() => setOpen((v) => !v)}
      >
        ⌄ {tabs.length}
      </button>
      {open && (
        <div ref={menuRef} className="context-menu tabs-menu" role="menu" aria-label="Terminals" data-testid="terminal-list-menu" onKeyDown={move}>
          {tabs.map((t) => (
            <button
              key={t.key}
              role="menuitemradio"
              aria-checked={t.key === activeKey}
              className="context-menu-item"
              data-exited={t.exited}
              tabIndex={-1}
              onClick={() => {
                close(false);
                onSelect(t.key);
              }}
            >
              {t.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
