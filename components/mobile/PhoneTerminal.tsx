'use client';
/**
 * One terminal session, full screen on a phone: a top bar (back, title, font size), the terminal
 * — attached from the gateway's screen snapshot, so it shows at once however long the session's
 * history — an optional composer, and a key bar for what phone keyboards lack (Esc, Tab, a sticky
 * Ctrl, arrows, ^C, ^D, paste).
 *
 * Key-bar buttons never take the focus (pointerdown/mousedown are cancelled, tabIndex -1), so the
 * on-screen keyboard stays up. The whole view is sized to the visual viewport, so the key bar sits
 * right above that keyboard and the terminal refits to what is left.
 *
 * The composer is a plain textarea for Android IMEs, which xterm.js handles poorly (predictive
 * text, swipe typing — xterm.js issue 3600): Enter sends the line and a CR, Shift+Enter a newline.
 */
import dynamic from 'next/dynamic';
import { useCallback, useEffect, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import type { ErrorInfo, ExitInfo, SessionEvent } from '@/lib/protocol';
import type { GatewayChannel } from '@/lib/client/gateway-channel';
import type { GatewaySocket } from '@/lib/client/gateway-socket';
import { useConnectionStatus } from '@/lib/client/page-socket';
import { applyStickyCtrl, keyBytes, parseFontSize, PHONE_FONT, type KeybarKey } from '@/lib/client/keybar';
import { exitMessage } from '@/lib/client/terminal-text';
import type { TerminalHandle } from '@/components/terminal/TerminalView';
import styles from './PhoneTerminal.module.css';

// xterm.js needs `window` at import time: load it in the browser only.
const TerminalView = dynamic(() => import('@/components/terminal/TerminalView').then((m) => m.TerminalView), { ssr: false });

const FONT_KEY = 'tether.phone.fontSize';


/** The visual viewport's height and offset (the part of the page the on-screen keyboard leaves). */
function useVisualViewport(): { height: number; top: number } | null {
  const [vp, setVp] = useState<{ height: number; top: number } | null>(null);
  useEffect(() => {
    const vv = window.visualViewport;
    if (!vv) return;
    const update = () => {
      const next = { height: Math.round(vv.height), top: Math.max(0, Math.round(vv.offsetTop)) };
      setVp((prev) => (prev && prev.height === next.height && prev.top === next.top ? prev : next));
    };
    update();
    vv.addEventListener('resize', update);
    vv.addEventListener('scroll', update);
    return () => {
      vv.removeEventListener('resize', update);
      vv.removeEventListener('scroll', update);
    };
  }, []);
  return vp;
}

/** Keep the focus where it is (the terminal or the composer) when a button is pressed. */
const keepFocus = (e: { preventDefault(): void }) => e.preventDefault();

function BarButton(props: {
  testId: string;
  label: string;
  className: string | undefined;
  onPress(): void;
  pressed?: boolean;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      tabIndex={-1}
      className={props.className}
      data-testid={props.testId}
      aria-label={props.label}
      title={props.label}
      {...(props.pressed !== undefined ? { 'aria-pressed': props.pressed } : {})}
      onPointerDown={keepFocus}
      onMouseDown={keepFocus}
      onClick={props.onPress}
    >
      {props.children}
    </button>
  );
}

const KEYS: Array<{ key: KeybarKey; label: string; text: string }> = [
  { key: 'esc', label: 'Esc (Escape)', text: 'Esc' },
  { key: 'tab', label: 'Tab', text: 'Tab' },
];
const ARROWS: Array<{ key: KeybarKey; label: string; text: string }> = [
  { key: 'up', label: 'Up', text: '↑' },
  { key: 'down', label: 'Down', text: '↓' },
  { key: 'left', label: 'Left', text: '←' },
  { key: 'right', label: 'Right', text: '→' },
  { key: 'ctrl-c', label: 'Control-C (interrupt)', text: '^C' },
  { key: 'ctrl-d', label: 'Control-D (end of input)', text: '^D' },
];

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
  const composerRef = useRef<HTMLTextAreaElement>(null);
  /** Read synchronously by mapInput (xterm's onData); the state mirrors it for rendering. */
  const ctrlRef = useRef(false);
  const [ctrl, setCtrlState] = useState(false);
  /** Null until read from localStorage after mount (the terminal waits for it). */
  const [fontSize, setFontSize] = useState<number | null>(null);
  const [composerOpen, setComposerOpen] = useState(false);
  const [draft, setDraft] = useState('');
  const [exit, setExit] = useState<ExitInfo | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const connection = useConnectionStatus(socket);
  const vp = useVisualViewport();

  useEffect(() => {
    let stored: string | null = null;
    try {
      stored = window.localStorage.getItem(FONT_KEY);
    } catch {
      // Storage disabled: the default size.
    }
    setFontSize(parseFontSize(stored));
    // Touch screens get the composer from the start: their keyboards are IMEs.
    setComposerOpen(window.matchMedia?.('(pointer: coarse)').matches ?? false);
  }, []);

  useEffect(() => {
    if (notice === null) return;
    const t = setTimeout(() => setNotice(null), 4000);
    return () => clearTimeout(t);
  }, [notice]);

  const setCtrl = useCallback((on: boolean) => {
    ctrlRef.current = on;
    setCtrlState(on);
  }, []);

  const send = useCallback((data: string) => {
    if (data) channelRef.current?.write(data);
  }, []);

  /** Typed on the terminal's own keyboard input: an armed Ctrl turns the next key into its code. */
  const mapInput = useCallback(
    (data: string) => {
      if (!ctrlRef.current) return data;
      const r = applyStickyCtrl(data);
      if (r.consumed) setCtrl(false);
      return r.data;
    },
    [setCtrl],
  );

  const pressKey = (key: KeybarKey) => {
    const bytes = keyBytes(key, { applicationCursor: termRef.current?.applicationCursorKeys() ?? false, ctrl: ctrlRef.current });
    setCtrl(false);
    send(bytes);
  };

  const paste = (text: string) => {
    if (!text) return;
    // Bracketed when the program asked for it (xterm's paste does that); newlines become CRs.
    if (termRef.current) termRef.current.paste(text);
    else send(text.replace(/\r?\n/g, '\r'));
  };

  const pasteClipboard = async () => {
    setCtrl(false);
    try {
      paste(await navigator.clipboard.readText());
    } catch {
      // No clipboard access (insecure origin, permission refused): the composer takes a paste.
      setComposerOpen(true);
      setNotice('No clipboard access here: paste into the text field.');
      requestAnimationFrame(() => composerRef.current?.focus());
    }
  };

  const sendDraft = () => {
    const text = draft;
    setCtrl(false);
    // One line is typed as is; several go as one paste, so the newlines inside do not run them.
    if (text.includes('\n')) paste(text);
    else send(text);
    // A separate write: a program that takes a burst of input for a paste still sees Enter.
    send('\r');
    setDraft('');
  };

  const onDraftChange = (el: HTMLTextAreaElement) => {
    const value = el.value;
    if (ctrlRef.current && value.length > draft.length) {
      // With Ctrl armed, the next character typed here goes out at once as its control code.
      const end = el.selectionEnd ?? value.length;
      const added = value.length - draft.length;
      const start = end - added;
      if (start >= 0 && value.slice(0, start) + value.slice(end) === draft) {
        const r = applyStickyCtrl(value.slice(start, end));
        setCtrl(false);
        send(r.data);
        return; // the draft stays as it was
      }
    }
    setDraft(value);
  };

  const onComposerKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key !== 'Enter' || e.shiftKey || e.nativeEvent.isComposing) return;
    e.preventDefault();
    sendDraft();
  };

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

  const draftRows = Math.min(4, draft.split('\n').length);

  return (
    <div
      className={styles.root}
      data-testid="phone-terminal"
      data-session-id={sessionId}
      style={vp ? { height: `${vp.height}px`, top: `${vp.top}px` } : undefined}
    >
      <div className={styles.bar}>
        <BarButton testId="phone-back" label="Back" className={styles.icon} onPress={onBack}>
          <span aria-hidden="true">‹ Back</span>
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
          label={composerOpen ? 'Hide the text field' : 'Type in a text field'}
          className={styles.icon}
          pressed={composerOpen}
          onPress={() => setComposerOpen((o) => !o)}
        >
          <span aria-hidden="true">⌨</span>
        </BarButton>
        <BarButton testId="font-smaller" label="A− smaller text" className={styles.icon} onPress={() => changeFont(-1)}>
          <span aria-hidden="true">A−</span>
        </BarButton>
        <BarButton testId="font-larger" label="A+ larger text" className={styles.icon} onPress={() => changeFont(1)}>
          <span aria-hidden="true">A+</span>
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
            mapInput={mapInput}
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

      {composerOpen && (
        <div className={styles.composer}>
          <textarea
            ref={composerRef}
            className={styles.composerInput}
            data-testid="composer-input"
            aria-label="Command to send"
            placeholder="Type, then Enter to send"
            rows={draftRows}
            value={draft}
            enterKeyHint="send"
            autoCapitalize="off"
            autoCorrect="off"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => onDraftChange(e.currentTarget)}
            onKeyDown={onComposerKey}
          />
          <BarButton testId="composer-send" label="Send" className={styles.send} onPress={sendDraft}>
            Send
          </BarButton>
        </div>
      )}

      <div className={styles.keybar} data-testid="keybar" role="toolbar" aria-label="Terminal keys">
        {KEYS.map((k) => (
          <BarButton key={k.key} testId={`key-${k.key}`} label={k.label} className={styles.key} onPress={() => pressKey(k.key)}>
            {k.text}
          </BarButton>
        ))}
        <BarButton testId="key-ctrl" label="Ctrl (Control, applies to the next key)" className={styles.key} pressed={ctrl} onPress={() => setCtrl(!ctrlRef.current)}>
          Ctrl
        </BarButton>
        {ARROWS.map((k) => (
          <BarButton key={k.key} testId={`key-${k.key}`} label={k.label} className={styles.key} onPress={() => pressKey(k.key)}>
            {k.text}
          </BarButton>
        ))}
        <BarButton testId="key-paste" label="Paste" className={styles.key} onPress={() => void pasteClipboard()}>
          Paste
        </BarButton>
      </div>
    </div>
  );
}
