import { DateTime } from 'luxon';

/**
 * What one customer's counted orders add to the shop's rollups (docs/analytics.md, "How it is
 * computed"; decision 0034). A change to a customer's orders (a new order, a refund, a
 * cancellation, an earlier first order arriving late) moves the rollups by
 * contribution(after) − contribution(before): exact by construction, whatever the change, and
 * the same function builds the rollups from scratch.
 */

/**
 * A counted (not cancelled) order: when, in which currency, its net of refunds in ten-thousandths
 * of the currency unit (the column's numeric(20, 4)), a whole number so that sums stay exact.
 */
export interface CountedOrder {
  placedAt: number;
  currency: string;
  net: number;
}

export interface RollupShape {
  timeZone: string;
  currency: string;
  /** Window lengths (days) whose buyer coverage is kept. */
  buyerWindows: readonly number[];
  /** Window lengths whose repeat-buyer coverage is kept. */
  repeatWindows: readonly number[];
}

/** Deltas keyed `a|b|...` (see each map), to add to the rollup rows. */
export interface Contribution {
  /** `day|currency` → orders and net revenue placed that shop day. */
  daily: Map<string, { orders: number; revenue: number }>;
  /** `window|day` → coverage delta (+1 where a covered stretch starts, −1 the day after it ends). */
  buyers: Map<string, number>;
  repeat: Map<string, number>;
  /** `cohortMonth|month` (`YYYY-MM-01`) → 1 customer ordering that month, and its shop-currency revenue. */
  cohort: Map<string, { customers: number; revenue: number }>;
}

const DAY_MS = 86_400_000;

/** Shop day as a whole number of days since 1970-01-01 (the calendar date, not an instant). */
function dayNumber(at: number, timeZone: string): number {
  const d = DateTime.fromMillis(at, { zone: timeZone });
  return Date.UTC(d.year, d.month - 1, d.day) / DAY_MS;
}

const isoDay = (day: number): string => new Date(day * DAY_MS).toISOString().slice(0, 10);
const monthOf = (day: number): string => `${isoDay(day).slice(0, 7)}-01`;

function add<T>(map: Map<string, T>, key: string, value: T, plus: (a: T, b: T) => T): void {
  const seen = map.get(key);
  map.set(key, seen === undefined ? value : plus(seen, value));
}

/**
 * The union of closed day intervals [start, end] as a difference array: +1 on the first day of
 * each stretch, −1 on the day after its last. Intervals must come sorted by start.
 */
function coverage(intervals: Array<[number, number]>, window: number, into: Map<string, number>): void {
  let open: [number, number] | undefined;
  const close = () => {
    if (open) {
      add(into, `${window}|${isoDay(open[0])}`, 1, (a, b) => a + b);
      add(into, `${window}|${isoDay(open[1] + 1)}`, -1, (a, b) => a + b);
    }
  };
  for (const [start, end] of intervals) {
    if (open && start <= open[1] + 1) {
      open[1] = Math.max(open[1], end);
    } else {
      close();
      open = [start, end];
    }
  }
  close();
}

export function contribution(orders: readonly CountedOrder[], shape: RollupShape): Contribution {
  const result: Contribution = { daily: new Map(), buyers: new Map(), repeat: new Map(), cohort: new Map() };
  if (orders.length === 0) {
    return result;
  }
  const days = orders.map((o) => ({ ...o, day: dayNumber(o.placedAt, shape.timeZone) })).sort((a, b) => a.day - b.day);
  const first = days[0]!.day;
  for (const o of days) {
    add(result.daily, `${isoDay(o.day)}|${o.currency}`, { orders: 1, revenue: o.net }, (a, b) => ({
      orders: a.orders + b.orders,
      revenue: a.revenue + b.revenue,
    }));
  }
  // A buyer as of D for W days: an order in [D − W + 1, D], so the days D covered are the union
  // of [t, t + W − 1] over their order days t.
  const distinct = [...new Set(days.map((o) => o.day))];
  for (const window of shape.buyerWindows) {
    coverage(
      distinct.map((t) => [t, t + window - 1]),
      window,
      result.buyers,
    );
  }
  // At least two orders in [D − W + 1, D]: two consecutive orders o ≤ o′ with o′ ≤ D ≤ o + W − 1.
  for (const window of shape.repeatWindows) {
    const pairs: Array<[number, number]> = [];
    for (let i = 1; i < days.length; i++) {
      const [o, next] = [days[i - 1]!.day, days[i]!.day];
      if (next <= o + window - 1) {
        pairs.push([next, o + window - 1]);
      }
    }
    coverage(pairs, window, result.repeat);
  }
  // Cohort = the month of the first order; the customer counts once in each month they ordered.
  const cohort = monthOf(first);
  const months = new Map<string, number>();
  for (const o of days) {
    add(months, monthOf(o.day), o.currency === shape.currency ? o.net : 0, (a, b) => a + b);
  }
  for (const [month, revenue] of months) {
    result.cohort.set(`${cohort}|${month}`, { customers: 1, revenue });
  }
  return result;
}

/** `after − before`, with the zero entries left out. */
export function difference(after: Contribution, before: Contribution): Contribution {
  const minus = <T>(
    a: Map<string, T>,
    b: Map<string, T>,
    sub: (x: T, y: T | undefined) => T,
    zero: (x: T) => boolean,
  ) => {
    const out = new Map<string, T>();
    for (const key of new Set([...a.keys(), ...b.keys()])) {
      const value = a.has(key) ? sub(a.get(key)!, b.get(key)) : sub(negate(b.get(key)!), undefined);
      if (!zero(value)) {
        out.set(key, value);
      }
    }
    return out;
  };
  const negate = <T>(x: T): T =>
    (typeof x === 'number'
      ? -x
      : Object.fromEntries(Object.entries(x as Record<string, number>).map(([k, v]) => [k, -v]))) as T;
  const subCounts = <T extends Record<string, number>>(x: T, y: T | undefined): T =>
    (y === undefined ? x : Object.fromEntries(Object.entries(x).map(([k, v]) => [k, v - y[k]!]))) as T;
  const allZero = (x: Record<string, number>) => Object.values(x).every((v) => Math.abs(v) < 1e-9);
  return {
    daily: minus(after.daily, before.daily, subCounts, allZero),
    buyers: minus(
      after.buyers,
      before.buyers,
      (x, y) => x - (y ?? 0),
      (x) => x === 0,
    ),
    repeat: minus(
      after.repeat,
      before.repeat,
      (x, y) => x - (y ?? 0),
      (x) => x === 0,
    ),
    cohort: minus(after.cohort, before.cohort, subCounts, allZero),
  };
}
