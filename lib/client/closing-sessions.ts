/**
 * Sessions the user closed whose "forget" may not have reached the gateway. Closing a running
 * terminal takes two steps — KILL, wait for EXIT, KILL again to make the gateway forget it — and a
 * page that is reloaded or closed in between leaves an exited session that would come back as a
 * tab. We remember such sessions in localStorage until the gateway has forgotten them, and the
 * next page load finishes the job instead of showing them.
 */
import { browserStore, type KeyValueStore } from './key-value-store';

const KEY = 'tether.closingSessions';
/** Bound the list: ids of sessions that vanished some other way are dropped oldest first. */
const MAX_ENTRIES = 200;

export class ClosingSessions {
  constructor(private readonly store: KeyValueStore | null) {}

  list(): string[] {
    if (!this.store) return [];
    try {
      const v: unknown = JSON.parse(this.store.getItem(KEY) ?? '[]');
      return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
    } catch {
      return [];
    }
  }

  has(id: string): boolean {
    return this.list().includes(id);
  }

  add(id: string): void {
    this.save([...this.list().filter((x) => x !== id), id].slice(-MAX_ENTRIES));
  }

  remove(id: string): void {
    const all = this.list();
    if (all.includes(id)) this.save(all.filter((x) => x !== id));
  }

  private save(ids: string[]): void {
    try {
      this.store?.setItem(KEY, JSON.stringify(ids));
    } catch {
      // Storage full or disabled: the worst case is an exited tab reappearing once.
    }
  }
}

export function browserClosingSessions(): ClosingSessions {
  return new ClosingSessions(browserStore());
}

/** The part of a channel closeAndForget needs (structural, so this file stays import-free). */
export interface ClosableChannel {
  readonly session: string | null;
  readonly state: string;
  on(event: 'state', fn: (state: string) => void): () => void;
  close(): void;
}

/** Close a channel for good, remembering its session until the gateway has forgotten it. */
export function closeAndForget(channel: ClosableChannel, closing: ClosingSessions): void {
  const id = channel.session;
  if (id !== null) {
    closing.add(id);
    const off = channel.on('state', (state) => {
      if (state !== 'closed') return;
      off();
      closing.remove(id);
    });
  }
  channel.close();
}
