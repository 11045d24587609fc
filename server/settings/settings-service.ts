/**
 * Per-user settings (lib/shared/settings.ts): one JSON row per user holding the keys they changed.
 * Reads merge it over the defaults; a stored value that is no longer valid reads as its default.
 */
import { eq } from 'drizzle-orm';
import { settingsFromStored, type Settings, type SettingsPatch } from '../../lib/shared/settings';
import type { Db } from '../db/database';
import { settings } from '../db/schema';

export class SettingsService {
  constructor(private readonly db: Db) {}

  get(userId: string): Settings {
    return settingsFromStored(this.stored(userId));
  }

  /** Apply a validated patch; returns the settings now in force. Synchronous, so no two updates interleave. */
  update(userId: string, patch: SettingsPatch): Settings {
    const data = JSON.stringify({ ...this.stored(userId), ...patch });
    const updatedAt = Date.now();
    this.db.insert(settings).values({ userId, data, updatedAt }).onConflictDoUpdate({ target: settings.userId, set: { data, updatedAt } }).run();
    return this.get(userId);
  }

  private stored(userId: string): Record<string, unknown> {
    const row = this.db.select({ data: settings.data }).from(settings).where(eq(settings.userId, userId)).get();
    if (!row) return {};
    try {
      const parsed: unknown = JSON.parse(row.data);
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : {};
    } catch {
      return {};
    }
  }
}
