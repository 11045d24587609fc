/**
 * Words and small decisions for "Move workspace…": the target choice, the plan, the progress of
 * a running move and its result. Pure, so it is unit tested.
 * The shapes are structural copies of what `migration.plan` and `migration.progress` answer
 * (see server/trpc/routers/migration.ts).
 */

export type WorkspaceKind = 'local' | 'ssh' | 'cloud';
export type WorkerSize = 'small' | 'medium' | 'large';

export type MigrationTarget = { kind: 'local' } | { kind: 'ssh'; hostId: string; path?: string } | { kind: 'cloud'; size?: WorkerSize };

export interface MigrationPlan {
  from: { kind: string; label: string };
  to: { kind: string; label: string };
  branch: string | null;
  head: string;
  changedFiles: number;
  untrackedFiles: number;
  repoBytes: number;
  terminals: number;
  warnings: string[];
}

export type MigrationStep = 'capture' | 'pack' | 'transfer' | 'restore' | 'verify' | 'switch' | 'done' | 'failed' | 'cancelled';

export interface MigrationResult {
  verified: { branch: string | null; head: string; files: 'identical' };
  bytes: number;
  incremental: boolean;
  seconds: number;
  terminalsReopened: number;
}

export interface MigrationEvent {
  step: MigrationStep;
  message: string;
  bytes?: number;
  totalBytes?: number;
  result?: MigrationResult;
  error?: string;
}

/** The working steps of a move, in order, with what each one is called in the progress list. */
export const MIGRATION_STEPS: ReadonlyArray<readonly [MigrationStep, string]> = [
  ['capture', 'Read the git state'],
  ['pack', 'Pack'],
  ['transfer', 'Transfer'],
  ['restore', 'Restore on the target'],
  ['verify', 'Verify'],
  ['switch', 'Switch over'],
];

export function isFinalStep(step: MigrationStep): boolean {
  return step === 'done' || step === 'failed' || step === 'cancelled';
}

// ---- the target select ----

/** The select's value for a target: 'local', 'cloud' or 'ssh:<hostId>'. */
export function targetValue(target: MigrationTarget): string {
  return target.kind === 'ssh' ? `ssh:${target.hostId}` : target.kind;
}

/** Where a workspace runs now, as the select's value ('ssh:' with an unknown host when it has none). */
export function currentTargetValue(ws: { kind: WorkspaceKind; hostId?: string | null }): string {
  return ws.kind === 'ssh' ? `ssh:${ws.hostId ?? ''}` : ws.kind;
}

/**
 * The target a select value stands for, with the SSH folder (blank: the server's default) and
 * the cloud size. Null for a value that is none of the three.
 */
export function parseTargetValue(value: string, opts: { path?: string; size?: WorkerSize } = {}): MigrationTarget | null {
  if (value === 'local') return { kind: 'local' };
  if (value === 'cloud') return opts.size ? { kind: 'cloud', size: opts.size } : { kind: 'cloud' };
  if (value.startsWith('ssh:') && value.length > 4) {
    const path = opts.path?.trim();
    return path ? { kind: 'ssh', hostId: value.slice(4), path } : { kind: 'ssh', hostId: value.slice(4) };
  }
  return null;
}

// ---- numbers ----

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "512 B", "3.4 KB", "12 MB", "1.2 GB" (powers of 1024, one decimal below ten). */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '? B';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = bytes / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  const shown = v < 10 ? (Math.round(v * 10) / 10).toFixed(1) : String(Math.round(v));
  // 9.96 KB rounds to "10.0": say "10" like every other value from ten on.
  return `${shown === '10.0' ? '10' : shown} ${units[i]}`;
}

/** "0.4 s", "3.2 s", "12 s", "2 min 5 s". */
export function formatSeconds(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '? s';
  if (seconds < 10) return `${(Math.round(seconds * 10) / 10).toFixed(1)} s`;
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 === 0 ? `${m} min` : `${m} min ${s % 60} s`;
}

/** The first seven characters of a commit id. */
export function shortHead(head: string): string {
  return head.slice(0, 7);
}

/** "branch main at 1a2b3c4", or "a detached HEAD at 1a2b3c4". */
export function branchText(branch: string | null, head: string): string {
  return branch ? `branch ${branch} at ${shortHead(head)}` : `a detached HEAD at ${shortHead(head)}`;
}

