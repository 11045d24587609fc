import type { Metadata } from 'next';
import { GuestView } from '@/components/share/GuestView';

export const metadata: Metadata = {
  title: 'Shared with you · Tether',
  robots: { index: false, follow: false },
  referrer: 'no-referrer',
};

/** A share guest's page; `/s/<token>` sets the share's cookie and redirects here. */
export default async function SharedPage({ params }: { params: Promise<{ id: string }> }) {
  const { id } = await params;
  return <GuestView shareId={id} />;
}
