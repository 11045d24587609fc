'use client';
/**
 * A workspace member's view of someone else's workspace (WorkspaceView): the header's "Shared by
 * … · Viewer/Editor", and the page that replaces the workspace when the owner removes them (or
 * makes them a viewer, or deletes it) — the gateway closed the socket with 4403 and why.
 */
import Link from 'next/link';
import { useEffect } from 'react';
import '@/components/share/guest.css';
import '@/components/share/members.css';
import { useFocusOnce } from '@/lib/client/use-focus-once';

export function MemberBadge({ owner, role }: { owner: string; role: 'viewer' | 'editor' }) {
  return (
    <span className="member-badge" data-testid="member-badge" data-role={role}>
      Shared by <strong>{owner}</strong> · {role === 'viewer' ? 'Viewer (read-only)' : 'Editor'}
    </span>
  );
}

export function MemberEnded({ message }: { message: string }) {
  const focus = useFocusOnce<HTMLHeadingElement>();
  useEffect(() => {
    document.title = 'No longer shared · Tether';
  }, []);
  return (
    <main className="member-ended" data-testid="member-ended" role="alert">
      <div className="share-ended-box">
        <h1 tabIndex={-1} ref={focus}>
          Your access changed
        </h1>
        <p data-testid="member-ended-message">{message}</p>
        <Link href="/" className="btn">
          Back to your workspaces
        </Link>
      </div>
    </main>
  );
}
