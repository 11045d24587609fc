'use client';
/**
 * The workspace header's mirror button: the live mirror's state at a glance (in sync, syncing N,
 * N conflicts, paused, error), polled every 2 s; it opens the mirror dialog (status, pause and
 * resume, transfers, conflicts), or offers to start a mirror when there is none.
 */
import { useQuery } from '@tanstack/react-query';
import dynamic from 'next/dynamic';
import { useRef, useState } from 'react';
import { mirrorLabel, mirrorSentence } from '@/lib/client/mirror-status';
import { useTRPC } from '@/lib/client/trpc';
import './mirror.css';

// The dialog (and its conflict diff, CodeMirror's merge view) loads when first opened: in the
// page's first load it was script most visits never run, over the page's budget (e2e/weight.spec.ts).
const MirrorDialog = dynamic(() => import('./MirrorDialog').then((m) => m.MirrorDialog), { ssr: false });

const POLL_MS = 2_000;

export function MirrorStatus({ workspaceId }: { workspaceId: string }) {
  const trpc = useTRPC();
  const q = useQuery(trpc.mirrors.list.queryOptions({ workspaceId }, { refetchInterval: POLL_MS, retry: false }));
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const m = q.data?.[0];
  const peer = m ? (m.workspaceId === workspaceId ? m.peerName : m.workspaceName) : '';
  return (
    <>
      <button
        ref={button}
        className="btn mirror-status"
        data-testid="mirror-status"
        data-state={m?.status.state ?? 'none'}
        aria-haspopup="dialog"
        aria-expanded={open}
        title={m ? mirrorSentence(m.status, peer) : 'Keep this workspace in step with another one'}
        onClick={() => setOpen(true)}
      >
        {m && <span className="mirror-dot" aria-hidden="true" />}
        <span className="mirror-long">Mirror{m ? ' · ' : ''}</span>
        {m && <span className="mirror-label">{mirrorLabel(m.status)}</span>}
      </button>
      {open && (
        <MirrorDialog
          workspaceId={workspaceId}
          onClose={() => {
            setOpen(false);
            requestAnimationFrame(() => button.current?.focus());
          }}
        />
      )}
    </>
  );
}
