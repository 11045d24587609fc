'use client';
/** A horizontal drag handle between the editor and the terminals; reports the pointer's y. */
import { useRef } from 'react';

export function SplitHandle({ onMove }: { onMove(clientY: number): void }) {
  const dragging = useRef(false);
  return (
    <div
      className="ws-split"
      role="separator"
      aria-orientation="horizontal"
      aria-label="Resize editor and terminals"
      onPointerDown={(e) => {
        dragging.current = true;
        e.currentTarget.setPointerCapture(e.pointerId);
      }}
      onPointerMove={(e) => {
        if (dragging.current) onMove(e.clientY);
      }}
      onPointerUp={(e) => {
        dragging.current = false;
        e.currentTarget.releasePointerCapture(e.pointerId);
      }}
    />
  );
}
