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
import { binaryStringToBytes, bufferText, exitMessage, lostMessage } from '@/lib/client/terminal-text';
import { registerTerminal } from '@/lib/client/test-hook';
import { hardwareWebglAvailable } from '@/lib/client/webgl-support';

export type TerminalTarget = { kind: 'attach'; session: string } | { kind: 'create'; workspace: string; cwd?: string };

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
 * Size a letterboxed terminal's font to its frame: the largest size up to FONT_SIZE (in half
 * pixels) at which the session's cols × rows fit, but not below MIN_LETTERBOX_FONT; then size the
 * host to the screen so the frame can centre it (or scroll it).
 */
function layoutLetterbox(frame: HTMLElement, host: HTMLElement, term: Terminal): void {
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
  let size = Math.max(MIN_LETTERBOX_FONT, Math.min(FONT_SIZE, Math.floor(guess * 2) / 2));
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
  // Latest callbacks for the long-lived listeners, without re-creating the terminal.
  const callbacks = useRef(props);
  useLayoutEffect(() => {
    callbacks.current = props;
  });

  const { socket, target } = props;
  // Fixed for the terminal's life, like its target.
  const readOnly = props.readOnly === true;
  const letterbox = props.letterbox === true;
  const targetKey = target.kind === 'attach' ? `attach:${target.session}` : `create:${target.workspace}:${target.cwd ?? ''}`;

  useEffect(() => {
    const host = hostRef.current;
    const frame = frameRef.current;
    if (!host || (letterbox && !frame)) return;
    const cb = () => callbacks.current;
    const known = callbacks.current.initialSize;
    const term = new Terminal({
      theme: THEME,
      fontFamily: "ui-monospace, SFMono-Regular, 'SF Mono', Menlo, Consolas, 'Liberation Mono', monospace",
      fontSize: FONT_SIZE,
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
    loadWebgl(term);
    if (fit) fitIfVisible(host, fit);
    termRef.current = term;
    fitRef.current = fit;

    const size = term.cols > 0 && term.rows > 0 ? { cols: term.cols, rows: term.rows } : FALLBACK_SIZE;
    // A letterboxed view adopts the session's size and never sends RESIZE (see ChannelOptions).
    const follow = letterbox ? { followSize: true } : {};
    const channel =
      target.kind === 'attach'
        ? // A fresh page has an empty screen, so replay the session from its first retained byte.
          socket.attachTerminal({ session: target.session, resumeFrom: 0, ...size, ...follow })
        : socket.openTerminal({ workspace: target.workspace, ...(target.cwd !== undefined ? { cwd: target.cwd } : {}), ...size, ...follow });

    let frameId = 0;
    const relayout = () => {
      if (!frame) return;
      cancelAnimationFrame(frameId);
      frameId = requestAnimationFrame(() => layoutLetterbox(frame, host, term));
    };
    /** Letterbox: draw at the session's size (never the panel's). */
    const followSession = (cols: number, rows: number) => {
      if (!letterbox) return;
      if (cols !== term.cols || rows !== term.rows) term.resize(cols, rows);
      relayout();
    };

    let unregister: (() => void) | null = null;
    /** The SSH connection dropped: the EXIT that follows says nothing about the process. */
    let lost = false;
    const offs = [
      channel.on('output', (data, processed) => term.write(data, processed)),
      // Reset in write order: output already queued in xterm belongs to the old screen and must
      // be parsed first, or it would be drawn on top of the snapshot.
      channel.on('reset', () => term.write(NO_BYTES, () => term.reset())),
      channel.on('opened', (opened) => {
        followSession(opened.cols, opened.rows);
        unregister?.();
        unregister = registerTerminal(opened.session, { text: () => bufferText(term.buffer.active) });
        cb().onOpened(opened);
      }),
      channel.on('exit', (exit) => {
        // Hide the cursor: nothing reads input any more.
        term.write(lost ? '\x1b[?25l' : `\r\n\x1b[2m${exitMessage(exit)}\x1b[0m\r\n\x1b[?25l`);
        cb().onExit(exit);
      }),
      channel.on('error', (error) => {
        // An ERROR while opening is the gateway refusing the OPEN: the channel closes right after
        // this event (it emits before it finishes), so 'opening' counts as fatal too.
        const fatal = channel.state === 'opening' || channel.state === 'closed';
        if (fatal) term.write(`\r\n\x1b[31m[${error.message}]\x1b[0m\r\n\x1b[?25l`);
        cb().onError(error, fatal);
      }),
      channel.on('event', (event) => {
        if (event.type === 'status' && event.cols !== undefined && event.rows !== undefined) followSession(event.cols, event.rows);
        // (Said again if our socket reconnected between the event and EXIT: write it once.)
        if (event.type === 'status' && event.status === 'lost' && !lost) {
          lost = true;
          term.write(`\r\n\x1b[31m${lostMessage(event.message)}\x1b[0m\r\n`);
        }
        cb().onEvent(event);
      }),
      channel.on('inputDropped', (bytes) => cb().onInputDropped(bytes)),
    ];
    const termSubs = [
      // A view-only guest's keys go nowhere (xterm's stdin is disabled too).
      ...(readOnly
        ? []
        : [term.onData((data) => channel.write(data)), term.onBinary((data) => channel.write(binaryStringToBytes(data)))]),
      // Letterboxed, the size comes from the session; the channel ignores resize() then anyway.
      ...(letterbox ? [] : [term.onResize(({ cols, rows }) => channel.resize(cols, rows))]),
    ];
    cb().onChannel(channel);

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

    return () => {
      cancelAnimationFrame(frameId);
      observer.disconnect();
      for (const off of offs) off();
      for (const sub of termSubs) sub.dispose();
      // Leaving the page or closing the tab: stop viewing. (A close() in progress still finishes.)
      channel.detach();
      cb().onChannel(null);
      unregister?.();
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

  if (letterbox) {
    return (
      <div ref={frameRef} className="term-letterbox" data-testid="term-letterbox" data-readonly={readOnly}>
        <div ref={hostRef} className="term-letterbox-screen" />
      </div>
    );
  }
  return <div ref={hostRef} className="term-host" />;
}
