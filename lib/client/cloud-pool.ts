/**
 * Words for the admin's view of cloud workers (`cloud.pool`): the warm pool in one line and how
 * long ago things happened. Pure, so it is unit tested.
 */

export interface PoolCounts {
  warm: number;
  warmTarget: number;
  starting: number;
  assigned: number;
}

/** "warm 2 / target 3 · starting 1 · assigned 4". */
export function poolSummaryText(p: PoolCounts): string {
  return `warm ${p.warm} / target ${p.warmTarget} · starting ${p.starting} · assigned ${p.assigned}`;
}

/** A duration in its largest whole unit: "12 s", "3 min", "5 h", "2 d" (never negative). */
export function durationText(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} h`;
  return `${Math.floor(h / 24)} d`;
}

/** "3 min ago", or "never" when it has not happened. */
export function agoText(at: number | null, now: number): string {
  return at === null ? 'never' : `${durationText(now - at)} ago`;
}

/** Who a worker belongs to: the user's name, their id when the name is unknown, "—" in the warm pool. */
export function workerOwnerText(w: { userId: string | null; userName: string | null }): string {
  return w.userName ?? w.userId ?? '—';
}
