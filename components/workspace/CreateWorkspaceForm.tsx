'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { errorMessage, trpcErrorCode, useTRPC } from '@/lib/client/trpc';
import { workspaceNameProblem } from '@/lib/client/workspace-name';

export function CreateWorkspaceForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [touched, setTouched] = useState(false);
  const [serverError, setServerError] = useState<string | null>(null);
  const create = useMutation(
    trpc.workspaces.create.mutationOptions({
      onSuccess: async () => {
        setName('');
        setTouched(false);
        await queryClient.invalidateQueries({ queryKey: trpc.workspaces.list.queryKey() });
      },
      onError: (err, vars) => {
        setServerError(
          trpcErrorCode(err) === 'CONFLICT' ? `A workspace named “${vars.name}” already exists.` : errorMessage(err),
        );
      },
    }),
  );
  const trimmed = name.trim();
  const problem = workspaceNameProblem(trimmed);
  const shown = (touched && trimmed.length > 0 && problem) || serverError;

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setTouched(true);
    setServerError(null);
    if (problem) {
      setServerError(problem);
      return;
    }
    create.mutate({ name: trimmed });
  }

  return (
    <form className="create-form" onSubmit={submit} noValidate>
      <div>
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
