import { ratioOf, type Ratio } from './format';
import { eachDay, type Period } from './period';
import type { MessageRow } from './use-analytics';

/**
 * The overview's figures for a period, summed from the shop's per-day rows. Every message is
 * dated by its creation day (docs/analytics.md, "Which messages are in a range"), so the sum of
 * the days' numerators over the sum of their denominators is the period's rate exactly.
 */
export interface PeriodFigures {
  created: number;
  sent: number;
  failed: number;
  uniqueOpens: number;
  uniqueClicks: number;
  unsubscribes: number;
  machineOpens: number;
  scannerClicks: number;
  conversions: number;
  /** Messages credited with at least one order: the conversion rate's numerator. */
  convertedMessages: number;
  attributedRevenue: number;
  otherCurrencies: Array<{ currency: string; orders: number; revenue: number }>;
  openRate: Ratio;
  clickRate: Ratio;
  unsubscribeRate: Ratio;
  /** failed / created: the status split's denominator (docs/analytics.md, "Message engagement"). */
  bounceRate: Ratio;
  /** converted messages / sent. */
  conversionRate: Ratio;
  /** attributed revenue / sent. */
  revenuePerRecipient: Ratio;
}

/** The period's figures from per-day rows (days outside the period left out). */
export function sumPeriod(rows: readonly MessageRow[], period: Period): PeriodFigures {
  return sumRows(rows.filter((r) => r.day !== undefined && r.day >= period.from && r.day <= period.to));
}

/**
 * Rows that part the same messages (days, or the steps of one journey) summed: counts add up
 * because each message is in exactly one row, and the rates are made again from the sums.
 */
export function sumRows(rows: readonly MessageRow[]): PeriodFigures {
  const sum = (pick: (r: MessageRow) => number) => rows.reduce((total, r) => total + pick(r), 0);
  const other = new Map<string, { currency: string; orders: number; revenue: number }>();
  for (const r of rows) {
    for (const c of r.otherCurrencies) {
      const seen = other.get(c.currency) ?? { currency: c.currency, orders: 0, revenue: 0 };
      other.set(c.currency, { ...seen, orders: seen.orders + c.orders, revenue: seen.revenue + c.revenue });
    }
  }
  const created = sum((r) => r.created);
  const sent = sum((r) => r.sent);
  const failed = sum((r) => r.failed);
  const uniqueOpens = sum((r) => r.uniqueOpens);
  const uniqueClicks = sum((r) => r.uniqueClicks);
  const unsubscribes = sum((r) => r.unsubscribes);
  // Cents, then back: a sum of many decimal amounts should not show 0.30000000000000004.
  const attributedRevenue = Math.round(sum((r) => Math.round(r.attributedRevenue * 100))) / 100;
  const convertedMessages = sum((r) => r.convertedMessages);
  return {
    created,
    sent,
    failed,
    uniqueOpens,
    uniqueClicks,
    unsubscribes,
    machineOpens: sum((r) => r.machineOpens),
    scannerClicks: sum((r) => r.scannerClicks),
    conversions: sum((r) => r.conversions),
    convertedMessages,
    attributedRevenue,
    otherCurrencies: [...other.values()],
    openRate: ratioOf(uniqueOpens, sent),
    clickRate: ratioOf(uniqueClicks, sent),
    unsubscribeRate: ratioOf(unsubscribes, sent),
    bounceRate: ratioOf(failed, created),
    conversionRate: ratioOf(convertedMessages, sent),
    revenuePerRecipient: ratioOf(attributedRevenue, sent),
  };
}

/** One point a day over the period, days without messages at zero. */
export function dailySeries(rows: readonly MessageRow[], period: Period) {
  const byDay = new Map(rows.map((r) => [r.day, r]));
  return eachDay(period.from, period.to).map((day) => {
    const r = byDay.get(day);
    return {
      day,
      created: r?.created ?? 0,
      sent: r?.sent ?? 0,
      failed: r?.failed ?? 0,
      uniqueOpens: r?.uniqueOpens ?? 0,
      uniqueClicks: r?.uniqueClicks ?? 0,
    };
  });
}

/** A journey fails "too much" from this share of its period's messages failed. */
export const FAILING_SHARE = 0.05;
