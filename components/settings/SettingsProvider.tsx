'use client';
/**
 * The signed-in user's settings (lib/shared/settings.ts), read once per tab and applied live:
 * the page's theme (`data-theme` on <html>: app/globals.css draws `system` from the browser's
 * prefers-color-scheme by itself), and every terminal and editor that reads `useSettings()`.
 *
 * Pages without a signed-in user (sign-in, share guests) never ask the gateway: they get the
 * defaults, which follow the browser's colour scheme.
 *
 * Other tabs of this browser hear of a change at once (a BroadcastChannel), so a terminal open
 * in one tab follows a change made on the settings page in another.
 *
 * The explicit theme is also kept in localStorage, so the inline script in app/layout.tsx can
 * set it before the first paint (no dark flash on a light choice); the gateway stays the truth.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { usePathname } from 'next/navigation';
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useSyncExternalStore, type ReactNode } from 'react';
import { browserStore } from '@/lib/client/key-value-store';
import { useTRPC } from '@/lib/client/trpc';
import { DEFAULT_SETTINGS, resolveTheme, settingsFromStored, type ResolvedTheme, type Settings, type SettingsPatch } from '@/lib/shared/settings';

/** localStorage key read by the pre-paint script in app/layout.tsx. */
export const THEME_STORAGE_KEY = 'tether.theme';
const LIGHT_QUERY = '(prefers-color-scheme: light)';
const CHANNEL = 'tether.settings';

export interface SettingsValue {
  settings: Settings;
  /** The theme drawn now (`system` resolved with the browser's preference, live). */
  resolvedTheme: ResolvedTheme;
  /** Whether the user's own settings have arrived (false: the defaults are showing). */
  loaded: boolean;
  /** Change some settings: applied at once, saved on the gateway; resolves to the stored result. */
  update(patch: SettingsPatch): Promise<Settings>;
}

const SettingsContext = createContext<SettingsValue>({
  settings: DEFAULT_SETTINGS,
  resolvedTheme: 'dark',
  loaded: false,
  update: () => Promise.reject(new Error('no settings here')),
});

export function useSettings(): SettingsValue {
  return useContext(SettingsContext);
}

function subscribeLight(cb: () => void): () => void {
  const mq = window.matchMedia(LIGHT_QUERY);
  mq.addEventListener('change', cb);
  return () => mq.removeEventListener('change', cb);
}

/** Whether the browser prefers a light scheme, following changes live. */
export function usePrefersLight(): boolean {
  return useSyncExternalStore(
    subscribeLight,
    () => window.matchMedia(LIGHT_QUERY).matches,
    () => false,
  );
}

/** Pages where nobody is signed in: the settings query would only be refused. */
function anonymousPath(path: string | null): boolean {
  return path === null || path === '/login' || path.startsWith('/shared/');
}

export function SettingsProvider({ children }: { children: ReactNode }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const enabled = !anonymousPath(usePathname());
  const query = useQuery(trpc.settings.get.queryOptions(undefined, { enabled, staleTime: Infinity, retry: false }));
  const key = trpc.settings.get.queryKey();
  const channel = useRef<BroadcastChannel | null>(null);
  useEffect(() => {
    if (!enabled || typeof BroadcastChannel === 'undefined') return;
    const ch = new BroadcastChannel(CHANNEL);
    channel.current = ch;
    // Another tab saved: take its answer (the gateway's) rather than asking again.
    ch.onmessage = (e: MessageEvent<unknown>) => queryClient.setQueryData(key, settingsFromStored(e.data));
    return () => {
      ch.close();
      channel.current = null;
    };
    // The key is the same for the provider's life.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enabled, queryClient]);
  const mutation = useMutation(
    trpc.settings.update.mutationOptions({
      // Live at once; the gateway's answer (or, on a refusal, its stored state) follows.
      onMutate: (patch) => {
        const before = queryClient.getQueryData<Settings>(key);
        queryClient.setQueryData<Settings>(key, { ...(before ?? DEFAULT_SETTINGS), ...patch });
        return { before };
      },
      onSuccess: (stored) => {
        queryClient.setQueryData(key, stored);
        channel.current?.postMessage(stored);
      },
      onError: (_err, _patch, ctx) => {
        if (ctx?.before) queryClient.setQueryData(key, ctx.before);
        void queryClient.invalidateQueries({ queryKey: key });
      },
    }),
  );
  const settings = (enabled ? query.data : undefined) ?? DEFAULT_SETTINGS;
  const prefersLight = usePrefersLight();
  const resolvedTheme = resolveTheme(settings.theme, prefersLight);
  const loaded = enabled && query.data !== undefined;

  useEffect(() => {
    const root = document.documentElement;
    // Before the user's settings arrive, keep what the pre-paint script chose.
    if (enabled && !loaded) return;
    if (settings.theme === 'system') delete root.dataset.theme;
    else root.dataset.theme = settings.theme;
    if (loaded) browserStore()?.setItem(THEME_STORAGE_KEY, settings.theme);
  }, [enabled, loaded, settings.theme]);

  const { mutateAsync } = mutation;
  const update = useCallback((patch: SettingsPatch) => mutateAsync(patch), [mutateAsync]);
  const value = useMemo<SettingsValue>(() => ({ settings, resolvedTheme, loaded, update }), [settings, resolvedTheme, loaded, update]);
  return <SettingsContext.Provider value={value}>{children}</SettingsContext.Provider>;
}
