import { useCallback, useRef } from 'react';

/** A ref callback that moves focus to its element the first time it mounts (a page that replaced
 * what the user was on, announced by its heading), and never again on re-renders. */
export function useFocusOnce<T extends HTMLElement>(): (el: T | null) => void {
  const once = useRef(false);
  return useCallback((el: T | null) => {
    if (el && !once.current) {
      once.current = true;
      el.focus();
    }
  }, []);
}
