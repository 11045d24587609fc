'use client';
/**
 * A modal dialog (Move…, Share…): a backdrop that closes it when pressed, `role="dialog"`
 * labelled by its title, Escape to close from anywhere, focus on its first field when it opens
 * and whenever `focusKey` changes (a new phase of the dialog), and Tab kept inside.
 */
import { useEffect, useId, useRef, type HTMLAttributes, type ReactNode } from 'react';
import { focusFirst, trapTab, useEscapeToClose } from './dialog-focus';

type DataAttributes = { [key: `data-${string}`]: string | undefined };

export function ModalDialog({
  className,
  title,
  onClose,
  focusKey,
  children,
  ...data
}: {
  className: string;
  title: ReactNode;
  onClose(): void;
  focusKey?: string;
  children: ReactNode;
} & DataAttributes): ReactNode {
  const dialogRef = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEscapeToClose(true, onClose);
  useEffect(() => focusFirst(dialogRef.current), [focusKey]);
  const attrs: HTMLAttributes<HTMLDivElement> = data;
  return (
    <div className="modal-backdrop" onPointerDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={dialogRef} className={`modal ${className}`} role="dialog" aria-modal="true" aria-labelledby={titleId} onKeyDown={(e) => trapTab(e, dialogRef.current)} {...attrs}>
        <h2 id={titleId}>{title}</h2>
        {children}
      </div>
    </div>
  );
}
