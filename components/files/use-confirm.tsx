'use client';
/**
 * In-page confirmation for the file tree (delete, replace on upload): `ask()` opens a modal dialog
 * and resolves true when the action button is pressed (Enter, it has the focus), false on Cancel
 * or Escape. One question at a time; the focus goes back where it was.
 */
import { useCallback, useRef, useState, type ReactNode } from 'react';
import { ModalDialog } from '@/components/workspace/ModalDialog';

export interface Question {
  title: string;
  body: string;
  /** The action button's label ("Delete", "Replace"). */
  action: string;
  danger?: boolean;
}

export function useConfirm(): [ReactNode, (q: Question) => Promise<boolean>] {
  const [open, setOpen] = useState<Question | null>(null);
  const resolver = useRef<((yes: boolean) => void) | null>(null);
  const returnTo = useRef<HTMLElement | null>(null);

  const answer = useCallback((yes: boolean) => {
    resolver.current?.(yes);
    resolver.current = null;
    setOpen(null);
    const back = returnTo.current;
    returnTo.current = null;
    if (back?.isConnected) requestAnimationFrame(() => back.focus());
  }, []);
  const cancel = useCallback(() => answer(false), [answer]);

  const ask = useCallback((q: Question) => {
    resolver.current?.(false);
    returnTo.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    setOpen(q);
    return new Promise<boolean>((resolve) => {
      resolver.current = resolve;
    });
  }, []);

  const dialog = open && (
    <ModalDialog className="confirm-dialog" title={open.title} onClose={cancel} data-testid="file-confirm-dialog">
      <p>{open.body}</p>
      <div className="modal-actions">
        <button className={`btn ${open.danger ? 'btn-danger' : 'btn-primary'}`} data-autofocus data-testid="file-confirm" onClick={() => answer(true)}>
          {open.action}
        </button>
        <button className="btn" data-testid="file-confirm-cancel" onClick={cancel}>
          Cancel
        </button>
      </div>
    </ModalDialog>
  );
  return [dialog, ask];
}