// ---- the plan ----

export interface PlanLine {
  key: 'from-to' | 'branch' | 'changes' | 'size' | 'terminals';
  label: string;
  text: string;
}

/** The facts of a plan, one per line, as the dialog lists them. */
export function planLines(plan: MigrationPlan): PlanLine[] {
  const changes =
    plan.changedFiles === 0 && plan.untrackedFiles === 0
      ? 'No uncommitted changes'
      : `${plural(plan.changedFiles, 'changed file')}, ${plural(plan.untrackedFiles, 'untracked file')}`;
  // What happens to them is among the server's warnings.
  const terminals = plan.terminals === 0 ? 'None running' : `${plan.terminals} running`;
  return [
    { key: 'from-to', label: 'Move', text: `${plan.from.label} → ${plan.to.label}` },
    { key: 'branch', label: 'Git', text: plan.branch ? `Branch ${plan.branch} at ${shortHead(plan.head)}` : `Detached HEAD at ${shortHead(plan.head)}` },
    { key: 'changes', label: 'Changes', text: changes },
    { key: 'size', label: 'Repository', text: formatBytes(plan.repoBytes) },
    { key: 'terminals', label: 'Terminals', text: terminals },
  ];
}

// ---- progress ----

export type StepState = 'done' | 'current' | 'pending' | 'failed';

/**
 * The state of each working step given the latest event and the last working step reached
 * (a failed or cancelled event names no step of its own: the step it stopped at is `reached`).
 */
export function stepStates(latest: MigrationStep | null, reached: MigrationStep | null): Record<string, StepState> {
  const order = MIGRATION_STEPS.map(([s]) => s);
  const out: Record<string, StepState> = {};
  if (latest === 'done') {
    for (const s of order) out[s] = 'done';
    return out;
  }
  const at = reached ? order.indexOf(reached) : -1;
  const stopped = latest === 'failed' || latest === 'cancelled';
  order.forEach((s, i) => {
    out[s] = i < at ? 'done' : i === at ? (stopped ? 'failed' : 'current') : 'pending';
  });
  return out;
}

/** How far the transfer is, 0…1, when the event says (bytes of totalBytes); null otherwise. */
export function progressFraction(ev: Pick<MigrationEvent, 'bytes' | 'totalBytes'> | null): number | null {
  if (!ev || typeof ev.bytes !== 'number' || typeof ev.totalBytes !== 'number' || ev.totalBytes <= 0) return null;
  return Math.min(1, Math.max(0, ev.bytes / ev.totalBytes));
}

/** "1.2 MB of 3.4 MB", when the event has both numbers. */
export function transferText(ev: Pick<MigrationEvent, 'bytes' | 'totalBytes'> | null): string | null {
  if (!ev || typeof ev.bytes !== 'number') return null;
  return typeof ev.totalBytes === 'number' ? `${formatBytes(ev.bytes)} of ${formatBytes(ev.totalBytes)}` : formatBytes(ev.bytes);
}

// ---- the outcome ----

/** "Moved to Cloud worker · branch main at 1a2b3c4 · files identical · 1.2 MB in 3.4 s". */
export function resultText(toLabel: string, r: MigrationResult): string {
  const size = `${formatBytes(r.bytes)}${r.incremental ? ' (only what was missing)' : ''} in ${formatSeconds(r.seconds)}`;
  return `Moved to ${toLabel} · ${branchText(r.verified.branch, r.verified.head)} · files ${r.verified.files} · ${size}`;
}

/** "2 terminals were reopened there." — or nothing to say. */
export function reopenedText(n: number): string | null {
  return n > 0 ? `${plural(n, 'terminal was', 'terminals were')} reopened there.` : null;
}

/** Why a move did not happen, always saying that nothing changed. */
export function failureText(ev: Pick<MigrationEvent, 'step' | 'error' | 'message'>): string {
  if (ev.step === 'cancelled') return 'Move cancelled: the workspace stays where it was.';
  const why = (ev.error || ev.message || '').trim().replace(/[.\s]+$/, '');
  return why ? `Move failed: ${why}. The workspace stays where it was.` : 'Move failed: the workspace stays where it was.';
}
