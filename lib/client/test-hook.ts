/**
 * `window.__tether`: a read-only window into terminal state for end-to-end tests. Playwright reads
 * what xterm parsed (its buffer) instead of pixels, which are renderer- and font-dependent.
 */

export interface TerminalProbe {
  /** Every buffer line including scrollback, right-trimmed, joined with "\n". */
  text(): string;
  /**
   * How the view attached and what that cost: `snapshot` wrote `snapshotBytes` (UTF-8 bytes of
   * the `terminals.snapshot` data) then resumed at its offset; `replay` (snapshotBytes 0) took the
   * session's output from its first retained byte. `outputBytes` counts the OUTPUT bytes the
   * channel delivered to the view since it mounted (fresh bytes only; duplicates are dropped).
   */
  attach(): AttachStats;
  /** The xterm options the user's settings drive, as the terminal has them now. */
  look(): TerminalLook;
}

export interface TerminalLook {
  fontSize: number;
  fontFamily: string;
  cursorStyle: string;
  cursorBlink: boolean;
  scrollback: number;
  /** The theme's background colour. */
  background: string;
}

export interface AttachStats {
  mode: 'snapshot' | 'replay';
  snapshotBytes: number;
  outputBytes: number;
}

export interface ConnectionProbe {
  status(): string;
  /** How many times the socket has reached `open` — tests wait for this to grow after drop(),
   * because a reconnect can be faster than any poll of the transient status. */
  opens(): number;
  /** Simulate a network drop; the socket reconnects and resumes on its own. */
  drop(): void;
  /** Simulate an outage: drop the connection and make every reconnect attempt fail for `ms`
   * (0 ends a hold early; the socket then reconnects after its backoff or on "Retry now"). */
  hold(ms: number): void;
  /** Reconnect attempts started since the connection was last open. */
  attempt(): number;
}

export interface TetherTestHook {
  terminals: Record<string, TerminalProbe>;
  activeSession(): string | null;
  connection?: ConnectionProbe;
  editor?: EditorProbe;
}

declare global {
  interface Window {
    __tether?: TetherTestHook;
  }
}

function hook(): TetherTestHook {
  if (!window.__tether) window.__tether = { terminals: {}, activeSession: () => null };
  return window.__tether;
}

export function registerTerminal(sessionId: string, probe: TerminalProbe): () => void {
  const terminals = hook().terminals;
  terminals[sessionId] = probe;
  return () => {
    if (terminals[sessionId] === probe) delete terminals[sessionId];
  };
}

export function setActiveSessionSource(source: () => string | null): () => void {
  const h = hook();
  h.activeSession = source;
  return () => {
    if (h.activeSession === source) h.activeSession = () => null;
  };
}

export function registerConnection(probe: ConnectionProbe): () => void {
  const h = hook();
  h.connection = probe;
  return () => {
    if (h.connection === probe) delete h.connection;
  };
}

export interface EditorProbe {
  /** The active editor's text exactly as a save would write it. */
  text(): string;
  /** Workspace-relative path of the active editor tab, or null. */
  path(): string | null;
}

export function registerEditor(probe: EditorProbe): () => void {
  const h = hook();
  h.editor = probe;
  return () => {
    if (h.editor === probe) delete h.editor;
  };
}
