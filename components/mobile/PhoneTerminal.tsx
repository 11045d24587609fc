'use client';
/**
 * One terminal session, full screen on a phone: a top bar (back, title, font size), the terminal
 * — attached from the gateway's screen snapshot, so it shows at once however long the session's
 * history — and under it the composer and key bar (TerminalKeys, shared with the workspace page
 * on a phone).
 *
 * The whole view is sized to the visual viewport, so the key bar sits right above the on-screen
 * keyboard and the terminal refits to what is left.
 */
import dynamic from 'next/dynamic';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorInfo, ExitInfo, SessionEvent } from '@/lib/protocol';
import type { GatewayChannel } from '@/lib/client/gateway-channel';
import type { GatewaySocket } from '@/lib/client/gateway-socket';
import { useConnectionStatus } from '@/lib/client/page-socket';
import { parseFontSize, PHONE_FONT } from '@/lib/client/keybar';
import { exitMessage } from '@/lib/client/terminal-text';
import type { TerminalHandle } from '@/components/terminal/TerminalView';
import { BarButton, TerminalKeys } from './TerminalKeys';
import { useTerminalKeys } from './use-terminal-keys';
import { useVisualViewport } from './use-visual-viewport';
import styles from './PhoneTerminal.module.css';

// xterm.js needs `window` at import time: load it in the browser only.
const TerminalView = dynamic(() => import('@/components/terminal/TerminalView').then((m) => m.TerminalView), { ssr: false });

const FONT_KEY = 'tether.phone.fontSize';

export function PhoneTerminal({
  socket,
  sessionId,
  title,
  onBack,
}: {
  socket: GatewaySocket;
  sessionId: string;
  title: string;
  onBack(): void;
}) {
  const channelRef = useRef<GatewayChannel | null>(null);
  const termRef = useRef<TerminalHandle | null>(null);
  /** Null until read from localStorage after mount (the terminal waits for it). */
  const [fontSize, setFontSize] = useState<number | null>(null);
  const [exit, setExit] = useState<ExitInfo | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const connection = useConnectionStatus(socket);
  const vp = useVisualViewport();
  const keys = useTerminalKeys(
    {
      write: (data) => channelRef.current?.write(data),
      terminal: () => termRef.current,
    },
    setNotice,
  );

  useEffect(() => {
    let stored: string | null = null;
    try {
      stored = window.localStorage.getItem(FONT_KEY);
    } catch {
      // Storage disabled: the default size.
    }
    setFontSize(parseFontSize(stored));
  }, []);

  useEffect(() => {
    if (notice === null) return;
    const t = setTimeout(() => setNotice(null), 4000);
    return () => clearTimeout(t);
  }, [notice]);

  const changeFont = (delta: number) => {
    setFontSize((prev) => {
      const next = Math.min(PHONE_FONT.max, Math.max(PHONE_FONT.min, (prev ?? PHONE_FONT.default) + delta));
      try {
        window.localStorage.setItem(FONT_KEY, String(next));
      } catch {
        // Not persisted; still applied.
      }
      return next;
    });
  };

  const status: { text: string; kind: 'error' | 'info' } | null =
    notice !== null
      ? { text: notice, kind: 'info' }
      : problem !== null
        ? { text: problem, kind: 'error' }
        : exit !== null
          ? { text: exitMessage(exit).replace(/^\[|\]$/g, ''), kind: 'info' }
          : connection !== 'open'
            ? { text: connection === 'offline' ? 'offline' : `${connection}…`, kind: connection === 'unauthenticated' || connection === 'forbidden' ? 'error' : 'info' }
            : null;

  return (
    <div
      className={styles.root}
      data-testid="phone-terminal"
      data-session-id={sessionId}
      style={vp ? { height: `${vp.height}px`, top: `${vp.top}px` } : undefined}
    >
      <div className={styles.bar}>
        <BarButton testId="phone-back" label="‹ Back" className={styles.icon} onPress={onBack}>
          ‹ Back
        </BarButton>
        <div className={styles.heading}>
          <span className={styles.title} data-testid="phone-title">
            {title}
          </span>
          {status && (
            <span className={styles.status} data-kind={status.kind} role="status">
              {status.text}
            </span>
          )}
        </div>
        <BarButton
          testId="composer-toggle"
          label={keys.composerOpen ? '⌨ Hide the text field' : '⌨ Type in a text field'}
          className={styles.icon}
          pressed={keys.composerOpen}
          onPress={() => keys.setComposerOpen((o) => !o)}
        >
          ⌨
        </BarButton>
        <BarButton testId="font-smaller" label="A− Smaller text" className={styles.icon} onPress={() => changeFont(-1)}>
          A−
        </BarButton>
        <BarButton testId="font-larger" label="A+ Larger text" className={styles.icon} onPress={() => changeFont(1)}>
          A+
        </BarButton>
      </div>

      <div className={styles.screen} data-font-size={fontSize ?? undefined}>
        {fontSize !== null && (
          <TerminalView
            socket={socket}
            target={{ kind: 'attach', session: sessionId, snapshot: true }}
            active
            focusToken={0}
            fontSize={fontSize}
            mapInput={keys.mapInput}
            onTerminal={(handle: TerminalHandle | null) => {
              termRef.current = handle;
            }}
            onChannel={(ch: GatewayChannel | null) => {
              channelRef.current = ch;
            }}
            onOpened={() => setProblem(null)}
            onExit={(e: ExitInfo) => setExit(e)}
            onError={(e: ErrorInfo, fatal: boolean) => {
              if (fatal) setProblem(e.message);
              else setNotice(e.message);
            }}
            onEvent={(ev: SessionEvent) => {
              if (ev.type === 'status' && ev.status === 'lost') setProblem(ev.message ?? 'The connection to the host was lost.');
            }}
            onInputDropped={(bytes: number) => setNotice(`${bytes} typed bytes were dropped while offline`)}
          />
        )}
      </div>

      <TerminalKeys keys={keys} />
    </div>
  );
}
