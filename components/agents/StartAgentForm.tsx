'use client';
import { useMutation, useQuery } from '@tanstack/react-query';
import Link from 'next/link';
import { useState, type FormEvent } from 'react';
import { errorMessage, useTRPC } from '@/lib/client/trpc';

const LAST_WORKSPACE = 'tether.agents.workspace';

function lastWorkspace(): string | null {
  try {
    return window.localStorage.getItem(LAST_WORKSPACE);
  } catch {
    return null;
  }
}

/** Start a command (an agent, a build) in a new terminal of one of the person's workspaces. */
export function StartAgentForm({ onStarted }: { onStarted(sessionId: string): void }) {
  const trpc = useTRPC();
  const workspaces = useQuery(trpc.workspaces.list.queryOptions());
  const [chosen, setChosen] = useState<string | null>(null);
  const [command, setCommand] = useState('');
  const [name, setName] = useState('');
  const [error, setError] = useState<string | null>(null);
  const start = useMutation(
    trpc.agents.start.mutationOptions({
      onSuccess: ({ sessionId }, vars) => {
        try {
          window.localStorage.setItem(LAST_WORKSPACE, vars.workspaceId);
        } catch {
          // private mode: the next visit picks the first workspace
        }
        setCommand('');
        setName('');
        onStarted(sessionId);
      },
      onError: (err) => setError(errorMessage(err)),
    }),
  );

  const list = workspaces.data ?? [];
  // The choice, else the one last started in, else the first one.
  const [remembered] = useState(() => (typeof window === 'undefined' ? null : lastWorkspace()));
  const workspaceId = [chosen, remembered, list[0]?.id].find((id) => id && list.some((w) => w.id === id)) ?? '';

  function submit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setError(null);
    const cmd = command.trim();
    if (!workspaceId) return setError('Choose a workspace.');
    if (!cmd) return setError('Type the command to run, e.g. claude.');
    start.mutate({ workspaceId, command: cmd, name: name.trim() });
  }

  if (workspaces.isSuccess && list.length === 0) {
    return (
      <p className="empty agent-start-empty">
        Agents run in a workspace’s terminal. <Link href="/?home=1">Create a workspace</Link> first.
      </p>
    );
  }

  return (
    <form className="agent-start" data-testid="agent-start" onSubmit={submit} noValidate aria-busy={start.isPending} aria-label="Start an agent">
      <label className="field agent-start-command">
        <span className="agent-start-caption">Command</span>
        <input
          className="input mono"
          data-testid="agent-start-command"
          placeholder="Command, e.g. claude"
          autoCapitalize="none"
          autoCorrect="off"
          autoComplete="off"
          spellCheck={false}
          enterKeyHint="go"
          maxLength={8192}
          value={command}
          onChange={(e) => {
            setCommand(e.target.value);
            setError(null);
          }}
        />
      </label>
      <label className="field agent-start-workspace">
        <span className="agent-start-caption">Workspace</span>
        <select className="input" data-testid="agent-start-workspace" value={workspaceId} onChange={(e) => setChosen(e.target.value)} disabled={!workspaces.isSuccess}>
          {!workspaces.isSuccess && <option value="">Loading…</option>}
          {list.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field agent-start-name">
        <span className="agent-start-caption">Name</span>
        <input
          className="input"
          data-testid="agent-start-name"
          placeholder="Name (optional)"
          autoComplete="off"
          maxLength={80}
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
      </label>
      <button className="btn btn-primary agent-start-submit" data-testid="agent-start-submit" type="submit" disabled={start.isPending}>
        {start.isPending ? 'Starting…' : 'Start'}
      </button>
      {error && (
        <p className="field-error agent-start-error" role="alert" data-testid="agent-start-error">
          {error}
        </p>
      )}
    </form>
  );
}
