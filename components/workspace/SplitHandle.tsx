'use client';
/**
 * A separator between two panes that the pointer drags and the keyboard moves (WAI-ARIA window
 * splitter): focusable, `aria-valuenow` is the size of the pane before it (left or above), the
 * arrows move it a step (Shift: ten), Home/End to its ends, Enter does `onEnter` (collapse or
 * restore), a double click restores the default.
 */
import { useRef } from 'react';
import { separatorKey } from '@/lib/client/layout';

interface Props {
  /** vertical: between side-by-side panes (moves left/right); horizontal: between stacked ones. */
  orientation: 'vertical' | 'horizontal';
  label: string;
  value: number;
  min: number;
  max: number;
  step: number;
  /** How the value reads aloud, e.g. "260 pixels". */
  valueText: string;
  /** A drag: the pointer's client x (vertical) or y (horizontal). */
  onDrag(clientPos: number): void;
  /** A key: the new value (already within min … max). */
  onValue(value: number): void;
  onReset?(): void;
  onEnter?(): void;
  className?: string;
  testId?: string;
}

export function SplitHandle({ orientation, label, value, min, max, step, valueText, onDrag, onValue, onReset, onEnter, className, testId }: Props) {
  const dragging = useRef(false);
  const pos = (e: { clientX: number; clientY: number }) => (orientation === 'vertical' ? e.clientX : e.clientY);
  return (
    <div
      className={`split ${className ?? ''}`}
      role="separator"
      tabIndex={0}
      aria-orientation={orientation}
      aria-label={label}
      aria-valuenow={Math.round(value)}
      aria-valuemin={Math.round(min)}
      aria-valuemax={Math.round(max)}
      aria-valuetext={valueText}
      data-testid={testId}
      onPointerDown={(e) => {
        if (e.button !== 0) return;
        e.preventDefault(); // no text selection while dragging
        dragging.current = true;
        e.currentTarget.setPointerCapture(e.pointerId);
        e.currentTarget.dataset.dragging = 'true';
      }}
      onPointerMove={(e) => {
        if (dragging.current) onDrag(pos(e));
      }}
      onPointerUp={(e) => {
        dragging.current = false;
        delete e.currentTarget.dataset.dragging;
        if (e.currentTarget.hasPointerCapture(e.pointerId)) e.currentTarget.releasePointerCapture(e.pointerId);
      }}
      onPointerCancel={(e) => {
        dragging.current = false;
        delete e.currentTarget.dataset.dragging;
      }}
      onDoubleClick={onReset}
      onKeyDown={(e) => {
        if (e.key === 'Enter' && onEnter) {
          e.preventDefault();
          onEnter();
          return;
        }
        const next = separatorKey(e.key, e.shiftKey, value, { min, max, step }, orientation);
        if (next === null) return;
        e.preventDefault();
        onValue(next);
      }}
    />
  );
}
