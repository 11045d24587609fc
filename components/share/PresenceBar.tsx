'use client';
/**
 * Who is attached to one terminal right now (owner, workspace members and share guests), and who
 * is typing. The owner (`canKick`) can remove a guest and is told when someone joins or leaves
 * (members are removed from the workspace's Members list instead). Renders nothing
 * while "you" are alone.
 */
import { useMutation } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useEffect, useRef, useState } from 'react';
import { errorMessage, useTRPC } from '@/lib/client/trpc';

export interface PresenceParticipant {
  id: string;
  name: string;
  role: 'owner' | 'guest' | 'member';
  scope: 'owner' | 'view' | 'drive';
  typing: boolean;
  you: boolean;
  guestId?: string;
  shareId?: string;
}

type Notify = (msg: string, kind?: 'error' | 'info') => void;

export function PresenceBar({ sessionId, canKick, notify }: { sessionId: string; canKick: boolean; notify?: Notify }) {
  const trpc = useTRPC();
  /** The latest list, for the terminal it is about (another terminal's list is not shown). */
  const [state, setState] = useState<{ sessionId: string; list: PresenceParticipant[] } | null>(null);
  const participants = state?.sessionId === sessionId ? state.list : [];
  /** The guests last seen (id → name), to tell joins and leaves apart; a new terminal's first list announces nobody. */
  const previous = useRef<{ sessionId: string; names: Map<string, string> } | null>(null);
  const notifyRef = useRef(notify);
  useEffect(() => {
    notifyRef.current = notify;
  }, [notify]);

  useSubscription(
    trpc.shares.presence.subscriptionOptions(
      { sessionId },
      {
        onData: (data: { participants: PresenceParticipant[] }) => {
          const list = data.participants;
          // Guests and members come and go; the owner (you, maybe in several tabs) is not announced.
          const next = new Map(list.filter((p) => p.role !== 'owner' && !p.you).map((p) => [p.id, p.name]));
          const before = previous.current?.sessionId === sessionId ? previous.current.names : null;
          previous.current = { sessionId, names: next };
          setState({ sessionId, list });
          if (!before || !canKick) return;
          for (const [id, name] of next) if (!before.has(id)) notifyRef.current?.(`${name} joined`, 'info');
          for (const [id, name] of before) if (!next.has(id)) notifyRef.current?.(`${name} left`, 'info');
        },
        onError: () => {
          // The stream retries by itself; keep the last list shown meanwhile.
        },
      },
    ),
  );

  const kick = useMutation(
    trpc.shares.kick.mutationOptions({
      onError: (err) => notifyRef.current?.(`Could not remove the guest: ${errorMessage(err)}`, 'error'),
    }),
  );

  if (participants.length === 0 || (participants.length === 1 && participants[0]?.you)) return null;

  return (
    <div className="presence" data-testid="presence" role="list" aria-label="People on this terminal">
      {participants.map((p) => {
        const label = p.you ? `${p.name} (you)` : p.name;
        return (
          <span
            key={p.id}
            role="listitem"
            className="presence-entry"
            data-testid="presence-entry"
            data-role={p.role}
            data-scope={p.scope}
            data-typing={p.typing ? 'true' : 'false'}
            data-you={p.you ? 'true' : 'false'}
            title={`${label}${p.role === 'owner' ? '' : ` — ${scopeTag(p)}`}${p.typing ? ' — typing' : ''}`}
          >
            <span className="presence-dot" aria-hidden="true" />
            <span className="presence-name">{label}</span>
            {p.role !== 'owner' && <span className="presence-tag">{scopeTag(p)}</span>}
            {p.typing && (
              <span className="presence-typing" aria-label="typing">
                typing…
              </span>
            )}
            {canKick && p.guestId && p.shareId && (
              <button
                type="button"
                className="presence-kick"
                data-testid="presence-kick"
                aria-label={`Remove ${p.name}`}
                title={`Remove ${p.name}`}
                disabled={kick.isPending}
                onClick={() => kick.mutate({ shareId: p.shareId as string, guestId: p.guestId as string })}
              >
                ×
              </button>
            )}
          </span>
        );
      })}
    </div>
  );
}

/** What a guest or member may do, in words: members by their role, guests by their link. */
function scopeTag(p: PresenceParticipant): string {
  if (p.role === 'member') return p.scope === 'drive' ? 'editor' : 'viewer';
  return p.scope === 'drive' ? 'can type' : 'view only';
}
