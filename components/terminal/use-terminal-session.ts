/**
 * The life of one xterm.js terminal bound to one gateway channel: made when the view mounts (or
 * its target changes), fed the channel's output (acknowledged once parsed), sized to the panel —
 * or letterboxed to the session — and disposed, detaching the channel, when it goes. Its key
 * handler decides which keys never reach the program: the find key, the page's global commands
 * (lib/client/commands.ts) and, while "Tab moves focus" is on, Tab.
 */
import { FitAddon } from '@xterm/addon-fit';
import { SearchAddon } from '@xterm/addon-search';
import { Terminal } from '@xterm/xterm';
import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from 'react';
import type { GatewayChannel } from '@/lib/client/gateway-channel';
import { AnswerFilter } from '@/lib/client/terminal-answers';
import { isFocusTab } from '@/lib/client/commands';
import { browserIsMac } from '@/lib/client/keybindings';
import { isFindShortcut } from '@/lib/client/terminal-find';
import { terminalTargetKey } from '@/lib/client/terminal-target';
import { TitleTracker } from '@/lib/client/terminal-title';
import { binaryStringToBytes, bufferText, exitMessage, lostMessage } from '@/lib/client/terminal-text';
import { registerTerminal, type AttachStats } from '@/lib/client/test-hook';
import { TouchScrollAddon } from '@/lib/client/touch-scroll';
import { useTRPCClient } from '@/lib/client/trpc';
import { useOptionalCommands } from '@/components/commands/commands-context';
import { loadWebgl } from './load-webgl';
import { FALLBACK_SIZE, fitIfVisible, layoutLetterbox } from './terminal-fit';
import { minimumContrast, terminalTheme } from './terminal-theme';
import type { TerminalAppearance } from './terminal-appearance';
import type { TerminalViewProps } from './terminal-types';

const NO_BYTES = new Uint8Array(0);
/** The search addon counts (and highlights) up to this many matches. */
export const FIND_HIGHLIGHT_LIMIT = 1000;

export interface TerminalSession {
  /** Where the terminal is drawn. */
  hostRef: RefObject<HTMLDivElement | null>;
  /** Letterbox only: the area the terminal is centred in. */
  frameRef: RefObject<HTMLDivElement | null>;
  termRef: RefObject<Terminal | null>;
  /** Not letterboxed: the addon fitting the terminal to the host. */
  fitRef: RefObject<FitAddon | null>;
  /** Letterbox only: lay the terminal out again (after a font size change). */
  relayoutRef: RefObject<(() => void) | null>;
  /** The terminal's search addon while it exists (null without one: `find` off, or it failed). */
  search: SearchAddon | null;
}

/**
 * `openFind`: the find key (Ctrl-F, Cmd-F on a Mac) was pressed in the terminal, or the handle's
 * openFind() called; read live. Only asked when the terminal has a search addon.
 */
