/** One underlying file watch shared by every subscriber: started with the first, stopped with the last. */
import type { Disposable, FsEvent } from './runtime';

type Listener = (events: FsEvent[]) => void;

export class WatchFanout {
  private readonly listeners = new Set<Listener>();
  private stopSource: (() => void) | null = null;

  /** `start` begins watching, delivering through `emit`, and returns how to stop. */
  constructor(private readonly start: (emit: Listener) => () => void) {}

  get active(): boolean {
    return this.listeners.size > 0;
  }

  subscribe(listener: Listener): Disposable {
    this.listeners.add(listener);
    this.stopSource ??= this.start((events) => {
      for (const l of this.listeners) l(events);
    });
    return {
      dispose: () => {
        if (this.listeners.delete(listener) && this.listeners.size === 0) this.stop();
      },
    };
  }

  dispose(): void {
    this.listeners.clear();
    this.stop();
  }

  private stop(): void {
    const stop = this.stopSource;
    this.stopSource = null;
    stop?.();
  }
}
