'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage, trpcErrorCode, useTRPC } from '@/lib/client/trpc';
import { workspaceNameProblem } from '@/lib/client/workspace-name';

export function CreateWorkspaceForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hosts = useQuery(trpc.hosts.list.queryOptions());
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  /** '' = this machine, otherwise the id of an SSH host. */
  const [hostId, setHostId] = useState('');
  const [root, setRoot] = useState('');
  const create = useMutation(
    trpc.workspaces.create.mutationOptions({
      onSuccess: async () => {
        setName('');
        setRoot('');
        setTouched(false);
        await queryClient.invalidateQueries({ queryKey: trpc.workspaces.list.queryKey() });
      },
      onError: (err, vars) => {
        setServerError(
          trpcErrorCode(err) === 'CONFLICT' && vars.hostId === undefined
            ? `A workspace named “${vars.name}” already exists.`
            : errorMessage(err),
        );
      },
    }),
  );
  const trimmed = name.trim();
  const problem = workspaceNameProblem(trimmed);
  const shown = (touched && trimmed.length > 0 && problem) || serverError;
  const hostList = hosts.data ?? [];
  // A host that was removed meanwhile falls back to this machine.
  const host = hostList.find((h) => h.id === hostId) ?? null;

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setTouched(true);
    setServerError(null);
    if (problem) {
      setServerError(problem);
      return;
    }
    const folder = root.trim();
    create.mutate(host ? { name: trimmed, hostId: host.id, ...(folder ? { root: folder } : {}) } : { name: trimmed });
  }

  return (
    <form className="create-form" onSubmit={submit} noValidate>
      <div className="create-fields">
        <input
          className="input"
          data-testid="workspace-name-input"
          aria-label="New workspace name"
          placeholder="new-workspace"
          autoCapitalize="none"
          autoCorrect="off"
          spellCheck={false}
          maxLength={80}
          value={name}
          aria-invalid={Boolean(shown)}
          onChange={(e) => {
            setName(e.target.value);
            setTouched(true);
            setServerError(null);
          }}
        />
        {hostList.length > 0 && (
          <div className="field-row">
            <label className="field">
              <span>Runs on</span>
              <select
                className="input"
                data-testid="create-workspace-runtime"
                value={host?.id ?? ''}
                onChange={(e) => {
                  setHostId(e.target.value);
                  setServerError(null);
                }}
              >
                <option value="">This machine</option>
                {hostList.map((h) => (
                  <option key={h.id} value={h.id}>
                    {h.name} ({h.address})
                  </option>
                ))}
              </select>
            </label>
            {host && (
              <label className="field">
                <span>Folder on the host</span>
                <input
                  className="input"
                  data-testid="create-workspace-root"
                  placeholder={`~/tether/${trimmed || '<name>'}`}
                  autoCapitalize="none"
                  autoCorrect="off"
                  spellCheck={false}
                  maxLength={4096}
                  value={root}
                  onChange={(e) => {
                    setRoot(e.target.value);
                    setServerError(null);
                  }}
                />
              </label>
            )}
          </div>
        )}
        {shown && (
          <p className="field-error" role="alert" data-testid="workspace-name-error">
            {shown}
          </p>
        )}
      </div>
      <button className="btn btn-primary" type="submit" data-testid="workspace-create" disabled={create.isPending}>
        {create.isPending ? 'Creating…' : 'Create workspace'}
      </button>
    </form>
  );
}