export function useTerminalSession(props: TerminalViewProps, openFind: () => void, appearance: TerminalAppearance): TerminalSession {
  const hostRef = useRef<HTMLDivElement>(null);
  /** Letterbox only: the area the terminal is centred in. */
  const frameRef = useRef<HTMLDivElement>(null);
  const termRef = useRef<Terminal | null>(null);
  const fitRef = useRef<FitAddon | null>(null);
  /** Letterbox only: lay the terminal out again (after a font size change). */
  const relayoutRef = useRef<(() => void) | null>(null);
  // Latest callbacks for the long-lived listeners, without re-creating the terminal.
  const callbacks = useRef(props);
  const openFindRef = useRef(openFind);
  // Read when the terminal is made; TerminalView applies later changes to its options.
  const appearanceRef = useRef(appearance);
  // The context's client: the app's, or a share guest's (which may read its shared sessions).
  const trpcClient = useTRPCClient();
  const trpcRef = useRef(trpcClient);
  // The page's commands (none on a phone terminal or a terminal share): their keys skip the program.
  const commands = useOptionalCommands();
  const commandsRef = useRef(commands);
  useLayoutEffect(() => {
    callbacks.current = props;
    openFindRef.current = openFind;
    appearanceRef.current = appearance;
    trpcRef.current = trpcClient;
    commandsRef.current = commands;
  });

  const { socket, target } = props;
  // Fixed for the terminal's life, like its target.
  const readOnly = props.readOnly === true;
  const letterbox = props.letterbox === true;
  const snapshot = target.kind === 'attach' && target.snapshot === true;
  const targetKey = terminalTargetKey(target);
  const findable = props.find !== false;
  const [search, setSearch] = useState<SearchAddon | null>(null);

  useEffect(() => {
    const host = hostRef.current;
    const frame = frameRef.current;
    if (!host || (letterbox && !frame)) return;
    const cb = () => callbacks.current;
    const fontSize = () => appearanceRef.current.fontSize;
    const known = callbacks.current.initialSize;
    let disposed = false;
    const look = appearanceRef.current;
    const term = new Terminal({
      theme: terminalTheme(look.theme),
      minimumContrastRatio: minimumContrast(look.theme),
      fontFamily: look.fontFamily,
      fontSize: fontSize(),
      lineHeight: 1.15,
      scrollback: look.scrollback,
      cursorStyle: look.cursorStyle,
      cursorBlink: !readOnly && look.cursorBlink,
      ...(readOnly ? { disableStdin: true } : {}),
      ...(letterbox ? (known ?? FALLBACK_SIZE) : {}),
      // The search addon's match highlights are decorations, which xterm 6 still calls proposed.
      allowProposedApi: findable,
    });
    const fit = letterbox ? null : new FitAddon();
    if (fit) term.loadAddon(fit);
    term.open(host);
    term.loadAddon(new TouchScrollAddon()); // swipe-to-scroll: xterm 6.0.0 has none (xterm.js#5489)
    loadWebgl(term, () => disposed);
    // Find: the key opens the bar instead of reaching the program — unless there is no bar.
    let searchAddon: SearchAddon | null = null;
    if (findable) {
      try {
        searchAddon = new SearchAddon({ highlightLimit: FIND_HIGHLIGHT_LIMIT });
        term.loadAddon(searchAddon);
      } catch (err) {
        console.warn('tether: no find in this terminal', err);
        searchAddon = null;
      }
    }
    // Which keys the program does not get. Returning false leaves the event alone: it goes on to
    // the page (the commands' key listener, or the browser's focus navigation for Tab).
    const mac = browserIsMac();
    term.attachCustomKeyEventHandler((e) => {
      if (searchAddon && isFindShortcut(e, mac)) {
        // Keep the browser's find away too.
        e.preventDefault();
        if (e.type === 'keydown') openFindRef.current();
        return false;
      }
      const commands = commandsRef.current;
      if (!commands) return true;
      if (commands.tabMovesFocus && isFocusTab(e)) return false;
      return !commands.skipsShell(e, mac);
    });
    setSearch(searchAddon);
    if (fit) fitIfVisible(host, fit);
    termRef.current = term;
    fitRef.current = fit;

    let frameId = 0;
    const relayout = () => {
      if (!frame) return;
      cancelAnimationFrame(frameId);
      frameId = requestAnimationFrame(() => layoutLetterbox(frame, host, term, fontSize(), callbacks.current.letterboxFit ? 'fit' : 'readable'));
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
    /** Made at once, or — with a snapshot to draw first — once it is on the screen. */
    let channel: GatewayChannel | null = null;
    let unregister: (() => void) | null = null;
    /** The SSH connection dropped: the EXIT that follows says nothing about the process. */
    let lost = false;
    let offs: Array<() => void> = [];
    let termSubs: Array<{ dispose(): void }> = [];
    // Titles in parse order, so a title and the screen switch after it are seen in that order.
    const titles = new TitleTracker();
    let firstOpen = true;
    const titleSubs = [
      term.onTitleChange((t) => {
        titles.set(t);
        cb().onTitle?.(titles.title);
      }),
      term.buffer.onBufferChange((buffer) => {
        titles.screen(buffer.type === 'alternate');
        cb().onTitle?.(titles.title);
      }),
    ];

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
          // A replay from the first byte sets every title again; otherwise start from the gateway's.
          if (opened.snapshot || (firstOpen && opened.offset > 0)) {
            titles.seed(opened.title ?? '', false);
            cb().onTitle?.(titles.title);
          }
          firstOpen = false;
          unregister?.();
          unregister = registerTerminal(opened.session, {
            text: () => bufferText(term.buffer.active),
            attach: () => ({ ...stats }),
            look: () => ({
              fontSize: term.options.fontSize ?? 0,
              fontFamily: term.options.fontFamily ?? '',
              cursorStyle: term.options.cursorStyle ?? 'block',
              cursorBlink: term.options.cursorBlink ?? false,
              scrollback: term.options.scrollback ?? 0,
              background: term.options.theme?.background ?? '',
            }),
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
      openFind: () => {
        if (searchAddon) openFindRef.current();
      },
    });

    return () => {
      disposed = true;
      cancelAnimationFrame(frameId);
      observer.disconnect();
      for (const off of offs) off();
      for (const sub of termSubs) sub.dispose();
      for (const sub of titleSubs) sub.dispose();
      userInputWatch?.dispose();
      // Leaving the page or closing the tab: stop viewing. (A close() in progress still finishes.)
      (channel as GatewayChannel | null)?.detach();
      cb().onChannel(null);
      cb().onTerminal?.(null);
      unregister?.();
      relayoutRef.current = null;
      termRef.current = null;
      fitRef.current = null;
      setSearch(null);
      term.dispose();
    };
    // The terminal is bound to one target for its whole life; targetKey captures `target`.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [socket, targetKey, readOnly, letterbox, findable]);

  return { hostRef, frameRef, termRef, fitRef, relayoutRef, search };
}
