/**
 * A PTY's end, for every kind of terminal (local, direct SSH, agent, echo): it happens once, every
 * listener hears it — one that subscribes afterwards too, on the next microtask — and `lost` says
 * why the exit status is unknown when the connection to the program was lost.
 */
import type { ExitInfo } from '../../lib/protocol';

export type ExitListener = (exit: ExitInfo, lost?: string) => void;

export class PtyExit {
  private listeners: ExitListener[] = [];
  private ending: [ExitInfo, string | undefined] | null = null;

  /** The exit, once it happened. */
  get info(): ExitInfo | null {
    return this.ending?.[0] ?? null;
  }

  get ended(): boolean {
    return this.ending !== null;
  }

  /** The program ended (the first call counts). */
  end(exit: ExitInfo, lost?: string): void {
    if (this.ending) return;
    const ending: [ExitInfo, string | undefined] = [exit, lost];
    this.ending = ending;
    const listeners = this.listeners;
    this.listeners = [];
    for (const l of listeners) l(...ending);
  }

  /** PtyProcess.onExit. */
  listen(listener: ExitListener): void {
    const ending = this.ending;
    if (ending) queueMicrotask(() => listener(...ending));
    else this.listeners.push(listener);
  }
}
