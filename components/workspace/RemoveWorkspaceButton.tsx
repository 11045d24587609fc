'use client';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { errorMessage, useTRPC } from '@/lib/client/trpc';

/** Removes a workspace after a confirmation that says what happens to its files. */
export function RemoveWorkspaceButton({ id, name, kind }: { id: string; name: string; kind: 'local' | 'ssh' | 'cloud' }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [error, setError] = useState<string | null>(null);
  const remove = useMutation(
    trpc.workspaces.remove.mutationOptions({
      onSuccess: () => queryClient.invalidateQueries({ queryKey: trpc.workspaces.pathKey() }), // list and overview
      onError: (err) => setError(errorMessage(err)),
    }),
  );
  const files =
    kind === 'cloud'
      ? 'Its cloud worker is released and its files are deleted.'
      : 'Its folder and files stay where they are; only the workspace entry goes.';
  return (
    <>
      <button
        className="btn btn-danger"
        data-testid="workspace-remove"
        aria-label={`Remove ${name}`}
        disabled={remove.isPending}
        onClick={() => {
          setError(null);
          if (window.confirm(`Remove the workspace "${name}"? Its terminals end. ${files}`)) remove.mutate({ id });
        }}
      >
        {remove.isPending ? 'Removing…' : 'Remove'}
      </button>
      {error && (
        <span className="field-error" role="alert">
          {error}
        </span>
      )}
    </>
  );
}
