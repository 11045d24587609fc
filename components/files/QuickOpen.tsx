'use client';
/** Ctrl/Cmd-P: open a file by (fuzzy) name, ranked by the server's `fs.findFiles`. */
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { PickerDialog } from '@/components/workspace/PickerDialog';
import { baseName, displayName, parentDir } from '@/lib/client/file-paths';
import type { FilesBus } from '@/lib/client/files-bus';
import { errorMessage, useTRPC } from '@/lib/client/trpc';
import { useDebounced } from './use-debounced';

const LIMIT = 50;

export function QuickOpen({ workspaceId, bus, onClose }: { workspaceId: string; bus: FilesBus; onClose(): void }) {
  const trpc = useTRPC();
  const [query, setQuery] = useState('');
  const debounced = useDebounced(query, 80);
  const found = useQuery(
    trpc.fs.findFiles.queryOptions({ workspaceId, query: debounced, limit: LIMIT }, { placeholderData: keepPreviousData, staleTime: 2_000 }),
  );
  const paths = found.data?.paths ?? [];

  return (
    <PickerDialog
      label="Open file by name"
      inputLabel="File name"
      placeholder="File name…"
      testId="quick-open"
      query={query}
      onQueryChange={setQuery}
      items={paths}
      itemKey={(p) => p}
      itemData={(p) => ({ 'data-path': p })}
      renderItem={(p) => (
        <>
          <span className="qo-name">{displayName(baseName(p))}</span>
          <span className="qo-dir">{displayName(parentDir(p))}</span>
        </>
      )}
      onPick={(p) => bus.emit('open', p)}
      onClose={onClose}
      status={found.error && <p className="field-error">{errorMessage(found.error)}</p>}
      notes={
        <>
          {found.data && paths.length === 0 && <li className="muted">No matching files.</li>}
          {found.data?.truncated && <li className="muted">Not every file was searched; type more of the name.</li>}
        </>
      }
    />
  );
}
