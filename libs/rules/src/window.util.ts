import { Duration } from 'luxon';
import type { PurchaseStats } from './customer-facts';
import type { WindowSpec } from './rule.schema';

/** A window in milliseconds; `cycles` uses the customer's average time between orders. */
export function windowMillis(spec: WindowSpec, stats: PurchaseStats): number {
  if (typeof spec === 'string') {
    return Duration.fromISO(spec).toMillis();
  }
  const { ordersCount, firstOrderAt, lastOrderAt } = stats;
  if (ordersCount < 2 || firstOrderAt === null || lastOrderAt === null || lastOrderAt <= firstOrderAt) {
    return Duration.fromISO(spec.fallback).toMillis();
  }
  const cycle = (lastOrderAt - firstOrderAt) / (ordersCount - 1);
  const floor = spec.atLeast ? Duration.fromISO(spec.atLeast).toMillis() : 0;
  return Math.max(floor, Math.round(cycle * spec.cycles));
}
