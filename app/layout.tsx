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
  themeColor: '#0d1117',
  colorScheme: 'dark',
};

export default function RootLayout({ children }: { children: ReactNode }) {
  return (
    <html lang="en">
      <body>
        <AppProviders>{children}</AppProviders>
      </body>
    </html>
  );
}
