import type { Metadata } from 'next';
import { PageFrame } from '@/components/nav/PageFrame';
import { SshHosts } from '@/components/workspace/SshHosts';

export const metadata: Metadata = { title: 'SSH hosts · Tether' };

export default function HostsPage() {
  return (
    <PageFrame testId="hosts-page">
      <SshHosts page />
    </PageFrame>
  );
}
