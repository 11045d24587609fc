'use client';
/**
 * One xterm.js terminal bound to one gateway channel. Loaded only in the browser (see
 * TerminalPanel's dynamic import): xterm touches `window` at import time.
 *
 * Output bytes go from the channel straight into `term.write(Uint8Array, callback)` — no string
 * decoding — and the callback is what acknowledges them to the gateway's flow control.
 *
 * Share guests use two options: `readOnly` (keys are never sent) and `letterbox` (the view follows
 * the session's size instead of fitting the panel: the terminal is drawn at the session's
 * cols × rows, centred, with the font scaled down — to 7 px at least — when it would not fit, and
 * scrolling beyond that).
 */
import { FitAddon } from '@xterm/addon-fit';
import { WebglAddon } from '@xterm/addon-webgl';
import { Terminal, type ITheme } from '@xterm/xterm';
import { useEffect, useLayoutEffect, useRef } from 'react';
import type { ErrorInfo, ExitInfo, Opened, SessionEvent } from '@/lib/protocol';
import type { GatewayChannel } from '@/lib/client/gateway-channel';
import type { GatewaySocket } from '@/lib/client/gateway-socket';
import { AnswerFilter } from '@/lib/client/terminal-answers';
import { binaryStringToBytes, bufferText, exitMessage, lostMessage } from '@/lib/client/terminal-text';
import { registerTerminal, type AttachStats } from '@/lib/client/test-hook';
import { TouchScrollAddon } from '@/lib/client/touch-scroll';
import { useTRPCClient } from '@/lib/client/trpc';
import { hardwareWebglAvailable } from '@/lib/client/webgl-support';

export type TerminalTarget =
  | {
      kind: 'attach';
      session: string;
      /**
       * Start from the gateway's rendered screen (`terminals.snapshot`: the current screen and a
       * little scrollback) and resume at its offset, instead of replaying the session's retained
       * output from the start. Falls back to the replay when the snapshot cannot be had.
       */
      snapshot?: boolean;
    }
  | { kind: 'create'; workspace: string; cwd?: string };

/** What a view offers its parent beyond the channel (e.g. the phone key bar). */
export interface TerminalHandle {
  /** DECCKM: the program asked for application cursor keys (SS3 arrows). */
  applicationCursorKeys(): boolean;
  /** Send `text` as pasted: bracketed when the program enabled bracketed paste, newlines as CR. */
  paste(text: string): void;
  focus(): void;
}

export interface TerminalViewProps {
  socket: GatewaySocket;
  target: TerminalTarget;
  active: boolean;
  /** Changes whenever the user picks this tab (even if already active), to take the focus back. */
  focusToken: number;
  onChannel(channel: GatewayChannel | null): void;
  onOpened(opened: Opened): void;
  onExit(exit: ExitInfo): void;
  onError(error: ErrorInfo, fatal: boolean): void;
  onEvent(event: SessionEvent): void;
  onInputDropped(bytes: number): void;
  /** Never send keystrokes (a view-only share guest): stdin disabled, no blinking cursor. */
  readOnly?: boolean;
  /** Follow the session's size rather than fitting the panel; never sends RESIZE. */
  letterbox?: boolean;
  /** The session's size if known (e.g. from terminals.list), for the OPEN of a letterboxed view. */
  initialSize?: { cols: number; rows: number };
  /** Font size in CSS pixels (default 13), applied live. A letterboxed view never goes above it. */
  fontSize?: number;
  /**
   * Rewrites what the keyboard types (xterm's onData: keys, IME commits, pastes, and the
   * terminal's own replies) before it is sent; read live. E.g. the phone key bar's sticky Ctrl.
   */
  mapInput?: (data: string) => string;
  /** The view's terminal handle once it exists, null when it goes away. */
  onTerminal?(handle: TerminalHandle | null): void;
}

