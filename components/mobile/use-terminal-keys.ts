'use client';
/**
 * The state behind a phone key bar and composer (TerminalKeys), for whichever terminal it drives:
 * the sticky Ctrl and Alt, the composer's draft, the device's row of keys. Every key sends the
 * draft first, then itself (lib/client/keybar.ts keyPressPlan), so Tab completes what was typed.
 *
 * The modifiers live in a ref as well as in state: the terminal's own keyboard input reaches
 * `mapInput` synchronously (xterm's onData), between renders.
 */
import { useCallback, useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import { applyStickyModifiers, keyBytes, keyPressPlan, type KeybarKey, type KeyId, type ModifierKey, type SendStep } from '@/lib/client/keybar';
import { loadKeyRow, saveKeyRow } from '@/lib/client/keybar-row';
import { browserStore } from '@/lib/client/key-value-store';
import type { TerminalHandle } from '@/components/terminal/terminal-types';

/** The terminal the keys go to (read at each press: on the workspace page it is the active tab's). */
export interface KeysTarget {
  /** Write to its channel; nothing when there is none. */
  write(data: string): void;
  /** Its handle (paste, application cursor mode), or null. */
  terminal(): TerminalHandle | null;
}

export interface Modifiers {
  ctrl: boolean;
  alt: boolean;
}

export interface TerminalKeysState {
  mods: Modifiers;
  draft: string;
  composerOpen: boolean;
  row: KeyId[];
  composerRef: RefObject<HTMLTextAreaElement | null>;
  setComposerOpen(open: boolean | ((open: boolean) => boolean)): void;
  setRow(row: KeyId[]): void;
  /** A key of the bar: a modifier toggles, Paste pastes, the rest send (after the draft). */
  press(key: KeyId): void;
  /** The composer's Enter or Send: the draft, then a CR. */
  sendDraft(): void;
  onDraftChange(el: HTMLTextAreaElement): void;
  /** For the terminal's `mapInput`: the armed modifiers apply to the next key typed there too. */
  mapInput(data: string): string;
}

const NO_MODS: Modifiers = { ctrl: false, alt: false };

export function useTerminalKeys(target: KeysTarget, onNotice: (message: string) => void): TerminalKeysState {
  const targetRef = useRef(target);
  const noticeRef = useRef(onNotice);
  useLayoutEffect(() => {
    targetRef.current = target;
    noticeRef.current = onNotice;
  });
  const modsRef = useRef<Modifiers>(NO_MODS);
  const [mods, setModsState] = useState<Modifiers>(NO_MODS);
  const [draft, setDraft] = useState('');
  const [composerOpen, setComposerOpen] = useState(false);
  const [row, setRowState] = useState<KeyId[]>([]);
  const composerRef = useRef<HTMLTextAreaElement>(null);

  useEffect(() => {
    setRowState(loadKeyRow(browserStore()));
    // Touch screens get the composer from the start: their keyboards are IMEs.
    setComposerOpen(window.matchMedia?.('(pointer: coarse)').matches ?? false);
  }, []);

  const setMods = useCallback((next: Modifiers) => {
    modsRef.current = next;
    setModsState(next);
  }, []);

  const send = useCallback((steps: SendStep[]) => {
    const t = targetRef.current;
    for (const step of steps) {
      if (!step.data) continue;
      const handle = step.kind === 'paste' ? t.terminal() : null;
      // Bracketed when the program asked for it (xterm's paste does that); newlines become CRs.
      if (handle) handle.paste(step.data);
      else t.write(step.kind === 'paste' ? step.data.replace(/\r?\n/g, '\r') : step.data);
    }
  }, []);

  const mapInput = useCallback(
    (data: string) => {
      const r = applyStickyModifiers(data, modsRef.current);
      if (r.consumed) setMods(NO_MODS);
      return r.data;
    },
    [setMods],
  );

  const sendKey = (key: KeybarKey) => {
    const applicationCursor = targetRef.current.terminal()?.applicationCursorKeys() ?? false;
    const bytes = keyBytes(key, { applicationCursor, ...modsRef.current });
    setMods(NO_MODS);
    send(keyPressPlan(draft, bytes));
    setDraft('');
  };

  const pasteClipboard = async () => {
    setMods(NO_MODS);
    try {
      const text = await navigator.clipboard.readText();
      send(keyPressPlan(draft, ''));
      setDraft('');
      send([{ kind: 'paste', data: text }]);
    } catch {
      // No clipboard access (insecure origin, permission refused): the composer takes a paste.
      setComposerOpen(true);
      noticeRef.current('No clipboard access here: paste into the text field.');
      requestAnimationFrame(() => composerRef.current?.focus());
    }
  };

  const press = (key: KeyId) => {
    if (key === 'ctrl' || key === 'alt') {
      const mod: ModifierKey = key;
      setMods({ ...modsRef.current, [mod]: !modsRef.current[mod] });
    } else if (key === 'paste') {
      void pasteClipboard();
    } else {
      sendKey(key);
    }
  };

  const sendDraft = () => {
    setMods(NO_MODS);
    send(keyPressPlan(draft, '\r'));
    setDraft('');
  };

  const onDraftChange = (el: HTMLTextAreaElement) => {
    const value = el.value;
    const armed = modsRef.current;
    if ((armed.ctrl || armed.alt) && value.length > draft.length) {
      // With a modifier armed, the next character typed here is a key: the draft goes first, then it.
      const end = el.selectionEnd ?? value.length;
      const start = end - (value.length - draft.length);
      if (start >= 0 && value.slice(0, start) + value.slice(end) === draft) {
        const r = applyStickyModifiers(value.slice(start, end), armed);
        setMods(NO_MODS);
        send(keyPressPlan(draft, r.data));
        setDraft('');
        return;
      }
    }
    setDraft(value);
  };

  const setRow = useCallback((next: KeyId[]) => {
    setRowState(next);
    saveKeyRow(browserStore(), next);
  }, []);

  return { mods, draft, composerOpen, row, composerRef, setComposerOpen, setRow, press, sendDraft, onDraftChange, mapInput };
}
