'use client';
/**
 * The workspace's members, in its Share dialog (owner only): accounts on this server who open the
 * workspace with their own sign-in, no link needed. Each has a role — viewer (watches terminals,
 * reads files) or editor (types, edits files, opens terminals) — changed with its select, and
 * Remove. Removing someone, or making them a viewer, closes their open page at once.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { errorMessage, useTRPC } from '@/lib/client/trpc';
import './members.css';

type Role = 'viewer' | 'editor';
const ROLE_OPTIONS: readonly [Role, string][] = [
  ['viewer', 'Viewer — can watch'],
  ['editor', 'Editor — can type and edit'],
];

interface Props {
  workspaceId: string;
  notify?: (msg: string, kind?: 'error' | 'info') => void;
}

export function MembersSection({ workspaceId, notify }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.members.list.queryOptions({ workspaceId }));
  const [who, setWho] = useState('');
  const [role, setRole] = useState<Role>('viewer');
  const [error, setError] = useState<string | null>(null);
  const headingId = useId();
  const errorId = useId();
  const refresh = () => void queryClient.invalidateQueries({ queryKey: trpc.members.list.queryKey({ workspaceId }) });

  const add = useMutation(
    trpc.members.add.mutationOptions({
      onSuccess: (m) => {
        setWho('');
        setError(null);
        notify?.(`${m.displayName ?? m.name} can now open this workspace as ${m.role}`, 'info');
        refresh();
      },
      onError: (err) => setError(errorMessage(err)),
    }),
  );
  const setMemberRole = useMutation(
    trpc.members.setRole.mutationOptions({ onSuccess: refresh, onError: (err) => notify?.(`Could not change the role: ${errorMessage(err)}`, 'error') }),
  );
  const remove = useMutation(
    trpc.members.remove.mutationOptions({ onSuccess: refresh, onError: (err) => notify?.(`Could not remove the member: ${errorMessage(err)}`, 'error') }),
  );

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    if (!who.trim()) return setError('Enter the username or email of an account on this server.');
    setError(null);
    add.mutate({ workspaceId, who: who.trim(), role });
  }

  const members = list.data ?? [];
  return (
    <section className="members-section" data-testid="members-section" aria-labelledby={headingId}>
      <h3 id={headingId}>Members</h3>
      <p className="muted members-hint">People with an account here open this workspace with their own sign-in — no link needed.</p>
      {list.isError && <p className="field-error">Could not load members: {errorMessage(list.error)}</p>}
      {list.data && members.length === 0 && (
        <p className="muted" data-testid="members-empty">
          No members yet.
        </p>
      )}
      {members.length > 0 && (
        <ul className="members-list" aria-label="Members of this workspace">
          {members.map((m) => {
            const shown = m.displayName ?? m.name;
            return (
              <li key={m.userId} className="member-row" data-testid="member-row" data-user={m.name} data-role={m.role}>
                <span className="member-name">
                  {shown}
                  {m.displayName && <span className="muted"> @{m.name}</span>}
                </span>
                <select
                  className="input member-role"
                  data-testid="member-role"
                  aria-label={`Role of ${shown}`}
                  value={m.role}
                  disabled={setMemberRole.isPending}
                  onChange={(e) => setMemberRole.mutate({ workspaceId, userId: m.userId, role: e.target.value as Role })}
                >
                  {ROLE_OPTIONS.map(([value, text]) => (
                    <option key={value} value={value}>
                      {text}
                    </option>
                  ))}
                </select>
                <button
                  type="button"
                  className="btn"
                  data-testid="member-remove"
                  aria-label={`Remove ${shown}`}
                  disabled={remove.isPending}
                  onClick={() => remove.mutate({ workspaceId, userId: m.userId })}
                >
                  Remove
                </button>
              </li>
            );
          })}
        </ul>
      )}
      <form className="member-add" onSubmit={submit} noValidate>
        <label className="field">
          <span>Username or email</span>
          <input
            className="input"
            data-testid="member-add-who"
            autoComplete="off"
            maxLength={254}
            value={who}
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? errorId : undefined}
            onChange={(e) => setWho(e.target.value)}
          />
        </label>
        <label className="field field-narrow">
          <span>Role</span>
          <select className="input" data-testid="member-add-role" value={role} onChange={(e) => setRole(e.target.value as Role)}>
            {ROLE_OPTIONS.map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </select>
        </label>
        <button type="submit" className="btn" data-testid="member-add-submit" disabled={add.isPending}>
          {add.isPending ? 'Adding…' : 'Add member'}
        </button>
      </form>
      {error && (
        <p id={errorId} className="field-error" role="alert" data-testid="member-error">
          {error}
        </p>
      )}
    </section>
  );
}
