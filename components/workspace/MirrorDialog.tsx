'use client';
/**
 * A workspace's live mirror: start one with another of your workspaces (its ignore patterns
 * editable), or see its state, files that could not be copied and why, open conflicts (each
 * opens MirrorConflict), the last 50 transfers, pause/resume and remove.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState } from 'react';
import { mirrorLabel, mirrorSentence } from '@/lib/client/mirror-status';
import { errorMessage, useTRPC } from '@/lib/client/trpc';
import { MirrorConflict } from './MirrorConflict';
import { ModalDialog } from './ModalDialog';

const POLL_MS = 2_000;
const DEFAULT_PATTERNS = 'node_modules/\ndist/\nbuild/\n.next/\nout/\ntarget/\n__pycache__/\n*.pyc';

function CreateMirror({ workspaceId, onCreated }: { workspaceId: string; onCreated(): void }) {
  const trpc = useTRPC();
  const list = useQuery(trpc.workspaces.list.queryOptions());
  const others = (list.data ?? []).filter((w) => w.id !== workspaceId);
  const [peer, setPeer] = useState('');
  const [patterns, setPatterns] = useState(DEFAULT_PATTERNS);
  const create = useMutation(trpc.mirrors.create.mutationOptions({ onSuccess: onCreated }));
  const peerId = useId();
  const chosen = peer || others[0]?.id || '';
  const where = (kind: string) => (kind === 'ssh' ? 'SSH host' : kind === 'cloud' ? 'cloud worker' : 'this machine');
  return (
    <form
      className="mirror-form"
      onSubmit={(e) => {
        e.preventDefault();
        if (!chosen) return;
        create.mutate({ workspaceId, peerWorkspaceId: chosen, ignore: patterns.split('\n').map((l) => l.trim()).filter(Boolean) });
      }}
    >
      <p className="muted">Keep this workspace&apos;s files in step with another of your workspaces, both ways. Edits on both sides of one file become a conflict for you to settle; nothing is overwritten.</p>
      {others.length === 0 ? (
        <p className="empty">You have no other workspace. Create one on an SSH host or a cloud worker first.</p>
      ) : (
        <>
          <label htmlFor={peerId}>
            Mirror with
            <select id={peerId} data-testid="mirror-peer" value={chosen} onChange={(e) => setPeer(e.target.value)}>
              {others.map((w) => (
                <option key={w.id} value={w.id}>
                  {w.name} ({where(w.kind)})
                </option>
              ))}
            </select>
          </label>
          <label>
            Ignore (one pattern a line, as in .gitignore; .git/ and the workspace&apos;s .gitignore always apply)
            <textarea data-testid="mirror-ignore" value={patterns} onChange={(e) => setPatterns(e.target.value)} />
          </label>
          {create.isError && <p className="field-error">{errorMessage(create.error)}</p>}
          <div className="modal-actions">
            <button className="btn btn-primary" type="submit" data-testid="mirror-create" disabled={create.isPending}>
              Start mirror
            </button>
          </div>
        </>
      )}
    </form>
  );
}

export function MirrorDialog({ workspaceId, onClose }: { workspaceId: string; onClose(): void }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const mirrors = useQuery(trpc.mirrors.list.queryOptions({ workspaceId }, { refetchInterval: POLL_MS }));
  const m = mirrors.data?.[0];
  const id = m?.id ?? '';
  const transfers = useQuery(trpc.mirrors.transfers.queryOptions({ id }, { enabled: !!m, refetchInterval: POLL_MS }));
  const conflicts = useQuery(trpc.mirrors.conflicts.queryOptions({ id }, { enabled: !!m && m.status.conflicts > 0, refetchInterval: POLL_MS }));
  const refresh = () => {
    void queryClient.invalidateQueries({ queryKey: trpc.mirrors.list.queryKey() });
    void queryClient.invalidateQueries({ queryKey: trpc.mirrors.conflicts.queryKey({ id }) });
    void queryClient.invalidateQueries({ queryKey: trpc.mirrors.transfers.queryKey({ id }) });
  };
  const pause = useMutation(trpc.mirrors.pause.mutationOptions({ onSuccess: refresh }));
  const resume = useMutation(trpc.mirrors.resume.mutationOptions({ onSuccess: refresh }));
  const remove = useMutation(trpc.mirrors.remove.mutationOptions({ onSuccess: refresh }));
  const [resolving, setResolving] = useState<string | null>(null);
  const mine = m && m.workspaceId === workspaceId ? 'a' : 'b';
  const peer = m ? (mine === 'a' ? m.peerName : m.workspaceName) : '';
  const outgoing = mine === 'a' ? 'a-to-b' : 'b-to-a';
  const conflict = resolving ? conflicts.data?.find((c) => c.path === resolving) : undefined;

  if (m && conflict) {
    return (
      <ModalDialog className="mirror-dialog" title={`Conflict: ${conflict.path}`} onClose={onClose} focusKey={`conflict:${conflict.path}`} data-testid="mirror-dialog">
        <MirrorConflict
          mirrorId={m.id}
          conflict={conflict}
          mine={mine}
          peer={peer}
          onDone={() => {
            setResolving(null);
            refresh();
          }}
        />
      </ModalDialog>
    );
  }

  return (
    <ModalDialog className="mirror-dialog" title={m ? `Mirror with ${peer}` : 'Mirror this workspace'} onClose={onClose} focusKey={m ? 'mirror' : 'create'} data-testid="mirror-dialog">
      {!m ? (
        mirrors.isSuccess && <CreateMirror workspaceId={workspaceId} onCreated={refresh} />
      ) : (
        <>
          <p role="status" data-testid="mirror-state" data-state={m.status.state}>
            <strong>{mirrorLabel(m.status)}</strong> — {mirrorSentence(m.status, peer)}
          </p>
          <div className="modal-actions">
            {m.status.state === 'paused' ? (
              <button className="btn" data-testid="mirror-resume" disabled={resume.isPending} onClick={() => resume.mutate({ id })}>
                Resume
              </button>
            ) : (
              <button className="btn" data-testid="mirror-pause" disabled={pause.isPending} onClick={() => pause.mutate({ id })}>
                Pause
              </button>
            )}
            <button className="btn btn-danger" data-testid="mirror-remove" disabled={remove.isPending} onClick={() => remove.mutate({ id })}>
              Stop mirroring
            </button>
            <span className="spacer" />
            <button className="btn" onClick={onClose}>
              Close
            </button>
          </div>
          {(pause.isError || resume.isError || remove.isError) && <p className="field-error">{errorMessage(pause.error ?? resume.error ?? remove.error)}</p>}
          {m.status.conflicts > 0 && (
            <section aria-labelledby="mirror-conflicts-title">
              <h3 id="mirror-conflicts-title">Conflicts</h3>
              <ul className="mirror-list" data-testid="mirror-conflicts">
                {(conflicts.data ?? []).map((c) => (
                  <li key={c.path}>
                    <code>{c.path}</code>
                    <button className="btn" data-testid="mirror-conflict-open" onClick={() => setResolving(c.path)}>
                      Resolve<span className="visually-hidden"> {c.path}</span>
                    </button>
                  </li>
                ))}
              </ul>
            </section>
          )}
          {m.status.errors.length > 0 && (
            <section aria-labelledby="mirror-errors-title">
              <h3 id="mirror-errors-title">Files that could not be copied</h3>
              <ul className="mirror-list" data-testid="mirror-errors">
                {m.status.errors.map((e) => (
                  <li key={e.path}>
                    <code>{e.path}</code>
                    <span className="muted">{e.reason}</span>
                  </li>
                ))}
              </ul>
            </section>
          )}
          <section aria-labelledby="mirror-transfers-title">
            <h3 id="mirror-transfers-title">Last transfers</h3>
            {transfers.data?.length ? (
              <ul className="mirror-list" data-testid="mirror-transfers">
                {transfers.data.map((t, i) => (
                  <li key={`${t.at}-${i}`}>
                    <span aria-hidden="true">{t.direction === null ? '↔' : t.direction === outgoing ? '→' : '←'}</span>
                    <span className="visually-hidden">{t.direction === null ? 'on both sides' : t.direction === outgoing ? `to ${peer}` : `from ${peer}`}</span>
                    <code>{t.path}</code>
                    <span className="muted">
                      {t.action}
                      {t.detail ? ` (${t.detail})` : ''} · {new Date(t.at).toLocaleTimeString()}
                    </span>
                  </li>
                ))}
              </ul>
            ) : (
              <p className="muted">Nothing copied yet.</p>
            )}
          </section>
        </>
      )}
    </ModalDialog>
  );
}
