/*
 * Tether's service worker: only what installing the app and agent notifications need.
 * It caches nothing and handles no fetches (every request goes to the network as without it), so
 * a new deploy or a sign-out is never hidden behind stale pages.
 */
self.addEventListener('install', () => {
  self.skipWaiting();
});

self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

/** Tapping a notification: show its session in a Tether window — an open agents page if there is
 * one (it opens the terminal itself), else any Tether window, else a new one. */
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const data = event.notification.data || {};
  const url = new URL(typeof data.url === 'string' ? data.url : '/agents', self.location.origin);
  if (url.origin !== self.location.origin) return;
  event.waitUntil(
    (async () => {
      const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
      const agents = windows.find((c) => new URL(c.url).pathname === '/agents');
      if (agents) {
        agents.postMessage({ type: 'tether:open', url: url.pathname + url.search });
        await agents.focus();
        return;
      }
      for (const c of windows) {
        if ('navigate' in c && c.url.startsWith(self.location.origin)) {
          try {
            const moved = await c.navigate(url.href);
            if (moved) {
              await moved.focus();
              return;
            }
          } catch {
            // not controlled by this worker: open a new window instead
          }
        }
      }
      await self.clients.openWindow(url.href);
    })(),
  );
});
