/** Keys of modal dialogs (Move…, Share…): Escape closes, focus starts inside, Tab stays inside. */
import { useEffect, type KeyboardEvent } from 'react';

/**
 * While `open`, Escape calls `close` wherever the focus is (clicking the dialog's text moves it to
 * the page; a terminal behind it would otherwise take the key for its shell).
 */
export function useEscapeToClose(open: boolean, close: () => void): void {
  useEffect(() => {
    if (!open) return;
    const onKey = (e: globalThis.KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.preventDefault();
      e.stopPropagation();
      close();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [open, close]);
}

const FOCUSABLE = 'button:not([disabled]), select:not([disabled]), input:not([disabled]), [href], [tabindex]:not([tabindex="-1"])';

/** Focus the element marked `data-autofocus`, else the first focusable one. */
export function focusFirst(dialog: HTMLElement | null): void {
  const el = dialog?.querySelector<HTMLElement>('[data-autofocus]') ?? dialog?.querySelector<HTMLElement>(FOCUSABLE);
  el?.focus();
}

/** onKeyDown for the dialog: Tab and Shift-Tab wrap around its visible focusable elements. */
export function trapTab(e: KeyboardEvent<HTMLElement>, dialog: HTMLElement | null): void {
  if (e.key !== 'Tab' || !dialog) return;
  const items = Array.from(dialog.querySelectorAll<HTMLElement>(FOCUSABLE)).filter((el) => el.offsetParent !== null);
  const first = items[0];
  const last = items[items.length - 1];
  if (!first || !last) return;
  if (e.shiftKey && document.activeElement === first) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && document.activeElement === last) {
    e.preventDefault();
    first.focus();
  }
}
