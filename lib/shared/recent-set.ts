/**
 * The `capacity` items touched most recently. Touching one more lets go of the oldest, which the
 * caller is told of. Used for "typed into lately" (the interactive lane, core/channel.ts, and the
 * lent readers' turns, runtimes/local/lent-reader.ts): a person types into a few terminals at a
 * time, so past a handful "typed into this second" stops meaning someone waits for an echo — a
 * script typing into 500 terminals at once had put all 500 ahead of everything else.
 */
export class RecentSet<T> {
  /** In the order they were last touched, oldest first (a Set keeps insertion order). */
  private readonly items = new Set<T>();

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError('a RecentSet holds at least one item');
  }

  /** `item` is now the newest. Answers the item that fell out to make room, if one did. */
  touch(item: T): T | undefined {
    this.items.delete(item);
    this.items.add(item);
    if (this.items.size <= this.capacity) return undefined;
    const oldest = this.items.values().next().value as T;
    this.items.delete(oldest);
    return oldest;
  }

  has(item: T): boolean {
    return this.items.has(item);
  }

  delete(item: T): void {
    this.items.delete(item);
  }

  get size(): number {
    return this.items.size;
  }
}
