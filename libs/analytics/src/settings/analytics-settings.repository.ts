import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { inTransaction } from '@kizuna/database';
import {
  applyChange,
  toAnalyticsSettings,
  withDefaults,
  type AnalyticsSettings,
  type AnalyticsSettingsChange,
  type StoredAnalyticsSettings,
} from './analytics-settings';

/** The `settings` row that holds them (one JSON value; absent: every default). */
export const ANALYTICS_SETTING = 'analytics';

/**
 * Reads and changes the shop's analytics settings. Reads take an optional transaction so a
 * fact's write classifies or attributes with the settings as that transaction sees them.
 */
@Injectable()
export class AnalyticsSettingsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async current(tx?: EntityManager): Promise<AnalyticsSettings> {
    return toAnalyticsSettings(await this.stored(tx));
  }

  async stored(tx?: EntityManager): Promise<StoredAnalyticsSettings> {
    const [row] = await (tx ?? this.dataSource).query<Array<{ value: unknown }>>(
      'SELECT value FROM settings WHERE key = $1',
      [ANALYTICS_SETTING],
    );
    return withDefaults(row?.value);
  }

  /** Applies a change under a row lock, so two changes to different fields both survive. */
  async change(change: AnalyticsSettingsChange): Promise<StoredAnalyticsSettings> {
    return inTransaction(this.dataSource, async (tx) => {
      await tx.query(`INSERT INTO settings (key, value) VALUES ($1, '{}'::jsonb) ON CONFLICT (key) DO NOTHING`, [
        ANALYTICS_SETTING,
      ]);
      const [row] = await tx.query<Array<{ value: unknown }>>('SELECT value FROM settings WHERE key = $1 FOR UPDATE', [
        ANALYTICS_SETTING,
      ]);
      const next = applyChange(withDefaults(row?.value), change);
      await tx.query('UPDATE settings SET value = $2::jsonb, updated_at = now() WHERE key = $1', [
        ANALYTICS_SETTING,
        JSON.stringify(next),
      ]);
      return next;
    });
  }
}
