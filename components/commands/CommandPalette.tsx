'use client';
/**
 * The command palette (Ctrl/Cmd-Shift-P, F1): every command that can run now, with its keys,
 * filtered fuzzily by title. Runs the picked command after the focus is back where it was, so
 * "Terminal: Find" finds in the terminal the palette was opened from.
 */
import { useEffect, useReducer, useState, type ReactNode } from 'react';
import { PickerDialog } from '@/components/workspace/PickerDialog';
import { isEnabled, type CommandRegistry } from '@/lib/client/commands';
import { fuzzyFilter } from '@/lib/client/fuzzy';
import { chordFor, formatChord, type Keybinding } from '@/lib/client/keybindings';

/** The title with the matched letters marked. */
function highlighted(title: string, positions: readonly number[]): ReactNode {
  if (positions.length === 0) return title;
  const marks = new Set(positions);
  const out: ReactNode[] = [];
  let run = '';
  let marked = false;
  const flush = () => {
    if (run) out.push(marked ? <mark key={out.length}>{run}</mark> : run);
    run = '';
  };
  for (let i = 0; i < title.length; i++) {
    if (marks.has(i) !== marked) {
      flush();
      marked = marks.has(i);
    }
    run += title[i];
  }
  flush();
  return out;
}

export function keyLabels(bindings: readonly Keybinding[], mac: boolean): string[] {
  return bindings.map((kb) => formatChord(chordFor(kb, mac), mac));
}

export function CommandPalette({ registry, mac, onClose }: { registry: CommandRegistry; mac: boolean; onClose(): void }) {
  const [query, setQuery] = useState('');
  // Commands come and go (a terminal opens, a file closes) while the palette is open.
  const [, refresh] = useReducer((n: number) => n + 1, 0);
  useEffect(() => registry.onChange(refresh), [registry]);
  const matches = fuzzyFilter(query, registry.list().filter(isEnabled), (c) => c.title);

  return (
    <PickerDialog
      label="Command palette"
      inputLabel="Command"
      placeholder="Type the name of a command…"
      testId="command-palette"
      query={query}
      onQueryChange={setQuery}
      items={matches}
      itemKey={(m) => m.item.id}
      itemData={(m) => ({ 'data-command-id': m.item.id })}
      renderItem={({ item, positions }) => (
        <>
          <span className="qo-name">{highlighted(item.title, positions)}</span>
          <span className="palette-keys">
            {keyLabels(registry.keybindingsOf(item), mac).map((k) => (
              <kbd key={k}>{k}</kbd>
            ))}
          </span>
        </>
      )}
      onPick={(m) => registry.run(m.item.id)}
      onClose={onClose}
      notes={matches.length === 0 && <li className="muted">No matching commands.</li>}
    />
  );
}
