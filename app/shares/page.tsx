import type { Metadata } from 'next';
import { PageFrame } from '@/components/nav/PageFrame';
import { SharesList } from '@/components/share/SharesList';

export const metadata: Metadata = { title: 'Share links · Tether' };

export default function SharesPage() {
  return (
    <PageFrame testId="shares-page">
      <section className="shares-section" aria-labelledby="shares-heading" data-testid="home-shares">
        <h1 id="shares-heading">Share links</h1>
        <p className="muted page-intro">
          Links you made with “Share” on a terminal or a workspace: who is on each now, until when it works, and its activity.
        </p>
        <SharesList />
      </section>
    </PageFrame>
  );
}
