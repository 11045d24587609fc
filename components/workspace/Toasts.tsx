'use client';
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Toast {
  id: number;
  kind: 'error' | 'info';
  message: string;
}

const TOAST_MS = 8000;
const MAX_TOASTS = 4;

/**
 * Items that go away after `ttlMs` or when dismissed: at most `max`, and a new item replaces any
 * earlier one it is `same` as. Shared by the workspace's notices and the agents view's.
 */
export function useExpiringList<T, K extends string | number>(opts: { keyOf(item: T): K; same(a: T, b: T): boolean; ttlMs: number; max: number }) {
  const [items, setItems] = useState<T[]>([]);
  const timers = useRef(new Map<K, ReturnType<typeof setTimeout>>());
  const o = useRef(opts);
  o.current = opts;

  const dismiss = useCallback((key: K) => {
    const t = timers.current.get(key);
    if (t) clearTimeout(t);
    timers.current.delete(key);
    setItems((all) => all.filter((x) => o.current.keyOf(x) !== key));
  }, []);

  const add = useCallback(
    (item: T) => {
      const { keyOf, same, ttlMs, max } = o.current;
      setItems((all) => [...all.filter((x) => !same(x, item)), item].slice(-max));
      const key = keyOf(item);
      timers.current.set(
        key,
        setTimeout(() => dismiss(key), ttlMs),
      );
    },
    [dismiss],
  );

  useEffect(() => {
    const all = timers.current;
    return () => {
      for (const t of all.values()) clearTimeout(t);
    };
  }, []);

  return { items, add, dismiss };
}

/** Small transient notices (gateway ERROR frames, dropped input); repeated messages collapse. */
export function useToasts() {
  const nextId = useRef(1);
  const { items: toasts, add, dismiss } = useExpiringList<Toast, number>({
    keyOf: (t) => t.id,
    same: (a, b) => a.message === b.message,
    ttlMs: TOAST_MS,
    max: MAX_TOASTS,
  });
  const push = useCallback((message: string, kind: Toast['kind'] = 'error') => add({ id: nextId.current++, kind, message }), [add]);
  return { toasts, push, dismiss };
}

export function Toasts({ toasts, onDismiss }: { toasts: Toast[]; onDismiss(id: number): void }) {
  if (toasts.length === 0) return null;
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((t) => (
        <div key={t.id} className="toast" data-kind={t.kind} role={t.kind === 'error' ? 'alert' : 'status'} data-testid="toast">
          <p>{t.message}</p>
          <button aria-label="Dismiss" onClick={() => onDismiss(t.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