const THEME: ITheme = {
  background: '#010409',
  foreground: '#e6edf3',
  cursor: '#2f81f7',
  cursorAccent: '#010409',
  selectionBackground: 'rgba(47, 129, 247, 0.35)',
  scrollbarSliderBackground: 'rgba(110, 118, 129, 0.25)',
  scrollbarSliderHoverBackground: 'rgba(110, 118, 129, 0.45)',
  scrollbarSliderActiveBackground: 'rgba(110, 118, 129, 0.6)',
  black: '#484f58',
  red: '#ff7b72',
  green: '#3fb950',
  yellow: '#d29922',
  blue: '#58a6ff',
  magenta: '#bc8cff',
  cyan: '#39c5cf',
  white: '#b1bac4',
  brightBlack: '#6e7681',
  brightRed: '#ffa198',
  brightGreen: '#56d364',
  brightYellow: '#e3b341',
  brightBlue: '#79c0ff',
  brightMagenta: '#d2a8ff',
  brightCyan: '#56d4dd',
  brightWhite: '#f0f6fc',
};

const NO_BYTES = new Uint8Array(0);

/** Used for OPEN when the panel has no size yet; the first fit corrects it with a RESIZE. */
const FALLBACK_SIZE = { cols: 80, rows: 24 };

/** WebGL is much faster on a GPU, but headless or GPU-less browsers may lack it (or only emulate
 * it, slower than the DOM renderer): fall back quietly to xterm's default renderer. */
function loadWebgl(term: Terminal): void {
  if (!hardwareWebglAvailable()) return;
  try {
    const webgl = new WebglAddon();
    // A lost context (GPU reset, too many contexts) would leave a blank terminal; the default
    // DOM renderer takes over once the addon is disposed.
    webgl.onContextLoss(() => webgl.dispose());
    term.loadAddon(webgl);
  } catch (err) {
    console.info('tether: WebGL renderer unavailable, using the DOM renderer', err);
  }
}

const FONT_SIZE = 13;
/** A letterboxed terminal's font is never scaled below this; past it, the frame scrolls. */
const MIN_LETTERBOX_FONT = 7;
/** Room for xterm's scrollbar beside the screen, as the fit addon reserves it. */
const SCROLLBAR_PX = 14;
/** Margin around a letterboxed terminal inside its frame. */
const LETTERBOX_MARGIN_PX = 8;

/**
 * Size a letterboxed terminal's font to its frame: the largest size up to `maxFont` (in half
 * pixels) at which the session's cols × rows fit, but not below MIN_LETTERBOX_FONT; then size the
 * host to the screen so the frame can centre it (or scroll it).
 */
function layoutLetterbox(frame: HTMLElement, host: HTMLElement, term: Terminal, maxFont: number): void {
  const availW = frame.clientWidth - 2 * LETTERBOX_MARGIN_PX - SCROLLBAR_PX;
  const availH = frame.clientHeight - 2 * LETTERBOX_MARGIN_PX;
  const screen = host.querySelector<HTMLElement>('.xterm-screen');
  if (!screen || availW <= 0 || availH <= 0) return; // hidden or not laid out yet
  const measure = () => ({ w: screen.offsetWidth, h: screen.offsetHeight });
  let { w, h } = measure();
  if (w === 0 || h === 0) return;
  const current = term.options.fontSize ?? FONT_SIZE;
  // Cell size is close to proportional to the font size: start from the proportional guess, then
  // correct by measuring (rounding of cell metrics can make the guess a little too big).
  const guess = current * Math.min(availW / w, availH / h);
  let size = Math.max(MIN_LETTERBOX_FONT, Math.min(maxFont, Math.floor(guess * 2) / 2));
  for (let i = 0; i < 12; i++) {
    if (size !== term.options.fontSize) term.options.fontSize = size;
    ({ w, h } = measure());
    if ((w <= availW && h <= availH) || size <= MIN_LETTERBOX_FONT) break;
    size = Math.max(MIN_LETTERBOX_FONT, size - 0.5);
  }
  host.style.width = `${w + SCROLLBAR_PX}px`;
  host.style.height = `${h}px`;
}

