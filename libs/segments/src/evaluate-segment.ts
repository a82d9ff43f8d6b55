import { Duration } from 'luxon';
import type { BehaviourLeaf, CompareLeaf, SegmentRule, TimeLeaf, WindowSpec } from './segment-rule.schema';
import type { SegmentFacts } from './segment-facts';

export interface SegmentVerdict {
  member: boolean;
  /**
   * The earliest moment at which time passing alone could change the answer (a purchase ageing
   * past a window, an email open leaving the 30-day window). Nothing scans customers: the engine
   * stores this due time per customer and re-evaluates then; any new event re-evaluates at once.
   */
  recheckAt: Date | undefined;
}

/** Pure: the same rule, facts and now always give the same verdict. */
export function evaluateSegment(rule: SegmentRule, facts: SegmentFacts, now: Date): SegmentVerdict {
  if ('all' in rule || 'any' in rule) {
    const parts = ('all' in rule ? rule.all : rule.any).map((r) => evaluateSegment(r, facts, now));
    const member = 'all' in rule ? parts.every((p) => p.member) : parts.some((p) => p.member);
    return { member, recheckAt: earliest(parts.map((p) => p.recheckAt)) };
  }
  if ('not' in rule) {
    const inner = evaluateSegment(rule.not, facts, now);
    return { member: !inner.member, recheckAt: inner.recheckAt };
  }
  if ('event' in rule) {
    return behaviour(rule, facts, now);
  }
  if (rule.op === 'within' || rule.op === 'notWithin') {
    return time(rule, facts, now);
  }
  return { member: compare(rule as CompareLeaf, facts), recheckAt: undefined };
}

/** Every event name a rule counts, so the caller loads just those timestamps. */
export function eventsUsedBy(rule: SegmentRule): Array<{ name: string; within: string; atLeast: number }> {
  if ('all' in rule || 'any' in rule) {
    return ('all' in rule ? rule.all : rule.any).flatMap(eventsUsedBy);
  }
  if ('not' in rule) {
    return eventsUsedBy(rule.not);
  }
  return 'event' in rule ? [{ name: rule.event, within: rule.within, atLeast: rule.atLeast }] : [];
}

function compare(leaf: CompareLeaf, facts: SegmentFacts): boolean {
  const actual = fieldValue(leaf.field, facts);
  const expected = leaf.value;
  switch (leaf.op) {
    case 'exists':
      return actual !== undefined && actual !== null && actual !== '';
    case 'eq':
      return actual === expected;
    case 'neq':
      return actual !== expected;
    case 'in':
      return Array.isArray(expected) && expected.some((v) => v === actual);
    case 'gt':
      return typeof actual === 'number' && actual > (expected as number);
    case 'gte':
      return typeof actual === 'number' && actual >= (expected as number);
    case 'lt':
      return typeof actual === 'number' && actual < (expected as number);
    case 'lte':
      return typeof actual === 'number' && actual <= (expected as number);
    case 'startsWith':
      return typeof actual === 'string' && actual.toLowerCase().startsWith(String(expected).toLowerCase());
    case 'contains':
      return (
        (typeof actual === 'string' && actual.toLowerCase().includes(String(expected).toLowerCase())) ||
        (Array.isArray(actual) && actual.includes(expected))
      );
  }
}

function fieldValue(field: string, facts: SegmentFacts): unknown {
  if (field.startsWith('attributes.')) {
    let value: unknown = facts.attributes;
    for (const key of field.slice('attributes.'.length).split('.')) {
      value =
        value !== null && typeof value === 'object' && Object.hasOwn(value, key)
          ? (value as Record<string, unknown>)[key]
          : undefined;
    }
    return value;
  }
  switch (field) {
    case 'email':
      return facts.email;
    case 'locale':
      return facts.locale;
    case 'timezone':
      return facts.timezone;
    case 'emailConsent':
      return facts.emailConsent;
    case 'stats.ordersCount':
      return facts.stats.ordersCount;
    case 'stats.revenue':
      return facts.stats.revenue;
    case 'stats.averageOrderValue':
      return facts.stats.averageOrderValue;
    default:
      return undefined;
  }
}

function time(leaf: TimeLeaf, facts: SegmentFacts, now: Date): SegmentVerdict {
  const date = leaf.field === 'stats.lastOrderAt' ? facts.stats.lastOrderAt : facts.stats.firstOrderAt;
  if (!date) {
    return { member: leaf.op === 'notWithin', recheckAt: undefined };
  }
  const boundary = new Date(date.getTime() + windowMillis(leaf.value, facts));
  const within = now.getTime() <= boundary.getTime();
  return {
    member: leaf.op === 'within' ? within : !within,
    // The answer flips once the date ages past the window.
    recheckAt: within ? new Date(boundary.getTime() + 1) : undefined,
  };
}

function behaviour(leaf: BehaviourLeaf, facts: SegmentFacts, now: Date): SegmentVerdict {
  const window = Duration.fromISO(leaf.within).toMillis();
  const times = Object.hasOwn(facts.events, leaf.event) ? facts.events[leaf.event]! : [];
  const recent = times.filter((t) => now.getTime() - t.getTime() <= window);
  if (recent.length < leaf.atLeast) {
    return { member: false, recheckAt: undefined };
  }
  // Still a member until the atLeast-th most recent event leaves the window.
  const keeper = [...recent].sort((a, b) => b.getTime() - a.getTime())[leaf.atLeast - 1]!;
  return { member: true, recheckAt: new Date(keeper.getTime() + window + 1) };
}

/** A window in milliseconds; `cycles` uses the customer's average time between orders. */
export function windowMillis(spec: WindowSpec, facts: SegmentFacts): number {
  if (typeof spec === 'string') {
    return Duration.fromISO(spec).toMillis();
  }
  const { ordersCount, firstOrderAt, lastOrderAt } = facts.stats;
  if (ordersCount < 2 || !firstOrderAt || !lastOrderAt || lastOrderAt.getTime() <= firstOrderAt.getTime()) {
    return Duration.fromISO(spec.fallback).toMillis();
  }
  const cycle = (lastOrderAt.getTime() - firstOrderAt.getTime()) / (ordersCount - 1);
  const floor = spec.atLeast ? Duration.fromISO(spec.atLeast).toMillis() : 0;
  return Math.max(floor, Math.round(cycle * spec.cycles));
}

function earliest(dates: Array<Date | undefined>): Date | undefined {
  let best: Date | undefined;
  for (const d of dates) {
    if (d && (!best || d.getTime() < best.getTime())) {
      best = d;
    }
  }
  return best;
}
