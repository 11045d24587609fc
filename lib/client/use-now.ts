import { useEffect, useState } from 'react';

/**
 * The current time for relative times ("2 min ago") and countdowns, re-read every `everyMs` —
 * at once when ticking starts, and never while `everyMs` is null.
 */
export function useNow(everyMs: number | null = 15_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (everyMs === null) return;
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}
