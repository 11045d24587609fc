/**
 * The audit trail: security events, appended as they happen and read by admins (newest first,
 * filtered). Recording never throws into the caller — an event that cannot be written is logged —
 * and never stores a secret: detail keys that name one, and values that look like one, are
 * replaced by "[redacted]" here, whatever the caller passed.
 */
import { and, desc, eq, gte, like, lt, lte, or, type SQL } from 'drizzle-orm';
import type { AuditAction, AuditDetail, AuditRecord } from '../../lib/shared/audit';
import type { DatabaseHandle } from '../db/database';
import type { Logger } from '../log';

export interface AuditEvent {
  action: AuditAction;
  /** Who did it; null for the system or an anonymous peer (a failed sign-in, a share guest). */
  actor?: { id: string; name: string } | null;
  target?: string | null;
  detail?: AuditDetail;
  ip?: string | null;
}

export interface AuditFilter {
  /** An area (`auth`) or an exact action (`auth.sign-in`). */
  action?: string;
  /** An actor's id or name (exact), or a target (exact). */
  who?: string;
  since?: number;
  until?: number;
  /** Paging: only events with a smaller id. */
  before?: number;
  limit?: number;
}

const SECRET_KEY = /pass|secret|token|cookie|credential|code|nonce|state/i;
/** Our API tokens, share secrets and anything long and random-looking. */
const SECRET_VALUE = /^(tth|tsh)_|^[A-Za-z0-9_-]{40,}$|^[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}$/;
const MAX_VALUE = 200;
export const MAX_AUDIT_PAGE = 200;
const DAY_MS = 24 * 3600_000;

export function scrubDetail(detail: AuditDetail | undefined): AuditDetail {
  const out: AuditDetail = {};
  for (const [key, value] of Object.entries(detail ?? {})) {
    if (SECRET_KEY.test(key)) out[key] = '[redacted]';
    else if (typeof value === 'string') out[key] = SECRET_VALUE.test(value) ? '[redacted]' : value.slice(0, MAX_VALUE);
    else out[key] = value;
  }
  return out;
}

export class AuditLog {
  private written = 0;
  /** The last write queued: writes go one after another, so ids follow the order of record()
   * (a pool would run them side by side), and list() waits for it to see what was recorded. */
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly dbh: DatabaseHandle,
    private readonly log: Logger,
    /** Events older than this many days are dropped (checked at start and every 1,000 events). */
    private readonly retentionDays = 365,
  ) {
    this.track(() => this.prune());
  }

  /** Append an event (in the background: never throws, never makes the caller wait). */
  record(event: AuditEvent): void {
    this.track(() => this.write(event));
  }

  /** Every event recorded so far is written. */
  async flush(): Promise<void> {
    let last;
    do {
      last = this.tail;
      await last;
    } while (last !== this.tail);
  }

  /** Queue a write (each one catches its own errors, so the queue never rejects). */
  private track(step: () => Promise<void>): void {
    this.tail = this.tail.then(step);
  }

  private async write(event: AuditEvent): Promise<void> {
    const { auditEvents } = this.dbh.t;
    try {
      await this.dbh.db
        .insert(auditEvents)
        .values({
          at: Date.now(),
          action: event.action,
          actorId: event.actor?.id ?? null,
          actorName: event.actor?.name ?? null,
          target: event.target ?? null,
          detail: JSON.stringify(scrubDetail(event.detail)),
          ip: event.ip ?? null,
        });
      if (++this.written % 1000 === 0) await this.prune();
    } catch (err) {
      this.log.error('audit event not recorded', { action: event.action, error: err instanceof Error ? err.message : String(err) });
    }
  }

  async list(filter: AuditFilter = {}): Promise<AuditRecord[]> {
    await this.flush();
    const { auditEvents } = this.dbh.t;
    const where: SQL[] = [];
    // Actions are lower-case; LIKE is case-sensitive on Postgres and not on SQLite, so match lower-case on both.
    const action = filter.action?.toLowerCase();
    if (action) where.push(action.includes('.') ? eq(auditEvents.action, action) : like(auditEvents.action, `${action.replace(/[%_\\]/g, '')}.%`));
    if (filter.who) where.push(or(eq(auditEvents.actorId, filter.who), eq(auditEvents.actorName, filter.who), eq(auditEvents.target, filter.who))!);
    if (filter.since !== undefined) where.push(gte(auditEvents.at, filter.since));
    if (filter.until !== undefined) where.push(lte(auditEvents.at, filter.until));
    if (filter.before !== undefined) where.push(lt(auditEvents.id, filter.before));
    const limit = Math.min(Math.max(filter.limit ?? 100, 1), MAX_AUDIT_PAGE);
    const rows = await this.dbh.db
      .select()
      .from(auditEvents)
      .where(where.length ? and(...where) : undefined)
      .orderBy(desc(auditEvents.id))
      .limit(limit);
    return rows.map((row) => ({ ...row, action: row.action as AuditAction, detail: parseDetail(row.detail) }));
  }

  private async prune(): Promise<void> {
    const { auditEvents } = this.dbh.t;
    try {
      await this.dbh.db.delete(auditEvents).where(lt(auditEvents.at, Date.now() - this.retentionDays * DAY_MS));
    } catch (err) {
      this.log.error('audit events not pruned', { error: err instanceof Error ? err.message : String(err) });
    }
  }
}

function parseDetail(text: string): AuditDetail {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as AuditDetail) : {};
  } catch {
    return {};
  }
}
