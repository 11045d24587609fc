import type { Metadata } from 'next';
import { Suspense } from 'react';
import { SettingsView } from '@/components/settings/SettingsView';

export const metadata: Metadata = { title: 'Settings · Tether' };

export default function SettingsPage() {
  // SettingsView reads ?from= (useSearchParams): rendered on the client only.
  return (
    <Suspense fallback={null}>
      <SettingsView />
    </Suspense>
  );
}
