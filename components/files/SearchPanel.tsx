'use client';
/** Text search across the workspace (`fs.search`); a result opens its file at the line, and shows
 * its line with the match marked (as text: lib/client/search-highlight.ts). */
import { useQuery } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { displayName } from '@/lib/client/file-paths';
import type { FilesBus } from '@/lib/client/files-bus';
import { highlightParts } from '@/lib/client/search-highlight';
import { errorMessage, useTRPC } from '@/lib/client/trpc';

const LIMIT = 500;

interface Submitted {
  query: string;
  regex: boolean;
  caseSensitive: boolean;
}

export function SearchPanel({ workspaceId, bus }: { workspaceId: string; bus: FilesBus }) {
  const trpc = useTRPC();
  const [query, setQuery] = useState('');
  const [regex, setRegex] = useState(false);
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [submitted, setSubmitted] = useState<Submitted | null>(null);
  const result = useQuery(
    trpc.fs.search.queryOptions({ workspaceId, ...(submitted ?? { query: '', regex: false, caseSensitive: false }), limit: LIMIT }, { enabled: submitted !== null, staleTime: 0 }),
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (query.trim() === '') return;
    setSubmitted({ query, regex, caseSensitive });
  };

  const groups = new Map<string, { line: number; column: number; length: number; text: string }[]>();
  for (const m of result.data?.matches ?? []) {
    const g = groups.get(m.path) ?? [];
    g.push(m);
    groups.set(m.path, g);
  }

  return (
    <div className="search-panel" data-testid="search-panel">
      <form onSubmit={submit} className="search-form">
        <input
          className="input"
          data-testid="search-input"
          placeholder="Search text (Enter)"
          aria-label="Search text"
          value={query}
          onChange={(e) => setQuery(e.target.value)}
        />
        <label>
          <input type="checkbox" checked={regex} onChange={(e) => setRegex(e.target.checked)} /> Regex
        </label>
        <label>
          <input type="checkbox" checked={caseSensitive} onChange={(e) => setCaseSensitive(e.target.checked)} /> Match case
        </label>
      </form>
      <div className="search-results">
        {result.isFetching && <p className="muted">Searching…</p>}
        {result.error && <p className="field-error">{errorMessage(result.error)}</p>}
        {result.data && result.data.matches.length === 0 && <p className="muted">No matches.</p>}
        {[...groups].map(([path, matches]) => (
          <div key={path} className="search-group">
            <div className="search-path" title={displayName(path)}>
              {displayName(path)}
            </div>
            {matches.map((m) => (
              <button
                key={`${m.line}:${m.column}`}
                className="search-result"
                data-testid="search-result"
                data-path={path}
                data-line={m.line}
                onClick={() => bus.emit('open', path, m.line)}
              >
                <span className="search-line">{m.line}</span>
                <span className="search-text">
                  {highlightParts(m.text, m.column, m.length).map((part, i) => {
                    // Per part, so escaping and tab widths never move the mark.
                    const shown = displayName(part.text.replace(/\t/g, '  '));
                    return part.match ? (
                      <mark key={i} className="search-match" data-testid="search-match">
                        {shown}
                      </mark>
                    ) : (
                      shown
                    );
                  })}
                </span>
              </button>
            ))}
          </div>
        ))}
        {result.data?.truncated && <p className="muted">Showing the first {LIMIT} matches; narrow the search.</p>}
      </div>
    </div>
  );
}
