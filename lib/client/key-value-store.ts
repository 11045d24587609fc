/**
 * Where the browser keeps small per-user state (layout, terminal names, sessions being closed):
 * `localStorage`, or nothing when storage is disabled (privacy modes throw on access) — callers
 * then keep their defaults. `MemoryStore` stands in for it in tests.
 */
export interface KeyValueStore {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** The page's localStorage, or null when it cannot be used. */
export function browserStore(): KeyValueStore | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export class MemoryStore implements KeyValueStore {
  readonly data = new Map<string, string>();
  getItem(key: string): string | null {
    return this.data.get(key) ?? null;
  }
  setItem(key: string, value: string): void {
    this.data.set(key, value);
  }
}
