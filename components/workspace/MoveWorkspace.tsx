'use client';
/**
 * "Move…" in the workspace header: move the workspace's git repository (branch, commits, staged
 * and unstaged changes, untracked files) to this machine, a cloud worker or an SSH host, and
 * switch the workspace there. Choose a target → Plan (what would move) → Move (progress, with
 * Cancel) → the verified result, or why it failed (the workspace then stays where it was).
 *
 * The move runs on the gateway: closing the dialog (Escape) while it runs only hides it; the
 * header button then reads "Moving…" and opens it again.
 */
import { ModalDialog } from '@/components/workspace/ModalDialog';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useSubscription } from '@trpc/tanstack-react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import {
  currentTargetValue,
  failureText,
  isFinalStep,
  MIGRATION_STEPS,
  parseTargetValue,
  planLines,
  progressFraction,
  reopenedText,
  resultText,
  stepStates,
  transferText,
  type MigrationEvent,
  type MigrationStep,
  type MigrationTarget,
  type WorkerSize,
  type WorkspaceKind,
} from '@/lib/client/migration-text';
import { errorMessage, useTRPC } from '@/lib/client/trpc';
import { HostFolderField, WorkerSizeField } from './WorkspaceFields';

interface WorkspaceInfo {
  id: string;
  name: string;
  kind: WorkspaceKind;
  hostId?: string | null;
}

interface Props {
  workspace: WorkspaceInfo;
  /** The move is done: the workspace now runs elsewhere (re-read what depends on where). */
  onMoved(): void;
}

/** One move the dialog follows, from `migration.start` to its last event. */
interface Run {
  id: string;
  target: MigrationTarget;
  toLabel: string;
  latest: MigrationEvent | null;
  /** The last working step reached (failed/cancelled events stop there). */
  reached: MigrationStep | null;
  /** Set when the progress stream itself failed (not the move). */
  lostTrack: string | null;
}


