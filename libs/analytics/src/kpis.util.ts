import { ratio, type Ratio } from './ratio.util';
import {
  addMonths,
  monthsAfter,
  shiftShopDay,
  shopMonthOf,
  trailingDays,
  type Instants,
  type ShopDay,
  type ShopMonth,
} from './shop-calendar.util';

/**
 * The shop's health figures (docs/analytics.md, "Shop KPIs" and "NPS"). The counts come from
 * rollups; these functions hold the definitions, so the API and the console cannot drift apart.
 */

export const DEFAULT_CHURN_DAYS = 90;
export const MAX_LIFESPAN_YEARS = 10;

/** AOV = net revenue / orders (orders in the shop currency, see "Currencies"). */
export function averageOrderValue(revenue: number, orders: number): Ratio {
  return ratio(revenue, orders);
}

/** Orders per buyer over a window (the trailing 365 days for the yearly frequency). */
export function purchaseFrequency(orders: number, buyers: number): Ratio {
  return ratio(orders, buyers);
}

/** Buyers with at least two orders in the window / buyers in the window. */
export function repeatPurchaseRate(repeatBuyers: number, buyers: number): Ratio {
  return ratio(repeatBuyers, buyers);
}

/** Buyers of the previous N days with no order in the last N days / buyers of the previous N days. */
export function churnRate(lapsedBuyers: number, previousBuyers: number): Ratio {
  return ratio(lapsedBuyers, previousBuyers);
}

/**
 * The two windows churn compares as of shop day D: the N days ending with D (current) and the N
 * days before them (previous). A buyer of the previous window with no order in the current one
 * has a last order more than N days old: churned.
 */
export function churnWindows(asOf: ShopDay, days: number, timeZone: string): { previous: Instants; current: Instants } {
  return {
    previous: trailingDays(shiftShopDay(asOf, days, timeZone), days, timeZone),
    current: trailingDays(asOf, days, timeZone),
  };
}

export interface LifetimeValue {
  value: number | null;
  lifespanYears: number | null;
  /** True when the lifespan is the 10-year cap rather than 1 / churn. */
  capped: boolean;
}

/**
 * CLV = AOV × yearly purchase frequency × expected lifespan, lifespan = 1 / yearly churn capped
 * at 10 years (no churn at all is the cap too). Unknown when any input is.
 */
export function customerLifetimeValue(
  averageOrderValue: number | null,
  yearlyPurchaseFrequency: number | null,
  yearlyChurn: number | null,
): LifetimeValue {
  if (yearlyChurn === null) {
    return { value: null, lifespanYears: null, capped: false };
  }
  const capped = yearlyChurn * MAX_LIFESPAN_YEARS <= 1;
  const lifespanYears = capped ? MAX_LIFESPAN_YEARS : 1 / yearlyChurn;
  const value =
    averageOrderValue === null || yearlyPurchaseFrequency === null
      ? null
      : averageOrderValue * yearlyPurchaseFrequency * lifespanYears;
  return { value, lifespanYears, capped };
}

export type NpsGroup = 'promoter' | 'passive' | 'detractor';

export function npsGroup(score: number): NpsGroup {
  if (!Number.isInteger(score) || score < 0 || score > 10) {
    throw new RangeError(`an NPS score is a whole number from 0 to 10, got ${score}`);
  }
  return score >= 9 ? 'promoter' : score >= 7 ? 'passive' : 'detractor';
}

export interface NpsAnswer {
  customer: string;
  score: number;
  answeredAt: number;
}

export interface NetPromoterScore {
  promoters: number;
  passives: number;
  detractors: number;
  respondents: number;
  /** % promoters − % detractors, from −100 to 100; null without respondents. */
  score: number | null;
}

/**
 * NPS over the answers given in a period: each customer counts once, with their latest answer in
 * the period (on equal times, the one recorded last: answers are passed in recording order).
 */
export function netPromoterScore(answers: readonly NpsAnswer[], period: Instants): NetPromoterScore {
  const latest = new Map<string, NpsAnswer>();
  for (const answer of answers) {
    npsGroup(answer.score);
    if (answer.answeredAt >= period.start && answer.answeredAt < period.end) {
      const seen = latest.get(answer.customer);
      if (!seen || answer.answeredAt >= seen.answeredAt) {
        latest.set(answer.customer, answer);
      }
    }
  }
  const counts = { promoter: 0, passive: 0, detractor: 0 };
  for (const answer of latest.values()) {
    counts[npsGroup(answer.score)]++;
  }
  return npsFromCounts(counts.promoter, counts.passive, counts.detractor);
}

/** NPS from the counts of customers in each group (each customer counted once, already). */
export function npsFromCounts(promoters: number, passives: number, detractors: number): NetPromoterScore {
  const respondents = promoters + passives + detractors;
  return {
    promoters,
    passives,
    detractors,
    respondents,
    score: respondents === 0 ? null : (100 * (promoters - detractors)) / respondents,
  };
}

/** The scores of each group, both ends included. */
export const NPS_GROUP_SCORES: Readonly<Record<NpsGroup, { min: number; max: number }>> = {
  promoter: { min: 9, max: 10 },
  passive: { min: 7, max: 8 },
  detractor: { min: 0, max: 6 },
};

/**
 * NPS month by month across a period (every shop month it touches, empty ones included), each
 * month on its own: a customer who answered in March and again in May counts in both months.
 */
export function npsByMonth(
  answers: readonly NpsAnswer[],
  period: Instants,
  timeZone: string,
): Array<NetPromoterScore & { month: ShopMonth }> {
  const first = shopMonthOf(period.start, timeZone);
  const count = monthsAfter(first, shopMonthOf(period.end - 1, timeZone)) + 1;
  const byMonth = new Map<ShopMonth, NpsAnswer[]>();
  for (const answer of answers) {
    if (answer.answeredAt >= period.start && answer.answeredAt < period.end) {
      const month = shopMonthOf(answer.answeredAt, timeZone);
      byMonth.set(month, [...(byMonth.get(month) ?? []), answer]);
    }
  }
  const everything = { start: -Infinity, end: Infinity };
  return Array.from({ length: count }, (_, i) => {
    const month = addMonths(first, i);
    return { month, ...netPromoterScore(byMonth.get(month) ?? [], everything) };
  });
}
