/**
 * Things held live (sockets, SSE streams, requests), grouped by what grants them (a share link, a
 * workspace membership) and tagged with who holds them (a guest, a member), so that ending the
 * grant, or one holder's part in it, closes them at once. Each `close` runs at most once.
 */
import type { Logger } from '../log';

interface Handle {
  holder: string;
  close(reason: string): void;
}

export class LiveHandles {
  private readonly groups = new Map<string, Set<Handle>>();

  constructor(
    private readonly log: Logger,
    /** What a group is, for the log (`share`, `workspace`). */
    private readonly groupName: string,
    /** A group has nothing live any more (after an unregister or a close). */
    private readonly onEmpty: (key: string) => void = () => {},
  ) {}

  /** Register `close` for `holder` under `key`; returns the unregister function. */
  add(key: string, holder: string, close: (reason: string) => void): () => void {
    let set = this.groups.get(key);
    if (!set) this.groups.set(key, (set = new Set()));
    const handle: Handle = { holder, close };
    set.add(handle);
    return () => {
      const s = this.groups.get(key);
      if (!s?.delete(handle) || s.size > 0) return;
      this.groups.delete(key);
      this.onEmpty(key);
    };
  }

  /** Told of every close started here (the cluster bus relays it to the other gateways). */
  private relay: ((key: string, reason: string, holder: string | undefined) => void) | null = null;

  /** Relay this process's closes elsewhere (server/cluster/wiring.ts). */
  relayTo(relay: (key: string, reason: string, holder: string | undefined) => void): void {
    this.relay = relay;
  }

  /** Close everything under `key` (only `holder`'s, when given) with `reason`, here and, through
   * the relay, on the other gateways. */
  close(key: string, reason: string, holder?: string): void {
    this.relay?.(key, reason, holder);
    this.closeHere(key, reason, holder);
  }

  /** Close what this process holds under `key` (another gateway ended the grant). */
  closeHere(key: string, reason: string, holder?: string): void {
    const set = this.groups.get(key);
    if (!set) return;
    for (const h of [...set]) {
      if (holder !== undefined && h.holder !== holder) continue;
      set.delete(h);
      try {
        h.close(reason);
      } catch (err) {
        this.log.warn('closing a live connection failed', { [this.groupName]: key, error: (err as Error).message });
      }
    }
    if (set.size === 0) {
      this.groups.delete(key);
      this.onEmpty(key);
    }
  }

  /** Keys with something live. */
  keys(): IterableIterator<string> {
    return this.groups.keys();
  }

  /** How many different holders have something live under `key`. */
  holders(key: string): number {
    return new Set([...(this.groups.get(key) ?? [])].map((h) => h.holder)).size;
  }
}
