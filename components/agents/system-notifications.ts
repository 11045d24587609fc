'use client';
/**
 * The browser side of agent notifications: the permission, the service worker (which shows them
 * on phones, where `new Notification` is not allowed, and opens the session when one is tapped),
 * and showing one.
 */
import { useCallback, useEffect, useState } from 'react';
import type { AgentNotification } from '@/lib/client/notifications';

export type Permission = NotificationPermission | 'unsupported';

function currentPermission(): Permission {
  if (typeof window === 'undefined' || !('Notification' in window)) return 'unsupported';
  return Notification.permission;
}

/** The permission, and a way to ask for it (only while it is 'default'). */
export function useNotificationPermission(): { permission: Permission; request: () => Promise<void> } {
  // 'unsupported' until mounted: the server cannot know, and the button must not flash.
  const [permission, setPermission] = useState<Permission>('unsupported');
  useEffect(() => {
    setPermission(currentPermission());
    // Permission can change in the browser's site settings while the page is open.
    let status: PermissionStatus | null = null;
    const update = () => setPermission(currentPermission());
    navigator.permissions
      ?.query({ name: 'notifications' })
      .then((s) => {
        status = s;
        s.addEventListener('change', update);
      })
      .catch(() => {});
    return () => status?.removeEventListener('change', update);
  }, []);
  const request = useCallback(async () => {
    if (currentPermission() !== 'default') return;
    try {
      await Notification.requestPermission();
    } finally {
      setPermission(currentPermission());
    }
  }, []);
  return { permission, request };
}

/** Register /sw.js (production builds only: a worker would fight Next's dev server reloads). */
export function useServiceWorker(onOpen: (url: string) => void): void {
  useEffect(() => {
    if (!('serviceWorker' in navigator)) return;
    if (process.env.NODE_ENV === 'production') {
      navigator.serviceWorker.register('/sw.js').catch(() => {
        // Not fatal: notifications fall back to `new Notification`, install to a bookmark.
      });
    }
    // A tapped notification while this page is open: the worker asks us to open the session.
    const onMessage = (e: MessageEvent) => {
      const data: unknown = e.data;
      if (typeof data === 'object' && data !== null && 'type' in data && data.type === 'tether:open' && 'url' in data && typeof data.url === 'string') {
        onOpen(data.url);
      }
    };
    navigator.serviceWorker.addEventListener('message', onMessage);
    return () => navigator.serviceWorker.removeEventListener('message', onMessage);
  }, [onOpen]);
}

const ICON = '/icon-192.png';

/**
 * Show `n` as a system notification when permission is granted and this page is not what the
 * person is looking at (in front of them, the in-app toast says it). Through the service worker's
 * registration when there is one (required on Android), else `new Notification`.
 */
export async function showSystemNotification(n: AgentNotification, onClick: (url: string) => void): Promise<void> {
  if (currentPermission() !== 'granted') return;
  if (document.visibilityState === 'visible' && document.hasFocus()) return;
  const options: NotificationOptions = { body: n.body, tag: n.key, icon: ICON, badge: ICON, data: { url: n.url } };
  try {
    const reg = 'serviceWorker' in navigator ? await navigator.serviceWorker.getRegistration() : undefined;
    if (reg?.active) {
      await reg.showNotification(n.title, options);
      return;
    }
  } catch {
    // fall through to the page's own notification
  }
  try {
    const shown = new Notification(n.title, options);
    shown.onclick = () => {
      window.focus();
      shown.close();
      onClick(n.url);
    };
  } catch {
    // Some browsers (Android Chrome) allow notifications only through a service worker.
  }
}
