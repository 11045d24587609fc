/** An open editor tab's model: what was read, what is saved, and what the disk is doing. */
import type { EditorState, Text } from '@codemirror/state';

export type DocKind = 'loading' | 'text' | 'binary' | 'tooLarge' | 'error';

export interface OpenDoc {
  path: string;
  kind: DocKind;
  /** Editor state while not shown in the view (the view owns the state of the active doc). */
  state: EditorState | null;
  saved: Text | null;
  version: string | null;
  size: number;
  dirty: boolean;
  diskChanged: boolean;
  deleted: boolean;
  error: string | null;
  saving: boolean;
  /** A watch event arrived during a save: check the disk again once it finishes. */
  recheck: boolean;
  /** 1-based line to reveal once loaded. */
  revealLine: number | null;
}

export interface ReadResult {
  content: string | null;
  version: string;
  size: number;
  binary: boolean;
  tooLarge: boolean;
}

export function newDoc(path: string, revealLine: number | null): OpenDoc {
  return {
    path,
    kind: 'loading',
    state: null,
    saved: null,
    version: null,
    size: 0,
    dirty: false,
    diskChanged: false,
    deleted: false,
    error: null,
    saving: false,
    recheck: false,
    revealLine,
  };
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}
