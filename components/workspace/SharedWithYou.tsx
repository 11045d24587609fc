'use client';
/**
 * The home page's "Shared with you": workspaces other accounts added this person to as a member
 * (`members.sharedWithMe`), each with whose it is and the role — viewer (read-only) or editor.
 * Opening one goes to its normal page, /w/<id>, with this person's own sign-in. Renders nothing
 * when nothing is shared.
 */
import { useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useTRPC } from '@/lib/client/trpc';

const POLL_MS = 10_000;

export const ROLE_TEXT = { viewer: 'Viewer — can watch and read', editor: 'Editor — can type and edit files' } as const;

export function SharedWithYou() {
  const trpc = useTRPC();
  const shared = useQuery(trpc.members.sharedWithMe.queryOptions(undefined, { refetchInterval: POLL_MS, staleTime: 0 }));
  if (!shared.data?.length) return null;
  return (
    <section className="shared-with-you" data-testid="shared-with-you" aria-labelledby="shared-with-you-title">
      <h2 id="shared-with-you-title">Shared with you</h2>
      <ul className="workspace-cards">
        {shared.data.map((m) => (
          <li key={m.workspace.id} className="workspace-row workspace-card" data-testid="shared-workspace" data-workspace-id={m.workspace.id} data-role={m.role}>
            <div className="workspace-card-head">
              <Link href={`/w/${encodeURIComponent(m.workspace.id)}`} className="workspace-open" data-testid="shared-workspace-link" data-workspace-id={m.workspace.id}>
                <span className="workspace-name">{m.workspace.name}</span>
                <span className="root" data-testid="shared-workspace-owner">
                  {`Shared by ${m.ownerName}`}
                </span>
              </Link>
              <span className="member-role-tag" data-testid="shared-workspace-role" data-role={m.role} title={ROLE_TEXT[m.role]}>
                {m.role === 'viewer' ? 'Viewer' : 'Editor'}
              </span>
            </div>
          </li>
        ))}
      </ul>
    </section>
  );
}
