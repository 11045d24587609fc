import type { Metadata } from 'next';
import { PageFrame } from '@/components/nav/PageFrame';
import { ApiTokens } from '@/components/workspace/ApiTokens';

export const metadata: Metadata = { title: 'API tokens · Tether' };

export default function TokensPage() {
  return (
    <PageFrame testId="tokens-page">
      <ApiTokens page />
    </PageFrame>
  );
}
