import { Injectable } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { ShopOrderRollups, type RollupShape } from '@kizuna/customers';
import { UnitOfWork } from '@kizuna/database';
import { AnalyticsSettingsRepository } from '../settings/analytics-settings.repository';

/** Yearly figures: purchase frequency and repeat rate over 365 days, yearly churn over 365 and 730. */
export const YEAR_DAYS = 365;

/**
 * The shop's order rollups, made to answer for the shop's calendar and windows before a report
 * reads them: the first read after a change of SHOP_TIMEZONE or SHOP_CURRENCY rebuilds them from
 * the facts, and a new churn window (`kpi.churnDays`) is added (docs/analytics.md, "Reading,
 * rebuilding, scaling"). Otherwise one small read of `shop_rollups`.
 */
@Injectable()
export class ShopRollupsReader {
  constructor(
    readonly rollups: ShopOrderRollups,
    private readonly uow: UnitOfWork,
    private readonly settings: AnalyticsSettingsRepository,
    private readonly config: KizunaConfig,
  ) {}

  get timeZone(): string {
    return this.config.shop.timeZone;
  }

  get currency(): string {
    return this.config.shop.currency;
  }

  /**
   * The rollups, ready for the shop's calendar and churn window (`kpi.churnDays`), that window,
   * and the buyer windows they keep.
   */
  async ready(): Promise<{ rollups: ShopOrderRollups; churnDays: number; buyerWindows: readonly number[] }> {
    const churnDays = (await this.settings.current()).kpi.churnDays;
    const wanted: RollupShape = {
      timeZone: this.timeZone,
      currency: this.currency,
      buyerWindows: [YEAR_DAYS, 2 * YEAR_DAYS, churnDays, 2 * churnDays],
      repeatWindows: [YEAR_DAYS],
    };
    const shape = await this.rollups.shape();
    const fits =
      shape !== undefined &&
      shape.timeZone === wanted.timeZone &&
      shape.currency === wanted.currency &&
      wanted.buyerWindows.every((w) => shape.buyerWindows.includes(w)) &&
      wanted.repeatWindows.every((w) => shape.repeatWindows.includes(w));
    if (!fits) {
      await this.uow.run((tx) => this.rollups.rebuild(tx, wanted));
    }
    return { rollups: this.rollups, churnDays, buyerWindows: wanted.buyerWindows };
  }
}