function fitIfVisible(host: HTMLElement, fit: FitAddon): void {
  if (host.clientWidth === 0 || host.clientHeight === 0) return;
  try {
    fit.fit();
  } catch {
    // Not measurable yet (fonts loading, element detached); the next resize retries.
  }
}

export function TerminalView(props: TerminalViewProps) {
  const hostRef = useRef<HTMLDivElement>(null);
  /** Letterbox only: the area the terminal is centred in. */
  const frameRef = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const fitRef = useRef<FitAddon | null>(null);
  /** Letterbox only: lay the terminal out again (after a font size change). */
  const relayoutRef = useRef<(() => void) | null>(null);
  // Latest callbacks for the long-lived listeners, without re-creating the terminal.
  const callbacks = useRef(props);
  // The context's client: the app's, or a share guest's (which may read its shared sessions).
  const trpcClient = useTRPCClient();
  const trpcRef = useRef(trpcClient);
  useLayoutEffect(() => {
    callbacks.current = props;
    trpcRef.current = trpcClient;
  });

  const { socket, target } = props;
  // Fixed for the terminal's life, like its target.
  const readOnly = props.readOnly === true;
  const letterbox = props.letterbox === true;
  const snapshot = target.kind === 'attach' && target.snapshot === true;
  const targetKey =
    target.kind === 'attach'
      ? `attach:${target.session}${snapshot ? ':snapshot' : ''}`
      : `create:${target.workspace}:${target.cwd ?? ''}`;

  useEffect(() => {
    const host = hostRef.current;
    const frame = frameRef.current;
    if (!host || (letterbox && !frame)) return;
    const cb = () => callbacks.current;
    const fontSize = () => callbacks.current.fontSize ?? FONT_SIZE;
    const known = callbacks.current.initialSize;
    const term = new Terminal({
      theme: THEME,
      fontFamily: "ui-monospace, SFMono-Regular, 'SF Mono', Menlo, Consolas, 'Liberation Mono', monospace",
      fontSize: fontSize(),
      lineHeight: 1.15,
      scrollback: 10_000,
      cursorBlink: !readOnly,
      ...(readOnly ? { disableStdin: true } : {}),
      ...(letterbox ? (known ?? FALLBACK_SIZE) : {}),
      allowProposedApi: false,
    });
    const fit = letterbox ? null : new FitAddon();
    if (fit) term.loadAddon(fit);
    term.open(host);
    term.loadAddon(new TouchScrollAddon()); // swipe-to-scroll: xterm 6.0.0 has none (xterm.js#5489)
    loadWebgl(term);
    if (fit) fitIfVisible(host, fit);
    termRef.current = term;
    fitRef.current = fit;

    let frameId = 0;
    const relayout = () => {
      if (!frame) return;
      cancelAnimationFrame(frameId);
      frameId = requestAnimationFrame(() => layoutLetterbox(frame, host, term, fontSize()));
    };
    relayoutRef.current = relayout;
    /** Letterbox: draw at the session's size (never the panel's). */
    const followSession = (cols: number, rows: number) => {
      if (!letterbox) return;
      if (cols !== term.cols || rows !== term.rows) term.resize(cols, rows);
      relayout();
    };

    const stats: AttachStats = { mode: 'replay', snapshotBytes: 0, outputBytes: 0 };
    // The emulator's answers to queries in history are dropped; live ones go out as ANSWER.
    const answers = new AnswerFilter();
    const userInputWatch = answers.watch(term);
    let disposed = false;
    /** Made at once, or — with a snapshot to draw first — once it is on the screen. */
    let channel: GatewayChannel | null = null;
    let unregister: (() => void) | null = null;
    /** The SSH connection dropped: the EXIT that follows says nothing about the process. */
    let lost = false;
    let offs: Array<() => void> = [];
    let termSubs: Array<{ dispose(): void }> = [];

    /** Open the channel; an attach resumes at `resumeFrom` (0: replay from the first retained byte). */
    const connect = (resumeFrom: number) => {
      const size = term.cols > 0 && term.rows > 0 ? { cols: term.cols, rows: term.rows } : FALLBACK_SIZE;
      // A letterboxed view adopts the session's size and never sends RESIZE (see ChannelOptions).
      const follow = letterbox ? { followSize: true } : {};
      const ch =
        target.kind === 'attach'
          ? socket.attachTerminal({ session: target.session, resumeFrom, ...size, ...follow })
          : socket.openTerminal({ workspace: target.workspace, ...(target.cwd !== undefined ? { cwd: target.cwd } : {}), ...size, ...follow });
      channel = ch;
      offs = [
        ch.on('output', (data, processed, history) => {
          stats.outputBytes += data.byteLength;
          if (!history) return term.write(data, processed);
          const parsed = answers.historyQueued();
          term.write(data, () => {
            parsed();
            processed();
          });
        }),
        // Reset in write order: output already queued in xterm belongs to the old screen and must
        // be parsed first, or it would be drawn on top of the snapshot.
        ch.on('reset', () => term.write(NO_BYTES, () => term.reset())),
        ch.on('opened', (opened) => {
          followSession(opened.cols, opened.rows);
          unregister?.();
          unregister = registerTerminal(opened.session, {
            text: () => bufferText(term.buffer.active),
            attach: () => ({ ...stats }),
          });
          cb().onOpened(opened);
        }),
        ch.on('exit', (exit) => {
          // Hide the cursor: nothing reads input any more.
          term.write(lost ? '\x1b[?25l' : `\r\n\x1b[2m${exitMessage(exit)}\x1b[0m\r\n\x1b[?25l`);
          cb().onExit(exit);
        }),
        ch.on('error', (error) => {
          // An ERROR while opening is the gateway refusing the OPEN: the channel closes right after
          // this event (it emits before it finishes), so 'opening' counts as fatal too.
          const fatal = ch.state === 'opening' || ch.state === 'closed';
          if (fatal) term.write(`\r\n\x1b[31m[${error.message}]\x1b[0m\r\n\x1b[?25l`);
          cb().onError(error, fatal);
        }),
        ch.on('event', (event) => {
          if (event.type === 'status' && event.cols !== undefined && event.rows !== undefined) followSession(event.cols, event.rows);
          // (Said again if our socket reconnected between the event and EXIT: write it once.)
          if (event.type === 'status' && event.status === 'lost' && !lost) {
            lost = true;
            term.write(`\r\n\x1b[31m${lostMessage(event.message)}\x1b[0m\r\n`);
          }
          cb().onEvent(event);
        }),
        ch.on('inputDropped', (bytes) => cb().onInputDropped(bytes)),
      ];
      termSubs = [
        // A view-only guest's keys go nowhere (xterm's stdin is disabled too).
        ...(readOnly
          ? []
          : [
              term.onData((data) => {
                const kind = answers.classify();
                if (kind === 'drop') return;
                if (kind === 'answer') return ch.answer(data);
                const map = cb().mapInput;
                const out = map ? map(data) : data;
                if (out) ch.write(out);
              }),
              term.onBinary((data) => ch.write(binaryStringToBytes(data))),
            ]),
        // Letterboxed, the size comes from the session; the channel ignores resize() then anyway.
        ...(letterbox ? [] : [term.onResize(({ cols, rows }) => ch.resize(cols, rows))]),
      ];
      cb().onChannel(ch);
    };

    let observer: ResizeObserver;
    if (fit) {
      observer = new ResizeObserver(() => {
        cancelAnimationFrame(frameId);
        frameId = requestAnimationFrame(() => fitIfVisible(host, fit));
      });
      observer.observe(host);
    } else {
      // The frame changed size, or the screen did (fonts loaded, the session resized).
      observer = new ResizeObserver(relayout);
      observer.observe(frame!);
      const screen = host.querySelector('.xterm-screen');
      if (screen) observer.observe(screen);
      relayout();
    }

    if (snapshot && target.kind === 'attach') {
      trpcRef.current.terminals.snapshot.query({ sessionId: target.session }).then(
        (snap) => {
          if (disposed) return;
          stats.mode = 'snapshot';
          stats.snapshotBytes = new TextEncoder().encode(snap.data).byteLength;
          // Draw it at the size it was serialized at, so its lines wrap as they did; fitting
          // afterwards lets xterm reflow it, and the attach below tells the session our size.
          if (snap.cols > 0 && snap.rows > 0 && (snap.cols !== term.cols || snap.rows !== term.rows)) {
            term.resize(snap.cols, snap.rows);
          }
          // A snapshot is history too: the screen it draws may hold queries (it is serialized
          // output), and none of them is this terminal's to answer.
          const parsed = answers.historyQueued();
          term.write(snap.data, () => {
            parsed();
            if (disposed) return;
            if (fit) fitIfVisible(host, fit);
            else relayout();
            // Later reconnects resume from what the channel received, as for any attach.
            connect(snap.offset);
          });
        },
        (err: unknown) => {
          if (disposed) return;
          console.info('tether: no screen snapshot, replaying the session instead', err);
          connect(0);
        },
      );
    } else {
      // A fresh page has an empty screen, so replay the session from its first retained byte.
      connect(0);
    }

    cb().onTerminal?.({
      applicationCursorKeys: () => term.modes.applicationCursorKeysMode,
      paste: (text) => {
        if (!readOnly) term.paste(text);
      },
      focus: () => term.focus(),
    });

    return () => {
      disposed = true;
      cancelAnimationFrame(frameId);
      observer.disconnect();
      for (const off of offs) off();
      for (const sub of termSubs) sub.dispose();
      userInputWatch?.dispose();
      // Leaving the page or closing the tab: stop viewing. (A close() in progress still finishes.)
      (channel as GatewayChannel | null)?.detach();
      cb().onChannel(null);
      cb().onTerminal?.(null);
      unregister?.();
      relayoutRef.current = null;
      termRef.current = null;
      fitRef.current = null;
      term.dispose();
    };
    // The terminal is bound to one target for its whole life; targetKey captures `target`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [socket, targetKey, readOnly, letterbox]);

  useEffect(() => {
    const host = hostRef.current;
    if (!props.active || !host) return;
    if (fitRef.current) fitIfVisible(host, fitRef.current);
    // A dialog in front (e.g. "Move…" while the tabs change under it) keeps the focus.
    if (document.activeElement?.closest('[aria-modal="true"]')) return;
    termRef.current?.focus();
  }, [props.active, props.focusToken]);

  const fontSize = props.fontSize ?? FONT_SIZE;
  useEffect(() => {
    const term = termRef.current;
    const host = hostRef.current;
    if (!term || !host) return;
    // Letterboxed, the font follows the frame, up to this size.
    if (letterbox) {
      relayoutRef.current?.();
      return;
    }
    if (term.options.fontSize === fontSize) return;
    term.options.fontSize = fontSize;
    // The host keeps its size, so no ResizeObserver fires: fit to the new cell size here.
    if (fitRef.current) fitIfVisible(host, fitRef.current);
  }, [fontSize, letterbox]);

  if (letterbox) {
    return (
      <div ref={frameRef} className="term-letterbox" data-testid="term-letterbox" data-readonly={readOnly}>
        <div ref={hostRef} className="term-letterbox-screen" />
      </div>
    );
  }
  return <div ref={hostRef} className="term-host" />;
}
