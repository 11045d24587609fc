'use client';
/**
 * A quick pick — Quick Open (Ctrl-P) and the command palette (Ctrl-Shift-P) — as one dialog: a
 * text field over a list, the field keeping the focus while ↑/↓ move the active option
 * (`aria-activedescendant`), Enter picks it, Esc or a press outside closes. Closing gives the
 * focus back to where it was before the dialog opened (a terminal, the editor) — before `onPick`
 * runs, so a pick that moves the focus (open a file, focus the tree) has the last word.
 */
import { useEffect, useId, useState, type KeyboardEvent, type ReactNode } from 'react';

/** How far each key moves the active option. */
const STEPS: Readonly<Record<string, number>> = { ArrowDown: 1, ArrowUp: -1, PageDown: 10, PageUp: -10 };

type DataAttributes = { [key: `data-${string}`]: string };

interface Props<T> {
  /** The dialog's accessible name. */
  label: string;
  inputLabel: string;
  placeholder: string;
  /** `testId` on the dialog, `${testId}-input` on the field, `${testId}-item` on each option. */
  testId: string;
  query: string;
  onQueryChange(query: string): void;
  items: readonly T[];
  itemKey(item: T): string;
  renderItem(item: T): ReactNode;
  itemData?(item: T): DataAttributes;
  /** The dialog has closed and the focus is back: do what the item says. */
  onPick(item: T): void;
  onClose(): void;
  /** Shown between the field and the list (an error). */
  status?: ReactNode;
  /** Rows after the options (`<li className="muted">`: nothing matches, results cut short). */
  notes?: ReactNode;
}

export function PickerDialog<T>(props: Props<T>) {
  const { items, query, onClose, onPick } = props;
  const listId = useId();
  const [index, setIndex] = useState(0);
  // Read while rendering the first time: the element that had the focus before the field took it.
  const [opener] = useState(() => (document.activeElement instanceof HTMLElement ? document.activeElement : null));
  useEffect(() => setIndex(0), [query]);
  const active = Math.min(index, items.length - 1);
  const optionId = (i: number) => `${listId}-${i}`;

  useEffect(() => {
    if (active < 0) return;
    document.getElementById(`${listId}-${active}`)?.scrollIntoView({ block: 'nearest' });
  }, [active, listId]);

  const close = () => {
    if (opener?.isConnected) opener.focus({ preventScroll: true });
    onClose();
  };
  const pick = (item: T | undefined) => {
    if (item === undefined) return;
    close();
    onPick(item);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    const step = STEPS[e.key];
    if (step !== undefined) setIndex(Math.max(0, Math.min(active + step, items.length - 1)));
    else if (e.key === 'Enter') pick(items[active]);
    else if (e.key === 'Escape') close();
    // Tab is swallowed: the field is the only stop of a modal dialog.
    else if (e.key !== 'Tab') return;
    e.preventDefault();
    e.stopPropagation();
  };

  return (
    <div className="modal-backdrop quick-open-backdrop" onPointerDown={(e) => e.target === e.currentTarget && close()}>
      <div className="modal quick-open" role="dialog" aria-modal="true" aria-label={props.label} data-testid={props.testId}>
        <input
          className="input"
          autoFocus
          role="combobox"
          aria-expanded="true"
          aria-controls={listId}
          aria-autocomplete="list"
          aria-activedescendant={active >= 0 ? optionId(active) : undefined}
          aria-label={props.inputLabel}
          data-testid={`${props.testId}-input`}
          placeholder={props.placeholder}
          spellCheck={false}
          autoComplete="off"
          value={query}
          onChange={(e) => props.onQueryChange(e.target.value)}
          onKeyDown={onKeyDown}
        />
        {props.status}
        <ul className="quick-open-list" role="listbox" id={listId} aria-label={props.label}>
          {items.map((item, i) => (
            <li
              key={props.itemKey(item)}
              id={optionId(i)}
              role="option"
              aria-selected={i === active}
              data-testid={`${props.testId}-item`}
              {...props.itemData?.(item)}
              onPointerMove={() => setIndex(i)}
              // Keep the focus in the field: a press on an option must not blur it first.
              onPointerDown={(e) => e.preventDefault()}
              onClick={() => pick(item)}
            >
              {props.renderItem(item)}
            </li>
          ))}
          {props.notes}
        </ul>
      </div>
    </div>
  );
}
