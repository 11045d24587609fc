/**
 * Names the user gave terminal tabs ("Rename Terminal"), kept in this browser per workspace and
 * keyed by session id until the gateway can store a session's name itself (it has
 * `SessionInfo.name`, given at start, but no way to change it yet). Entries of sessions the
 * gateway no longer lists are dropped when the list is read.
 */
import { browserStore, type KeyValueStore } from './key-value-store';

const KEY_PREFIX = 'tether.terminalNames.';
/** A name longer than this is cut (a tab shows ~25 characters anyway). */
export const TERMINAL_NAME_MAX = 80;

export class TerminalNames {
  constructor(
    private readonly store: KeyValueStore | null,
    private readonly workspaceId: string,
  ) {}

  all(): Record<string, string> {
    try {
      const v: unknown = JSON.parse(this.store?.getItem(KEY_PREFIX + this.workspaceId) ?? '{}');
      if (typeof v !== 'object' || v === null || Array.isArray(v)) return {};
      return Object.fromEntries(Object.entries(v).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
    } catch {
      return {};
    }
  }

  get(session: string): string | null {
    return this.all()[session] ?? null;
  }

  /** Set (or, with an empty name, clear) the name of `session`. */
  set(session: string, name: string): void {
    const { [session]: _, ...rest } = this.all();
    const clean = normalizeTerminalName(name);
    this.save(clean ? { ...rest, [session]: clean } : rest);
  }

  /** Forget the names of sessions not in `live` (the gateway's list). */
  keepOnly(live: Iterable<string>): void {
    const keep = new Set(live);
    const all = this.all();
    const kept = Object.fromEntries(Object.entries(all).filter(([id]) => keep.has(id)));
    if (Object.keys(kept).length !== Object.keys(all).length) this.save(kept);
  }

  private save(names: Record<string, string>): void {
    try {
      this.store?.setItem(KEY_PREFIX + this.workspaceId, JSON.stringify(names));
    } catch {
      // Storage full or disabled: the name lasts for this page only.
    }
  }
}

/** One line, no control characters, trimmed and bounded; '' means "no name". */
export function normalizeTerminalName(name: string): string {
  // eslint-disable-next-line no-control-regex
  return name.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim().slice(0, TERMINAL_NAME_MAX);
}

export function browserTerminalNames(workspaceId: string): TerminalNames {
  return new TerminalNames(browserStore(), workspaceId);
}
