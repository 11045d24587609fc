'use client';
/**
 * Accounts on the admin page: every user with role and state; add one (password typed or
 * generated, shown once), disable / enable, reset a password, make admin / member, sign out of
 * every session (their cookies stop working, open terminals disconnect), delete (asks, saying
 * what goes). The server enforces every rule (last admin, validation); its sentence is
 * shown as it is.
 */
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import type { inferRouterOutputs } from '@trpc/server';
import { useState, type FormEvent } from 'react';
import { ModalDialog } from '@/components/workspace/ModalDialog';
import { errorMessage, useTRPC } from '@/lib/client/trpc';
import type { AppRouter } from '@/server/trpc/router';

type User = inferRouterOutputs<AppRouter>['users']['list'][number];

/** 20 characters from a 64-letter alphabet: 120 bits. */
function generatePassword(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(15));
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_');
}

export function UsersAdmin({ meId }: { meId: string | null }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const list = useQuery(trpc.users.list.queryOptions());
  const [error, setError] = useState<string | null>(null);
  /** A password to hand over, shown once (new account or reset). */
  const [handover, setHandover] = useState<{ name: string; password: string } | null>(null);
  const [deleting, setDeleting] = useState<User | null>(null);
  const refresh = () => queryClient.invalidateQueries({ queryKey: trpc.users.list.queryKey() });
  const onError = (err: unknown) => setError(errorMessage(err));
  const setDisabled = useMutation(trpc.users.setDisabled.mutationOptions({ onSuccess: refresh, onError }));
  const setRole = useMutation(trpc.users.setRole.mutationOptions({ onSuccess: refresh, onError }));
  const reset = useMutation(trpc.users.resetPassword.mutationOptions({ onError }));
  const [signedOut, setSignedOut] = useState<string | null>(null);
  const revokeSessions = useMutation(trpc.users.revokeSessions.mutationOptions({ onError }));
  const remove = useMutation(
    trpc.users.remove.mutationOptions({
      onSuccess: async () => {
        setDeleting(null);
        await refresh();
      },
      onError: (err) => {
        setDeleting(null);
        onError(err);
      },
    }),
  );

  function resetPassword(u: User) {
    setError(null);
    const password = generatePassword();
    reset.mutate({ id: u.id, password }, { onSuccess: () => setHandover({ name: u.name, password }) });
  }

  return (
    <section aria-labelledby="users-heading" data-testid="users-admin">
      <h2 id="users-heading">Accounts</h2>
      <AddUserForm
        onCreated={async (name, password) => {
          setHandover(password ? { name, password } : null);
          await refresh();
        }}
      />
      {handover && (
        <div className="users-handover" role="status" data-testid="users-handover">
          Password for <strong>{handover.name}</strong> (shown once — hand it over safely):{' '}
          <code data-testid="users-handover-password">{handover.password}</code>{' '}
          <button className="btn" onClick={() => setHandover(null)}>
            Done
          </button>
        </div>
      )}
      {signedOut && (
        <p className="muted" role="status" data-testid="users-signed-out">
          {signedOut}
        </p>
      )}
      {error && (
        <p className="field-error" role="alert" data-testid="users-error">
          {error}
        </p>
      )}
      {list.isError && <p className="field-error">Could not load the accounts: {errorMessage(list.error)}</p>}
      {list.data && (
        <div className="table-scroll">
          <table className="admin-table" data-testid="users-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">State</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {list.data.map((u) => {
                const disabled = u.disabledAt !== null;
                return (
                  <tr key={u.id} data-testid="user-row" data-user={u.name} data-state={disabled ? 'disabled' : 'active'}>
                    <td>
                      {u.name}
                      {u.displayName && <span className="muted"> · {u.displayName}</span>}
                      {u.id === meId && <span className="muted"> (you)</span>}
                    </td>
                    <td>{u.email ?? ''}</td>
                    <td data-testid="user-role">{u.role === 'admin' ? 'Admin' : 'Member'}</td>
                    <td data-testid="user-state">{disabled ? `Disabled ${new Date(u.disabledAt!).toLocaleDateString()}` : 'Active'}</td>
                    <td className="users-actions">
                      <button
                        className="btn"
                        data-testid="user-toggle-disabled"
                        onClick={() => {
                          setError(null);
                          setDisabled.mutate({ id: u.id, disabled: !disabled });
                        }}
                      >
                        {disabled ? 'Enable' : 'Disable'}
                      </button>
                      <button className="btn" data-testid="user-reset-password" onClick={() => resetPassword(u)}>
                        Reset password
                      </button>
                      <button
                        className="btn"
                        data-testid="user-sign-out"
                        onClick={() => {
                          setError(null);
                          setSignedOut(null);
                          revokeSessions.mutate(
                            { id: u.id },
                            { onSuccess: ({ revoked }) => setSignedOut(`${u.name}: ${revoked} session${revoked === 1 ? '' : 's'} signed out.`) },
                          );
                        }}
                      >
                        Sign out everywhere
                      </button>
                      <button
                        className="btn"
                        data-testid="user-toggle-role"
                        onClick={() => {
                          setError(null);
                          setRole.mutate({ id: u.id, role: u.role === 'admin' ? 'user' : 'admin' });
                        }}
                      >
                        {u.role === 'admin' ? 'Make member' : 'Make admin'}
                      </button>
                      <button className="btn btn-danger" data-testid="user-delete" onClick={() => setDeleting(u)}>
                        Delete
                      </button>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {deleting && (
        <ModalDialog className="confirm-dialog" title={`Delete ${deleting.name}?`} onClose={() => setDeleting(null)} data-testid="user-delete-dialog">
          <p>
            Their workspaces are removed and their terminals end; their API tokens, SSH hosts and share links go. Files of local workspaces stay on
            this machine. To keep everything and only lock them out, disable the account instead.
          </p>
          <div className="modal-actions">
            <button className="btn" onClick={() => setDeleting(null)}>
              Cancel
            </button>
            <button className="btn btn-danger" data-testid="user-delete-confirm" disabled={remove.isPending} onClick={() => remove.mutate({ id: deleting.id })}>
              Delete {deleting.name}
            </button>
          </div>
        </ModalDialog>
      )}
    </section>
  );
}

function AddUserForm({ onCreated }: { onCreated(name: string, generatedPassword: string | null): Promise<void> }) {
  const trpc = useTRPC();
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [admin, setAdmin] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const create = useMutation(trpc.users.create.mutationOptions());

  async function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const trimmed = name.trim();
    if (!trimmed) return setError('Give the account a name.');
    const chosen = password || generatePassword();
    try {
      await create.mutateAsync({ name: trimmed, password: chosen, role: admin ? 'admin' : 'user', email: email.trim() || null });
    } catch (err) {
      return setError(errorMessage(err));
    }
    setName('');
    setEmail('');
    setPassword('');
    setAdmin(false);
    await onCreated(trimmed, password ? null : chosen);
  }

  return (
    <form className="users-add" onSubmit={(e) => void submit(e)} noValidate data-testid="users-add-form">
      <label>
        Name
        <input value={name} onChange={(e) => setName(e.target.value)} autoComplete="off" data-testid="users-add-name" />
      </label>
      <label>
        Email (optional)
        <input type="email" value={email} onChange={(e) => setEmail(e.target.value)} autoComplete="off" data-testid="users-add-email" />
      </label>
      <label>
        Password (empty: generate one)
        <input type="password" value={password} onChange={(e) => setPassword(e.target.value)} autoComplete="new-password" data-testid="users-add-password" />
      </label>
      <label className="users-add-admin">
        <input type="checkbox" checked={admin} onChange={(e) => setAdmin(e.target.checked)} data-testid="users-add-admin" />
        Admin
      </label>
      <button className="btn" type="submit" disabled={create.isPending} data-testid="users-add-submit">
        Add account
      </button>
      {error && (
        <p className="field-error" role="alert" data-testid="users-add-error">
          {error}
        </p>
      )}
    </form>
  );
}
