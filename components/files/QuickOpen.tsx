'use client';
/** Ctrl/Cmd-P: open a file by (fuzzy) name, ranked by the server's `fs.findFiles`. */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useEffect, useState, type KeyboardEvent } from 'react';
import { baseName, displayName, parentDir } from '@/lib/client/file-paths';
import type { FilesBus } from '@/lib/client/files-bus';
import { errorMessage, useTRPC } from '@/lib/client/trpc';
import { useDebounced } from './use-debounced';

const LIMIT = 50;

export function QuickOpen({ workspaceId, bus, onClose }: { workspaceId: string; bus: FilesBus; onClose(): void }) {
  const trpc = useTRPC();
  const [query, setQuery] = useState('');
  const [index, setIndex] = useState(0);
  const debounced = useDebounced(query, 80);
  const found = useQuery(
    trpc.fs.findFiles.queryOptions({ workspaceId, query: debounced, limit: LIMIT }, { placeholderData: keepPreviousData, staleTime: 2_000 }),
  );
  const paths = found.data?.paths ?? [];
  useEffect(() => setIndex(0), [debounced]);

  const pick = (p: string | undefined) => {
    if (p === undefined) return;
    onClose();
    bus.emit('open', p);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') setIndex((i) => Math.min(i + 1, paths.length - 1));
    else if (e.key === 'ArrowUp') setIndex((i) => Math.max(i - 1, 0));
    else if (e.key === 'Enter') pick(paths[index]);
    else if (e.key === 'Escape') onClose();
    else return;
    e.preventDefault();
  };

  return (
    <div className="modal-backdrop quick-open-backdrop" onPointerDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className="modal quick-open" role="dialog" aria-label="Open file by name" data-testid="quick-open">
        <input
          className="input"
          autoFocus
          data-testid="quick-open-input"
          placeholder="File name…"
          aria-label="File name"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
          onKeyDown={onKeyDown}
        />
        {found.error && <p className="field-error">{errorMessage(found.error)}</p>}
        <ul className="quick-open-list" role="listbox">
          {paths.map((p, i) => (
            <li
              key={p}
              role="option"
              aria-selected={i === index}
              data-testid="quick-open-item"
              data-path={p}
              onPointerMove={() => setIndex(i)}
              onClick={() => pick(p)}
            >
              <span className="qo-name">{displayName(baseName(p))}</span>
              <span className="qo-dir">{displayName(parentDir(p))}</span>
            </li>
          ))}
          {found.data && paths.length === 0 && <li className="muted">No matching files.</li>}
          {found.data?.truncated && <li className="muted">Not every file was searched; type more of the name.</li>}
        </ul>
      </div>
    </div>
  );
}
