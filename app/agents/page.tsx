import type { Metadata } from 'next';
import { Suspense } from 'react';
import { AgentsView } from '@/components/agents/AgentsView';

export const metadata: Metadata = {
  title: 'Agents · Tether',
  // Added to the home screen from here (the manifest's start_url), iOS uses these.
  appleWebApp: { capable: true, title: 'Tether', statusBarStyle: 'black-translucent' },
  icons: { icon: '/icon.svg', apple: '/apple-touch-icon.png' },
};

export default function AgentsPage() {
  // AgentsView reads ?s= (useSearchParams): rendered on the client only.
  return (
    <Suspense fallback={null}>
      <AgentsView />
    </Suspense>
  );
}