export function MoveWorkspace({ workspace, onMoved }: Props) {
  const trpc = useTRPC();
  const [open, setOpen] = useState(false);
  const current = currentTargetValue(workspace);
  const [choice, setChoice] = useState<string>('');
  const [path, setPath] = useState('');
  const [size, setSize] = useState<WorkerSize>('small');
  /** The target the shown plan is for; null until "Plan" is pressed (and after any change). */
  const [planFor, setPlanFor] = useState<MigrationTarget | null>(null);
  const [run, setRun] = useState<Run | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const movedFor = useRef<string | null>(null);

  const hosts = useQuery(trpc.hosts.list.queryOptions(undefined, { enabled: open }));
  const hostList = hosts.data ?? [];

  const options: Array<{ value: string; label: string }> = [
    { value: 'local', label: 'This machine' },
    { value: 'cloud', label: 'Cloud worker' },
    ...hostList.map((h) => ({ value: `ssh:${h.id}`, label: `${h.name} (${h.address})` })),
  ];
  // The current place cannot be chosen; a choice that became the current place (after a move) or
  // a host that was removed falls back to the first other option.
  const usable = options.filter((o) => o.value !== current);
  const selected = usable.some((o) => o.value === choice) ? choice : (usable[0]?.value ?? '');
  const target = parseTargetValue(selected, { path, size });
  const ssh = selected.startsWith('ssh:');
  const cloud = selected === 'cloud';

  const plan = useQuery(
    trpc.migration.plan.queryOptions(
      { workspaceId: workspace.id, target: planFor ?? { kind: 'local' } },
      { enabled: open && planFor !== null && run === null, retry: false, staleTime: 0, gcTime: 0, refetchOnWindowFocus: false },
    ),
  );

  const cancel = useMutation(trpc.migration.cancel.mutationOptions());
  const start = useMutation(
    trpc.migration.start.mutationOptions({
      onSuccess: ({ id }, vars) => {
        cancel.reset();
        setRun({ id, target: vars.target, toLabel: plan.data?.to.label ?? labelOf(options, vars.target), latest: null, reached: null, lostTrack: null });
      },
      onError: (err) => setStartError(failureText({ step: 'failed', message: errorMessage(err) })),
    }),
  );

  const final = run?.latest ? isFinalStep(run.latest.step) : false;
  const running = run !== null && !final && run.lostTrack === null;

  useSubscription(
    trpc.migration.progress.subscriptionOptions(
      { id: run?.id ?? '' },
      {
        enabled: run !== null && !final,
        onData: (ev: MigrationEvent) => {
          setRun((r) => (r ? { ...r, latest: ev, reached: isFinalStep(ev.step) ? r.reached : ev.step, lostTrack: null } : r));
        },
        onError: (err) => setRun((r) => (r ? { ...r, lostTrack: errorMessage(err) } : r)),
      },
    ),
  );

  // Once per move: the workspace now runs at the target.
  useEffect(() => {
    if (run?.latest?.step !== 'done' || movedFor.current === run.id) return;
    movedFor.current = run.id;
    onMoved();
  }, [run, onMoved]);
  // A lost stream may hide a finished move: re-read where the workspace runs.
  useEffect(() => {
    if (run?.lostTrack) onMoved();
  }, [run?.lostTrack, onMoved]);

  const resetChoice = () => {
    setPlanFor(null);
    setStartError(null);
  };

  const close = useCallback(() => {
    setOpen(false);
    // A finished move is forgotten on close; a running one is kept to be shown again.
    setRun((r) => (r && ((r.latest && isFinalStep(r.latest.step)) || r.lostTrack) ? null : r));
    requestAnimationFrame(() => buttonRef.current?.focus());
  }, []);

  const openDialog = () => {
    setOpen(true);
    if (!running) {
      setRun(null);
      setPlanFor(null);
      setStartError(null);
    }
  };

  // The dialog focuses its first field on open, and the progress view's first button once a move starts.
  const phase = run === null ? 'choose' : 'run';

  const planned = planFor !== null && sameTarget(planFor, target) && plan.data !== undefined && !plan.isFetching;
  const ev = run?.latest ?? null;
  const states = stepStates(ev?.step ?? null, run?.reached ?? null);
  const fraction = ev?.step === 'transfer' ? progressFraction(ev) : null;
  const transfer = ev?.step === 'transfer' ? transferText(ev) : null;

  return (
    <>
      <button
        ref={buttonRef}
        className="btn move-button"
        data-testid="move-workspace"
        aria-haspopup="dialog"
        aria-expanded={open}
        title="Move this workspace to another machine"
        onClick={openDialog}
      >
        {running ? 'Moving…' : 'Move…'}
      </button>
      {open && (
        <ModalDialog className="move-dialog" title={`Move “${workspace.name}”`} onClose={close} focusKey={phase} data-testid="move-dialog">
          {run === null ? (
            <>
              <p className="muted">
                Moves the git repository — branch, commits, staged and unstaged changes, untracked files — and switches the
                workspace there. Ignored files stay behind; terminals end and reopen at the new place.
              </p>
              <div className="field-row">
                <label className="field">
                  <span>Move to</span>
                  <select
                    className="input"
                    data-testid="move-target"
                    data-autofocus
                    value={selected}
                    onChange={(e) => {
                      setChoice(e.target.value);
                      resetChoice();
                    }}
                  >
                    {options.map((o) => (
                      <option key={o.value} value={o.value} disabled={o.value === current}>
                        {o.value === current ? `${o.label} (runs here now)` : o.label}
                      </option>
                    ))}
                  </select>
                </label>
                {ssh && (
                  <HostFolderField
                    testId="move-path"
                    placeholder={`~/tether/${workspace.name} (optional)`}
                    value={path}
                    onChange={(v) => {
                      setPath(v);
                      resetChoice();
                    }}
                  />
                )}
                {cloud && (
                  <WorkerSizeField
                    testId="move-size"
                    value={size}
                    onChange={(v) => {
                      setSize(v);
                      resetChoice();
                    }}
                  />
                )}
              </div>
              {hosts.isError && <p className="field-error">Could not list SSH hosts: {errorMessage(hosts.error)}</p>}
              {planFor !== null && plan.isFetching && (
                <p className="muted" role="status" data-testid="move-planning">
                  Looking at the repository…
                </p>
              )}
              {planFor !== null && plan.isError && !plan.isFetching && (
                <p className="field-error" role="alert" data-testid="move-plan-error">
                  {errorMessage(plan.error)}
                </p>
              )}
              {planned && plan.data && (
                <div className="move-plan" data-testid="move-plan">
                  <dl className="move-facts">
                    {planLines(plan.data).map((l) => (
                      <div key={l.key} data-testid={`move-plan-${l.key}`}>
                        <dt>{l.label}</dt>
                        <dd>{l.text}</dd>
                      </div>
                    ))}
                  </dl>
                  {plan.data.warnings.length > 0 && (
                    <ul className="move-warnings" data-testid="move-warnings">
                      {plan.data.warnings.map((w) => (
                        <li key={w}>{w}</li>
                      ))}
                    </ul>
                  )}
                </div>
              )}
              {startError && (
                <p className="field-error" role="alert" data-testid="move-error">
                  {startError}
                </p>
              )}
              <div className="modal-actions">
                {planned ? (
                  <button
                    className="btn btn-primary"
                    data-testid="move-start"
                    disabled={start.isPending || target === null}
                    onClick={() => {
                      setStartError(null);
                      if (planFor) start.mutate({ workspaceId: workspace.id, target: planFor });
                    }}
                  >
                    {start.isPending ? 'Starting…' : `Move to ${plan.data?.to.label ?? 'there'}`}
                  </button>
                ) : (
                  <button
                    className="btn btn-primary"
                    data-testid="move-plan-button"
                    disabled={target === null || plan.isFetching}
                    onClick={() => {
                      setStartError(null);
                      if (!target) return;
                      if (sameTarget(planFor, target)) void plan.refetch();
                      else setPlanFor(target);
                    }}
                  >
                    Plan
                  </button>
                )}
                <span className="spacer" />
                <button className="btn" data-testid="move-close" onClick={close}>
                  {planned ? 'Cancel' : 'Close'}
                </button>
              </div>
            </>
          ) : (
            <>
              <div className="move-progress" data-testid="move-progress" aria-busy={running}>
                <ol className="move-steps">
                  {MIGRATION_STEPS.map(([step, label]) => (
                    <li
                      key={step}
                      data-testid="move-step"
                      data-step={step}
                      data-state={states[step]}
                      aria-current={states[step] === 'current' ? 'step' : undefined}
                    >
                      <span className="move-step-mark" aria-hidden="true" />
                      {label}
                    </li>
                  ))}
                </ol>
                {running && (
                  <>
                    <div
                      className="move-bar"
                      role="progressbar"
                      aria-label="Transfer"
                      aria-valuemin={0}
                      aria-valuemax={100}
                      aria-valuenow={fraction === null ? undefined : Math.round(fraction * 100)}
                      data-testid="move-bar"
                      data-indeterminate={fraction === null}
                    >
                      <div className="move-bar-fill" style={{ width: fraction === null ? undefined : `${fraction * 100}%` }} />
                    </div>
                    <p className="muted move-message" role="status" aria-live="polite" data-testid="move-message">
                      {ev?.message ?? 'Starting…'}
                      {transfer && ` · ${transfer}`}
                    </p>
                  </>
                )}
              </div>
              {ev?.step === 'done' && ev.result && (
                <div className="move-outcome" role="status" data-testid="move-result">
                  <p>{resultText(run.toLabel, ev.result)}</p>
                  {reopenedText(ev.result.terminalsReopened) && <p className="muted">{reopenedText(ev.result.terminalsReopened)}</p>}
                </div>
              )}
              {ev?.step === 'done' && !ev.result && (
                <p className="move-outcome" role="status" data-testid="move-result">
                  Moved to {run.toLabel}.
                </p>
              )}
              {(ev?.step === 'failed' || ev?.step === 'cancelled') && (
                <p className="field-error move-outcome" role="alert" data-testid="move-error">
                  {failureText(ev)}
                </p>
              )}
              {run.lostTrack && !final && (
                <p className="field-error move-outcome" role="alert" data-testid="move-error">
                  Could not follow the move: {run.lostTrack}. The header shows where the workspace runs now.
                </p>
              )}
              <div className="modal-actions">
                {running && (
                  <button
                    className="btn btn-danger"
                    data-testid="move-cancel"
                    disabled={cancel.isPending || cancel.isSuccess}
                    onClick={() => cancel.mutate({ id: run.id })}
                  >
                    {cancel.isPending || cancel.isSuccess ? 'Cancelling…' : 'Cancel move'}
                  </button>
                )}
                {cancel.isError && <span className="field-error">{errorMessage(cancel.error)}</span>}
                <span className="spacer" />
                <button className="btn" data-testid="move-close" onClick={close}>
                  {running ? 'Hide' : 'Close'}
                </button>
              </div>
            </>
          )}
        </ModalDialog>
      )}
    </>
  );
}

function sameTarget(a: MigrationTarget | null, b: MigrationTarget | null): boolean {
  return a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b);
}

function labelOf(options: Array<{ value: string; label: string }>, target: MigrationTarget): string {
  const value = target.kind === 'ssh' ? `ssh:${target.hostId}` : target.kind;
  return options.find((o) => o.value === value)?.label ?? value;
}
