'use client';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useId, useState, type FormEvent } from 'react';
import { errorMessage, trpcErrorCode, useTRPC } from '@/lib/client/trpc';
import { workspaceNameProblem } from '@/lib/client/workspace-name';
import { HostFolderField, WorkerSizeField, type WorkerSize } from './WorkspaceFields';

/** The "Runs on" choice for a cloud worker; any other non-empty value is an SSH host's id. */
const CLOUD = 'cloud';

/** `onCreated`: the workspace was made (the home page closes its dialog and shows it in the list).
 * `onCancel`: shows a Cancel button. */
export function CreateWorkspaceForm({ onCreated, onCancel }: { onCreated?(ws: { id: string; name: string }): void; onCancel?(): void } = {}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const hosts = useQuery(trpc.hosts.list.queryOptions());
  const me = useQuery(trpc.me.queryOptions());
  const isAdmin = me.data?.role === 'admin';
  const folderErrorId = useId();
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  /** The server's refusal of the existing folder of a local workspace, shown under that field. */
  const [folderError, setFolderError] = useState<string | null>(null);
  /** '' = this machine, 'cloud' = a cloud worker, otherwise the id of an SSH host. */
  const [runsOn, setRunsOn] = useState('');
  const [root, setRoot] = useState('');
  const [size, setSize] = useState<WorkerSize>('small');
  const [clone, setClone] = useState('');
  const create = useMutation(
    trpc.workspaces.create.mutationOptions({
      onSuccess: async (ws) => {
        setName('');
        setRoot('');
        setClone('');
        setTouched(false);
        // `list` and `overview` both.
        await queryClient.invalidateQueries({ queryKey: trpc.workspaces.pathKey() });
        onCreated?.(ws);
      },
      onError: (err, vars) => {
        if (vars.root !== undefined && vars.hostId === undefined && vars.cloud === undefined && trpcErrorCode(err) !== 'CONFLICT') {
          setFolderError(errorMessage(err));
          return;
        }
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
  const cloud = runsOn === CLOUD;
  // A host that was removed meanwhile falls back to this machine.
  const host = cloud ? null : (hostList.find((h) => h.id === runsOn) ?? null);
  /** Admins may open an existing folder of this machine as a local workspace. */
  const localFolder = !cloud && !host && isAdmin;
  const startingWorker = create.isPending && create.variables?.cloud !== undefined;

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setTouched(true);
    setServerError(null);
    setFolderError(null);
    if (problem) {
      setServerError(problem);
      return;
    }
    const folder = root.trim();
    const source = clone.trim();
    if (cloud) create.mutate({ name: trimmed, cloud: { size, ...(source ? { clone: source } : {}) } });
    else if (host) create.mutate({ name: trimmed, hostId: host.id, ...(folder ? { root: folder } : {}) });
    else create.mutate({ name: trimmed, ...(localFolder && folder ? { root: folder } : {}) });
  }

  const clearError = () => {
    setServerError(null);
    setFolderError(null);
  };

  return (
    <form className="create-form" onSubmit={submit} noValidate aria-busy={create.isPending}>
      <div className="create-fields">
        <input
          className="input"
          data-testid="workspace-name-input"
          data-autofocus
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
        <div className="field-row">
          <label className="field">
            <span>Runs on</span>
            <select
              className="input"
              data-testid="create-workspace-runtime"
              value={cloud ? CLOUD : (host?.id ?? '')}
              onChange={(e) => {
                setRunsOn(e.target.value);
                clearError();
              }}
            >
              <option value="">This machine</option>
              <option value={CLOUD}>Cloud worker</option>
              {hostList.map((h) => (
                <option key={h.id} value={h.id}>
                  {h.name} ({h.address})
                </option>
              ))}
            </select>
          </label>
          {host && (
            <HostFolderField
              testId="create-workspace-root"
              placeholder={`~/tether/${trimmed || '<name>'}`}
              value={root}
              onChange={(v) => {
                setRoot(v);
                clearError();
              }}
            />
          )}
          {localFolder && (
            <label className="field">
              <span>Existing folder on this machine</span>
              <input
                className="input"
                data-testid="create-workspace-local-root"
                placeholder="/absolute/path (optional)"
                autoCapitalize="none"
                autoCorrect="off"
                spellCheck={false}
                maxLength={4096}
                value={root}
                aria-invalid={folderError !== null}
                aria-describedby={folderError ? folderErrorId : undefined}
                onChange={(e) => {
                  setRoot(e.target.value);
                  clearError();
                }}
              />
              {folderError && (
                <span className="field-error" id={folderErrorId} role="alert" data-testid="create-workspace-local-root-error">
                  {folderError}
                </span>
              )}
            </label>
          )}
          {cloud && (
            <>
              <WorkerSizeField
                testId="create-workspace-size"
                value={size}
                onChange={(v) => {
                  setSize(v);
                  clearError();
                }}
              />
              <label className="field">
                <span>Clone a git repository</span>
                <input
                  className="input"
                  type="url"
                  inputMode="url"
                  data-testid="create-workspace-clone"
                  placeholder="https://github.com/… (optional)"
                  autoCapitalize="none"
                  autoCorrect="off"
                  spellCheck={false}
                  maxLength={4096}
                  value={clone}
                  onChange={(e) => {
                    setClone(e.target.value);
                    clearError();
                  }}
                />
              </label>
            </>
          )}
        </div>
        {startingWorker && (
          <p className="muted create-progress" role="status" data-testid="create-workspace-progress">
            {create.variables?.cloud?.clone ? 'Starting a cloud worker… then cloning the repository' : 'Starting a cloud worker…'}
          </p>
        )}
        {shown && (
          <p className="field-error" role="alert" data-testid="workspace-name-error">
            {shown}
          </p>
        )}
      </div>
      <div className="create-actions">
        <button className="btn btn-primary" type="submit" data-testid="workspace-create" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create workspace'}
        </button>
        {onCancel && (
          <button className="btn" type="button" data-testid="workspace-create-cancel" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}
