/**
 * The editor's side of the files bus: open requests, watch events (re-check or mark deleted),
 * resyncs (re-check everything) and renames (open docs follow their files).
 */
import { useEffect, type RefObject } from 'react';
import type { FilesBus, HeldOpens } from '@/lib/client/files-bus';
import { renameOpenPaths, watchReactions } from '@/lib/client/open-files';
import type { OpenDoc } from './open-doc';

interface Options {
  bus: FilesBus;
  docs: RefObject<OpenDoc[]>;
  activeRef: RefObject<OpenDoc | null>;
  open(path: string, line?: number): void;
  checkDisk(doc: OpenDoc): Promise<void>;
  rerender(): void;
  onActiveChange(path: string | null): void;
  /** Opens that arrived before this editor listened: opened once it does. */
  heldOpens?: HeldOpens;
}

export function useFilesBus({ bus, docs, activeRef, open, checkDisk, rerender, onActiveChange, heldOpens }: Options): void {
  useEffect(() => {
    const offOpen = bus.on('open', (path, line) => open(path, line));
    for (const [path, line] of heldOpens?.take() ?? []) open(path, line);
    const offWatch = bus.on('watch', (events) => {
      const reactions = watchReactions(
        events,
        docs.current.map((d) => d.path),
      );
      for (const [path, reaction] of reactions) {
        const doc = docs.current.find((d) => d.path === path);
        if (!doc) continue;
        if (reaction === 'check') void checkDisk(doc);
        else if (!doc.deleted) {
          doc.deleted = true;
          rerender();
        }
      }
    });
    const offResync = bus.on('resync', () => {
      for (const doc of docs.current) void checkDisk(doc);
    });
    const offRenamed = bus.on('renamed', (from, to) => {
      const moved = renameOpenPaths(
        docs.current.map((d) => d.path),
        from,
        to,
      );
      for (const doc of docs.current) {
        const next = moved.get(doc.path);
        if (next !== undefined) {
          doc.path = next;
          doc.deleted = false;
        }
      }
      if (moved.size > 0) {
        onActiveChange(activeRef.current?.path ?? null);
        rerender();
      }
    });
    return () => {
      offOpen();
      offWatch();
      offResync();
      offRenamed();
    };
    // docs and activeRef are refs (stable); the rest re-subscribes when it changes.
  }, [bus, open, checkDisk, rerender, onActiveChange, docs, activeRef, heldOpens]);
}
