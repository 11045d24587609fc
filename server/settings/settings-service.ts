/**
 * Per-user settings (lib/shared/settings.ts): one JSON row per user holding the keys they changed.
 * Reads merge it over the defaults; a stored value that is no longer valid reads as its default.
 */
import { eq } from 'drizzle-orm';
import { settingsFromStored, type Settings, type SettingsPatch } from '../../lib/shared/settings';
import type { DatabaseHandle, Db } from '../db/database';

export class SettingsService {
  constructor(private readonly dbh: DatabaseHandle) {}

  async get(userId: string): Promise<Settings> {
    return settingsFromStored(await this.stored(this.dbh.db, userId));
  }

  /**
   * Apply a validated patch; returns the settings now in force. One transaction that first
   * writes the row (taking its lock on Postgres), so no two updates interleave, on any gateway.
   */
  async update(userId: string, patch: SettingsPatch): Promise<Settings> {
    const { settings } = this.dbh.t;
    const merged = await this.dbh.transaction(async (tx) => {
      const updatedAt = Date.now();
      await tx.insert(settings).values({ userId, data: '{}', updatedAt }).onConflictDoUpdate({ target: settings.userId, set: { updatedAt } });
      const data = { ...(await this.stored(tx, userId)), ...patch };
      await tx.update(settings).set({ data: JSON.stringify(data) }).where(eq(settings.userId, userId));
      return data;
    });
    return settingsFromStored(merged);
  }

  private async stored(db: Db, userId: string): Promise<Record<string, unknown>> {
    const { settings } = this.dbh.t;
    const [row] = await db.select({ data: settings.data }).from(settings).where(eq(settings.userId, userId));
    if (!row) return {};
    try {
      const parsed: unknown = JSON.parse(row.data);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
}
