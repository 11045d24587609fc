import type { Metadata } from 'next';
import { PageFrame } from '@/components/nav/PageFrame';
import { CloudPool } from '@/components/workspace/CloudPool';

export const metadata: Metadata = { title: 'Cloud workers · Tether' };

/** For admins (the navigation links it for them only; the pool query refuses anyone else). */
export default function CloudPage() {
  return (
    <PageFrame testId="cloud-page">
      <CloudPool page />
    </PageFrame>
  );
}
