import type { Metadata, Viewport } from 'next';
import type { ReactNode } from 'react';
import '@xterm/xterm/css/xterm.css';
import './globals.css';
import { AppProviders } from '@/components/providers/AppProviders';

export const metadata: Metadata = {
  title: 'Tether',
  description: 'Workspaces and terminals in the browser',
};

export const viewport: Viewport = {
  width: 'device-width',
  initialScale: 1,
  // Phones: let the terminal shrink above the on-screen keyboard instead of being covered by it.
  interactiveWidget: 'resizes-content',
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#ffffff' },
    { media: '(prefers-color-scheme: dark)', color: '#0d1117' },
  ],
  colorScheme: 'light dark',
};

/**
 * Before the first paint: a theme the user chose explicitly (kept by SettingsProvider) is applied
 * at once, so a light choice never flashes dark. `system` needs nothing: the CSS follows the browser.
 */
const THEME_SCRIPT = `try{var t=localStorage.getItem('tether.theme');if(t==='light'||t==='dark')document.documentElement.dataset.theme=t}catch(e){}`;

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    // The pre-paint script may set data-theme before React hydrates.
    <html lang="en" suppressHydrationWarning>
      <head>
        <script dangerouslySetInnerHTML={{ __html: THEME_SCRIPT }} />
      </head>
      <body>
        <AppProviders>{children}</AppProviders>
      </body>
    </html>
  );
}
