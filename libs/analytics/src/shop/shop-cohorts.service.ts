import { Injectable } from '@nestjs/common';
import { Clock } from '@kizuna/common';
import { ratio, type Ratio } from '../ratio.util';
import { addMonths, monthsAfter, shopMonthOf, type ShopMonth } from '../shop-calendar.util';
import { ShopRollupsReader } from './shop-rollups.reader';

/** Months after the cohort month that a cohort reports (docs/analytics.md, "Retention cohorts"). */
export const COHORT_MONTHS = 12;

export interface CohortRetention {
  offset: number;
  month: ShopMonth;
  /** Customers of the cohort with an order that month. */
  buyers: number;
  share: Ratio;
  /** Shop-currency net revenue of the cohort's orders in the cohort month … this month, per cohort customer. */
  cumulativeRevenuePerCustomer: number | null;
  /** The current month: not over yet. */
  partial: boolean;
}

export interface Cohort {
  month: ShopMonth;
  customers: number;
  retention: CohortRetention[];
}

/**
 * Retention cohorts by month of first order, from `cohort_monthly` (one row per cohort, month and
 * slot: at most 12 cohorts × 13 months × 16 slots for a year of cohorts). Months after the
 * current one have no value and are left out; the current one is marked partial.
 */
@Injectable()
export class ShopCohortsService {
  constructor(
    private readonly reader: ShopRollupsReader,
    private readonly clock: Clock,
  ) {}

  /** The current shop month (the last cohort month with data so far). */
  currentMonth(): ShopMonth {
    return shopMonthOf(this.clock.now().getTime(), this.reader.timeZone);
  }

  async cohorts(from: ShopMonth, to: ShopMonth): Promise<Cohort[]> {
    const { rollups } = await this.reader.ready();
    const cells = await rollups.cohortCells(from, to);
    const cell = new Map(cells.map((c) => [`${c.cohort}|${c.month}`, c]));
    const current = this.currentMonth();
    const cohorts: Cohort[] = [];
    for (let i = 0; i <= monthsAfter(from, to); i++) {
      const month = addMonths(from, i);
      // Month 0: every customer of the cohort ordered in it (their first order).
      const customers = cell.get(`${month}|${month}`)?.customers ?? 0;
      const retention: CohortRetention[] = [];
      let revenue = 0;
      for (let offset = 0; offset <= Math.min(COHORT_MONTHS, monthsAfter(month, current)); offset++) {
        const later = addMonths(month, offset);
        const found = cell.get(`${month}|${later}`);
        revenue += found?.revenue ?? 0;
        retention.push({
          offset,
          month: later,
          buyers: found?.customers ?? 0,
          share: ratio(found?.customers ?? 0, customers),
          cumulativeRevenuePerCustomer: customers === 0 ? null : revenue / customers,
          partial: later === current,
        });
      }
      cohorts.push({ month, customers, retention });
    }
    return cohorts;
  }
}
