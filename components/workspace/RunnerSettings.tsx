'use client';
/**
 * An SSH host's runner: how its terminals run (the runner, which keeps them through dropped
 * connections, or direct SSH), the last deployment outcome, resource limits for its terminals,
 * and "Check runner" to deploy / connect now.
 */
import { useMutation } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { runnerStatusText, type RunnerView } from '@/lib/client/runner-status';
import { errorMessage, useTRPC } from '@/lib/client/trpc';

type LimitKey = keyof RunnerView['limits'];
const LIMIT_FIELDS: { key: LimitKey; label: string; unit: string }[] = [
  { key: 'memoryMb', label: 'Memory', unit: 'MB' },
  { key: 'cpuPercent', label: 'CPU', unit: '% of a core' },
  { key: 'tasks', label: 'Processes', unit: 'tasks' },
  { key: 'openFiles', label: 'Open files', unit: 'files' },
];

export function RunnerSettings({ hostId, runner, onChanged }: { hostId: string; runner: RunnerView; onChanged(): Promise<void> }) {
  const trpc = useTRPC();
  const [error, setError] = useState<string | null>(null);
  const [mode, setMode] = useState(runner.mode);
  const [limits, setLimits] = useState<Record<LimitKey, string>>(() => ({
    memoryMb: runner.limits.memoryMb?.toString() ?? '',
    cpuPercent: runner.limits.cpuPercent?.toString() ?? '',
    tasks: runner.limits.tasks?.toString() ?? '',
    openFiles: runner.limits.openFiles?.toString() ?? '',
  }));
  const onError = (err: unknown) => setError(errorMessage(err));
  const save = useMutation(trpc.hosts.setRunner.mutationOptions({ onSuccess: onChanged, onError }));
  const check = useMutation(trpc.hosts.checkRunner.mutationOptions({ onSuccess: onChanged, onError }));
  const { text, tone } = runnerStatusText(runner);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setError(null);
    const chosen: RunnerView['limits'] = {};
    for (const { key } of LIMIT_FIELDS) if (limits[key].trim()) chosen[key] = Number(limits[key]);
    save.mutate({ id: hostId, mode, limits: chosen });
  };

  return (
    <div className="runner-settings">
      <p className="runner-status" data-testid="runner-status" data-state={runner.status?.state ?? 'none'} data-tone={tone} role="status">
        {text}
      </p>
      <details>
        <summary>Runner settings</summary>
        <form className="runner-form" onSubmit={submit}>
          <label>
            Terminals run
            <select data-testid="runner-mode" value={mode} onChange={(e) => setMode(e.target.value as RunnerView['mode'])}>
              <option value="auto">in the runner when the host has node, else direct SSH</option>
              <option value="always">always in the runner</option>
              <option value="never">always over direct SSH</option>
            </select>
          </label>
          <fieldset>
            <legend>Limits per terminal (empty: none)</legend>
            {LIMIT_FIELDS.map(({ key, label, unit }) => (
              <label key={key}>
                {label}
                <input
                  type="number"
                  min={1}
                  inputMode="numeric"
                  data-testid={`runner-limit-${key}`}
                  value={limits[key]}
                  onChange={(e) => setLimits((l) => ({ ...l, [key]: e.target.value }))}
                  aria-describedby={`runner-unit-${hostId}-${key}`}
                />
                <span id={`runner-unit-${hostId}-${key}`} className="muted">
                  {unit}
                </span>
              </label>
            ))}
          </fieldset>
          <div className="ssh-host-actions">
            <button className="btn btn-primary" type="submit" data-testid="runner-save" disabled={save.isPending}>
              {save.isPending ? 'Saving…' : 'Save'}
            </button>
            <button
              className="btn"
              type="button"
              data-testid="runner-check"
              disabled={check.isPending || runner.mode === 'never'}
              onClick={() => {
                setError(null);
                check.mutate({ id: hostId });
              }}
            >
              {check.isPending ? 'Connecting…' : 'Check runner'}
            </button>
          </div>
        </form>
      </details>
      {error && (
        <p className="field-error" role="alert" data-testid="runner-error">
          {error}
        </p>
      )}
    </div>
  );
}
