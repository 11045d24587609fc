import type { MetadataRoute } from 'next';

/** Served at /manifest.webmanifest (Next links it from every page): Tether installs as an app
 * that opens on the agents view, the page people check from their phone. */
export default function manifest(): MetadataRoute.Manifest {
  return {
    name: 'Tether',
    short_name: 'Tether',
    description: 'Workspaces, terminals and coding agents in the browser',
    id: '/agents',
    start_url: '/agents',
    scope: '/',
    display: 'standalone',
    orientation: 'any',
    theme_color: '#0d1117',
    background_color: '#0d1117',
    icons: [
      { src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
      { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
      { src: '/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'maskable' },
      { src: '/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      { src: '/icon.svg', sizes: 'any', type: 'image/svg+xml', purpose: 'any' },
    ],
  };
}
