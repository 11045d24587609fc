'use client';
import { useEffect, useState } from 'react';

/**
 * The visual viewport's height and offset: the part of the page the on-screen keyboard leaves.
 * (Chrome on Android resizes the page for the keyboard — app/layout.tsx asks it to — but Safari
 * on iOS only shrinks the visual viewport.) Null until mounted, or where there is none.
 */
export function useVisualViewport(): { height: number; top: number } | null {
  const [vp, setVp] = useState<{ height: number; top: number } | null>(null);
  useEffect(() => {
    const vv = window.visualViewport;
    if (!vv) return;
    const update = () => {
      const next = { height: Math.round(vv.height), top: Math.max(0, Math.round(vv.offsetTop)) };
      setVp((prev) => (prev && prev.height === next.height && prev.top === next.top ? prev : next));
    };
    update();
    vv.addEventListener('resize', update);
    vv.addEventListener('scroll', update);
    return () => {
      vv.removeEventListener('resize', update);
      vv.removeEventListener('scroll', update);
    };
  }, []);
  return vp;
}

/** True while `query` matches (false before mount). */
export function useMediaQuery(query: string): boolean {
  const [matches, setMatches] = useState(false);
  useEffect(() => {
    const mql = window.matchMedia?.(query);
    if (!mql) return;
    setMatches(mql.matches);
    const onChange = () => setMatches(mql.matches);
    mql.addEventListener('change', onChange);
    return () => mql.removeEventListener('change', onChange);
  }, [query]);
  return matches;
}
