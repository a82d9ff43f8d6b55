import { Injectable } from '@nestjs/common';
import type { CurrencyTotals, ShopOrderRollups } from '@kizuna/customers';
import {
  averageOrderValue,
  churnRate,
  customerLifetimeValue,
  purchaseFrequency,
  repeatPurchaseRate,
} from '../kpis.util';
import type { Ratio } from '../ratio.util';
import { shiftShopDay, shopPeriod, type Instants, type ShopDay } from '../shop-calendar.util';
import { ShopRollupsReader, YEAR_DAYS } from './shop-rollups.reader';

/** A calendar day: shop days are dates (YYYY-MM-DD), so two of them are whole days apart. */
const DAY_MS = 86_400_000;

export interface OtherCurrency {
  currency: string;
  orders: number;
  revenue: number;
}

export interface ShopKpis {
  asOf: ShopDay;
  from: ShopDay;
  to: ShopDay;
  timeZone: string;
  currency: string;
  churnDays: number;
  period: {
    buyers: number;
    orders: number;
    revenue: number;
    aov: Ratio;
    otherCurrencies: OtherCurrency[];
  };
  trailingYear: {
    from: ShopDay;
    buyers: number;
    orders: number;
    revenue: number;
    aov: Ratio;
    purchaseFrequency: Ratio;
    repeatBuyers: number;
    repeatPurchaseRate: Ratio;
    otherCurrencies: OtherCurrency[];
  };
  churn: { rate: Ratio; lapsed: number; previousBuyers: number };
  yearlyChurn: Ratio;
  clv: {
    value: number | null;
    aov: number | null;
    yearlyFrequency: number | null;
    lifespanYears: number | null;
    capped: boolean;
  };
}

/** Orders, shop-currency revenue and AOV, other currencies apart (docs/analytics.md, "Currencies"). */
function money(totals: CurrencyTotals[], currency: string) {
  const shop = totals.find((t) => t.currency === currency);
  return {
    orders: totals.reduce((n, t) => n + t.orders, 0),
    revenue: shop?.revenue ?? 0,
    aov: averageOrderValue(shop?.revenue ?? 0, shop?.orders ?? 0),
    otherCurrencies: totals.filter((t) => t.currency !== currency),
  };
}

/**
 * The shop's KPIs as of a shop day and over a period (docs/analytics.md, "Shop KPIs"), from the
 * order rollups: order_daily sums for orders and revenue, coverage sums for the buyers of the
 * fixed trailing windows (365, 730, N, 2N days), and the period's first orders per customer for
 * the period's buyers. The formulas are libs/analytics' (kpis.util).
 */
@Injectable()
export class ShopKpisService {
  constructor(private readonly reader: ShopRollupsReader) {}

  /**
   * Buyers of the period: a period as long as a window the rollups keep (365, 730, the churn
   * window and twice it) is one coverage sum, as the trailing-year figures are; any other is
   * counted from the period's orders (buyersBetween), which grows with the period's orders.
   */
  private async periodBuyers(
    rollups: ShopOrderRollups,
    windows: readonly number[],
    from: ShopDay,
    to: ShopDay,
    period: Instants,
  ): Promise<number> {
    const days = Math.round((Date.parse(to) - Date.parse(from)) / DAY_MS) + 1;
    if (windows.includes(days)) {
      const [buyers] = await rollups.coverage('buyer', [{ window: days, day: to }]);
      return buyers!;
    }
    return rollups.buyersBetween(new Date(period.start), new Date(period.end));
  }

  async kpis(asOf: ShopDay, from: ShopDay, to: ShopDay): Promise<ShopKpis> {
    const { timeZone, currency } = this.reader;
    const { rollups, churnDays, buyerWindows } = await this.reader.ready();
    const period = shopPeriod(from, to, timeZone);
    const yearFrom = shiftShopDay(asOf, YEAR_DAYS - 1, timeZone);
    const back = (days: number) => shiftShopDay(asOf, days, timeZone);
    const [periodTotals, periodBuyers, yearTotals, buyers, repeat] = await Promise.all([
      rollups.orderTotals(from, to),
      this.periodBuyers(rollups, buyerWindows, from, to, period),
      rollups.orderTotals(yearFrom, asOf),
      // Buyers of the W days ending with a day: churn compares the N days ending N days ago with
      // the last N, lapsed = buyers(2N, D) − buyers(N, D) (docs/analytics.md, "Shop KPIs").
      rollups.coverage('buyer', [
        { window: YEAR_DAYS, day: asOf },
        { window: churnDays, day: asOf },
        { window: 2 * churnDays, day: asOf },
        { window: churnDays, day: back(churnDays) },
        { window: 2 * YEAR_DAYS, day: asOf },
        { window: YEAR_DAYS, day: back(YEAR_DAYS) },
      ]),
      rollups.coverage('repeat', [{ window: YEAR_DAYS, day: asOf }]),
    ]);
    const [yearBuyers, lastN, last2N, previousN, last730, previousYear] = buyers as [
      number,
      number,
      number,
      number,
      number,
      number,
    ];
    const periodMoney = money(periodTotals, currency);
    const year = money(yearTotals, currency);
    const frequency = purchaseFrequency(year.orders, yearBuyers);
    const lapsed = last2N - lastN;
    const yearlyChurn = churnRate(last730 - yearBuyers, previousYear);
    const clv = customerLifetimeValue(year.aov.value, frequency.value, yearlyChurn.value);
    return {
      asOf,
      from,
      to,
      timeZone,
      currency,
      churnDays,
      period: { buyers: periodBuyers, ...periodMoney },
      trailingYear: {
        from: yearFrom,
        buyers: yearBuyers,
        orders: year.orders,
        revenue: year.revenue,
        aov: year.aov,
        purchaseFrequency: frequency,
        repeatBuyers: repeat[0]!,
        repeatPurchaseRate: repeatPurchaseRate(repeat[0]!, yearBuyers),
        otherCurrencies: year.otherCurrencies,
      },
      churn: { rate: churnRate(lapsed, previousN), lapsed, previousBuyers: previousN },
      yearlyChurn,
      clv: {
        value: clv.value,
        aov: year.aov.value,
        yearlyFrequency: frequency.value,
        lifespanYears: clv.lifespanYears,
        capped: clv.capped,
      },
    };
  }
}
