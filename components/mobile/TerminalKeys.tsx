'use client';
/**
 * A phone's way to type into a terminal, under it: the composer (a plain textarea — Android IMEs
 * duplicate or drop characters typed straight into xterm.js, xterm.js issue 3600 — Enter sends the
 * line and a CR, Shift+Enter a newline) and the key bar for what phone keyboards lack, in the
 * device's chosen order (KeyRowEditor). State and sending: use-terminal-keys.ts.
 *
 * Key-bar buttons never take the focus (pointerdown/mousedown are cancelled, tabIndex -1), so the
 * on-screen keyboard stays up.
 */
import { useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { KEY_DEFS } from '@/lib/client/keybar';
import { KeyRowEditor } from './KeyRowEditor';
import type { TerminalKeysState } from './use-terminal-keys';
import styles from './TerminalKeys.module.css';

/** Keep the focus where it is (the terminal or the composer) when a button is pressed. */
export const keepFocus = (e: { preventDefault(): void }) => e.preventDefault();

export function BarButton(props: {
  testId: string;
  /** The accessible name; must contain the visible text. Without it, the visible text names it. */
  label?: string;
  title?: string;
  className: string | undefined;
  onPress(): void;
  pressed?: boolean;
  focusable?: boolean;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      tabIndex={props.focusable ? undefined : -1}
      className={props.className}
      data-testid={props.testId}
      {...(props.label !== undefined ? { 'aria-label': props.label } : {})}
      title={props.title ?? props.label}
      {...(props.pressed !== undefined ? { 'aria-pressed': props.pressed } : {})}
      onPointerDown={keepFocus}
      onMouseDown={keepFocus}
      onClick={props.onPress}
    >
      {props.children}
    </button>
  );
}

export function TerminalKeys({ keys, composerToggle = false }: { keys: TerminalKeysState; composerToggle?: boolean }) {
  const [editing, setEditing] = useState(false);
  /** Where the focus was when the editor opened, to give it back. */
  const returnFocus = useRef<HTMLElement | null>(null);
  const draftRows = Math.min(4, keys.draft.split('\n').length);

  const onComposerKey = (e: KeyboardEvent<HTMLTextAreaElement>) => {
    if (e.key !== 'Enter' || e.shiftKey || e.nativeEvent.isComposing) return;
    e.preventDefault();
    keys.sendDraft();
  };

  const openEditor = () => {
    returnFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setEditing(true);
  };
  const closeEditor = () => {
    setEditing(false);
    const el = returnFocus.current;
    requestAnimationFrame(() => {
      if (el?.isConnected) el.focus();
    });
  };

  return (
    <div className={styles.keys} data-testid="terminal-keys">
      {keys.composerOpen && (
        <div className={styles.composer}>
          <textarea
            ref={keys.composerRef}
            className={styles.composerInput}
            data-testid="composer-input"
            aria-label="Command to send"
            placeholder="Type, then Enter to send"
            rows={draftRows}
            value={keys.draft}
            enterKeyHint="send"
            autoCapitalize="off"
            autoCorrect="off"
            autoComplete="off"
            spellCheck={false}
            onChange={(e) => keys.onDraftChange(e.currentTarget)}
            onKeyDown={onComposerKey}
          />
          <BarButton testId="composer-send" className={styles.send} onPress={keys.sendDraft}>
            Send
          </BarButton>
        </div>
      )}
      <div className={styles.bar}>
        {composerToggle && (
          <BarButton
            testId="composer-toggle"
            label={keys.composerOpen ? '⌨ Hide the text field' : '⌨ Type in a text field'}
            className={styles.tool}
            pressed={keys.composerOpen}
            onPress={() => keys.setComposerOpen((o) => !o)}
          >
            ⌨
          </BarButton>
        )}
        {/* Focusable (for scrolling it from a keyboard), but a touch on it leaves the focus alone. */}
        <div
          className={styles.keybar}
          data-testid="keybar"
          role="toolbar"
          aria-label="Terminal keys"
          tabIndex={0}
          onPointerDown={keepFocus}
          onMouseDown={keepFocus}
        >
          {keys.row.map((k) => (
            <BarButton
              key={k}
              testId={`key-${k}`}
              label={KEY_DEFS[k].name}
              className={styles.key}
              {...(k === 'ctrl' || k === 'alt' ? { pressed: keys.mods[k] } : {})}
              onPress={() => keys.press(k)}
            >
              {KEY_DEFS[k].text}
            </BarButton>
          ))}
        </div>
        <BarButton testId="keybar-customize" label="Keys… (choose the keys shown)" className={styles.tool} focusable onPress={openEditor}>
          Keys…
        </BarButton>
      </div>
      {editing && <KeyRowEditor row={keys.row} onChange={keys.setRow} onClose={closeEditor} />}
    </div>
  );
}
