'use client';
/**
 * The find bar over a terminal (Ctrl-F, or Cmd-F on a Mac): a query searched as you type through
 * the terminal's @xterm/addon-search, every match highlighted and the current one brighter,
 * "n of m", previous / next (Shift-Enter / Enter), match case (Alt-C) and regex (Alt-R) toggles.
 * Esc or × closes it and gives the terminal the focus back (TerminalView's onClose).
 */
import type { ISearchOptions, SearchAddon } from '@xterm/addon-search';
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { findCountText, isFindShortcut, regexError, type FindResults } from '@/lib/client/terminal-find';

/** Highlights: the addon wants #RRGGBB backgrounds. Matches amber, the current one brighter. */
const DECORATIONS: NonNullable<ISearchOptions['decorations']> = {
  matchBackground: '#5c4208',
  matchBorder: '#9e6a03',
  matchOverviewRuler: '#9e6a03',
  activeMatchBackground: '#bb8009',
  activeMatchBorder: '#f2cc60',
  activeMatchColorOverviewRuler: '#f2cc60',
};

export interface TerminalFindProps {
  search: SearchAddon;
  /** The addon's highlight limit: it counts no further. */
  limit: number;
  /** Changes each time the find key is pressed again: focus the input and select its text. */
  focusToken: number;
  onClose(): void;
}

export function TerminalFind({ search, limit, focusToken, onClose }: TerminalFindProps) {
  const inputRef = useRef<HTMLInputElement>(null);
  const [query, setQuery] = useState('');
  const [caseSensitive, setCaseSensitive] = useState(false);
  const [regex, setRegex] = useState(false);
  const [results, setResults] = useState<FindResults | null>(null);
  const invalid = regex && query !== '' ? regexError(query) : null;
  const options: ISearchOptions = { caseSensitive, regex, decorations: DECORATIONS };

  useEffect(() => {
    const input = inputRef.current;
    input?.focus();
    input?.select();
  }, [focusToken]);

  useEffect(() => {
    const sub = search.onDidChangeResults((r) => setResults({ resultIndex: r.resultIndex, resultCount: r.resultCount }));
    return () => {
      sub.dispose();
      // Closing (or the terminal going): no highlights left behind. The selection stays.
      try {
        search.clearDecorations();
      } catch {
        /* the terminal was disposed first */
      }
    };
  }, [search]);

  // Search as you type, and again when an option changes: from the current match on, so it stays
  // put while it still matches. Clearing first makes the addon highlight afresh (it would not
  // notice an option change for the same query).
  useEffect(() => {
    search.clearDecorations();
    if (query === '' || invalid) {
      setResults(null);
      return;
    }
    search.findNext(query, options);
    // `options` is made of the two flags.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [search, query, caseSensitive, regex, invalid]);

  const step = (back: boolean) => {
    if (query === '' || invalid) return;
    if (back) search.findPrevious(query, options);
    else search.findNext(query, options);
  };

  const onKeyDown = (e: KeyboardEvent<HTMLDivElement>) => {
    const native = e.nativeEvent;
    if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      onClose();
    } else if (e.key === 'Enter' && e.target === inputRef.current && !e.altKey && !e.ctrlKey && !e.metaKey) {
      e.preventDefault();
      step(e.shiftKey);
    } else if (e.altKey && !e.ctrlKey && !e.metaKey && (native.code === 'KeyC' || native.code === 'KeyR')) {
      e.preventDefault();
      if (native.code === 'KeyC') setCaseSensitive((v) => !v);
      else setRegex((v) => !v);
    } else if (isFindShortcut(native, false) || isFindShortcut(native, true)) {
      // Ctrl- or Cmd-F again while open (no program to take it here): back to the query, and
      // not the browser's find.
      e.preventDefault();
      inputRef.current?.focus();
      inputRef.current?.select();
    }
  };

  const count = invalid ?? findCountText(query, results, limit);
  return (
    <div className="term-find" role="search" aria-label="Find in terminal" data-testid="terminal-find" onKeyDown={onKeyDown}>
      <input
        ref={inputRef}
        className="term-find-input"
        type="text"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        placeholder="Find"
        aria-label="Find in terminal"
        aria-invalid={invalid ? true : undefined}
        spellCheck={false}
        autoComplete="off"
        autoCapitalize="off"
        autoCorrect="off"
        data-testid="terminal-find-input"
      />
      <button
        type="button"
        className="term-find-toggle"
        aria-label="Match case"
        aria-pressed={caseSensitive}
        aria-keyshortcuts="Alt+C"
        title="Match case (Alt+C)"
        data-testid="terminal-find-case"
        onClick={() => setCaseSensitive((v) => !v)}
      >
        <span aria-hidden="true">Aa</span>
      </button>
      <button
        type="button"
        className="term-find-toggle"
        aria-label="Use regular expression"
        aria-pressed={regex}
        aria-keyshortcuts="Alt+R"
        title="Use regular expression (Alt+R)"
        data-testid="terminal-find-regex"
        onClick={() => setRegex((v) => !v)}
      >
        <span aria-hidden="true">.*</span>
      </button>
      <span className="term-find-count" role="status" aria-live="polite" data-invalid={invalid ? true : undefined} data-testid="terminal-find-count">
        {count}
      </span>
      <button
        type="button"
        className="term-find-btn"
        aria-label="Previous match"
        aria-keyshortcuts="Shift+Enter"
        title="Previous match (Shift+Enter)"
        data-testid="terminal-find-prev"
        disabled={query === '' || invalid !== null}
        onClick={() => step(true)}
      >
        <span aria-hidden="true">↑</span>
      </button>
      <button
        type="button"
        className="term-find-btn"
        aria-label="Next match"
        aria-keyshortcuts="Enter"
        title="Next match (Enter)"
        data-testid="terminal-find-next"
        disabled={query === '' || invalid !== null}
        onClick={() => step(false)}
      >
        <span aria-hidden="true">↓</span>
      </button>
      <button
        type="button"
        className="term-find-btn"
        aria-label="Close find"
        aria-keyshortcuts="Escape"
        title="Close (Escape)"
        data-testid="terminal-find-close"
        onClick={onClose}
      >
        <span aria-hidden="true">×</span>
      </button>
    </div>
  );
}
