/** A terminal view's props and the handle it gives its parent. */
import type { ErrorInfo, ExitInfo, Opened, SessionEvent } from '@/lib/protocol';
import type { GatewayChannel } from '@/lib/client/gateway-channel';
import type { GatewaySocket } from '@/lib/client/gateway-socket';
import type { TerminalTarget } from '@/lib/client/terminal-target';

export type { TerminalTarget };

/** What a view offers its parent beyond the channel (e.g. the phone key bar). */
export interface TerminalHandle {
  /** DECCKM: the program asked for application cursor keys (SS3 arrows). */
  applicationCursorKeys(): boolean;
  /** Send `text` as pasted: bracketed when the program enabled bracketed paste, newlines as CR. */
  paste(text: string): void;
  focus(): void;
  /** Open the find bar (as Ctrl/Cmd-F does), or focus it if open; nothing when `find` is off. */
  openFind(): void;
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
  /**
   * Letterboxed: shrink the font until the session fits the frame (down to 4 px) instead of
   * keeping it readable (11 px at least) and scrolling sideways. Applied live.
   */
  letterboxFit?: boolean;
  /** The session's size if known (e.g. from terminals.list), for the OPEN of a letterboxed view. */
  initialSize?: { cols: number; rows: number };
  /** Font size in CSS pixels (default 13), applied live. A letterboxed view never goes above it. */
  fontSize?: number;
  /**
   * Rewrites what the keyboard types (xterm's onData: keys, IME commits, pastes, and the
   * terminal's own replies) before it is sent; read live. E.g. the phone key bar's sticky Ctrl.
   */
  mapInput?: (data: string) => string;
  /**
   * Find in the scrollback (default true): Ctrl-F (Cmd-F on a Mac) opens a find bar over the
   * terminal. False: no bar, and the key goes to the program. Fixed for the terminal's life.
   */
  find?: boolean;
  /**
   * The program's title as this terminal's parser follows it (lib/client/terminal-title.ts): set
   * by OSC 0/2, dropped when a full-screen program leaves the alternate screen.
   */
  onTitle?(title: string): void;
  /** The view's terminal handle once it exists, null when it goes away. */
  onTerminal?(handle: TerminalHandle | null): void;
}
