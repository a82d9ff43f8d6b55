import { createHash } from 'node:crypto';
import type { Comparison, Condition, EventMatch, PurchaseStat } from './journey-definition.schema';
import type { CustomerFacts } from './customer-facts';

const DAY_MS = 86_400_000;

/** What a condition is evaluated against. */
export interface ConditionScope {
  /** Properties of the event in scope (the matched event, or in a branch the trigger). */
  properties: Record<string, unknown>;
  facts: CustomerFacts;
  /** Epoch ms, for stats such as daysSinceLastOrder. */
  now: number;
}

export function evaluate(condition: Condition, scope: ConditionScope): boolean {
  if ('all' in condition) {
    return condition.all.every((c) => evaluate(c, scope));
  }
  if ('any' in condition) {
    return condition.any.some((c) => evaluate(c, scope));
  }
  if ('not' in condition) {
    return !evaluate(condition.not, scope);
  }
  if ('inSegment' in condition) {
    return scope.facts.segments.includes(condition.inSegment);
  }
  if ('property' in condition) {
    return compare(lookup(scope.properties, condition.property), condition.op, condition.value);
  }
  if ('attribute' in condition) {
    return compare(lookup(scope.facts.attributes, condition.attribute), condition.op, condition.value);
  }
  return compare(statOf(condition.stat, scope), condition.op, condition.value);
}

/** Does an event match: its name, its filter, and (when asked) the instance key. */
export function matchesEvent(
  match: EventMatch,
  event: { name: string; properties: Record<string, unknown> },
  instanceKey: string | null,
  facts: CustomerFacts,
  now: number,
): boolean {
  if (event.name !== match.event) {
    return false;
  }
  if (match.sameKey !== undefined) {
    const value = lookup(event.properties, match.sameKey);
    if (
      instanceKey === null ||
      (typeof value !== 'string' && typeof value !== 'number') ||
      String(value) !== instanceKey
    ) {
      return false;
    }
  }
  return match.where === undefined || evaluate(match.where, { properties: event.properties, facts, now });
}

/**
 * A dotted path into plain data: `items.0.id`. Own properties only: `constructor` in a
 * marketer's path must find the data, not Object.prototype (a list's own `length` still counts).
 */
export function lookup(data: Record<string, unknown>, path: string): unknown {
  let current: unknown = data;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, part)) {
      return undefined;
    }
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

function statOf(stat: PurchaseStat, scope: ConditionScope): number | undefined {
  const { facts, now } = scope;
  switch (stat) {
    case 'ordersCount':
      return facts.ordersCount;
    case 'revenue':
      return facts.revenue;
    case 'daysSinceLastOrder':
      return facts.lastOrderAt === undefined ? undefined : (now - facts.lastOrderAt) / DAY_MS;
    case 'daysSinceFirstOrder':
      return facts.firstOrderAt === undefined ? undefined : (now - facts.firstOrderAt) / DAY_MS;
  }
}

function compare(actual: unknown, op: Comparison, expected: unknown): boolean {
  switch (op) {
    case 'exists':
      return actual !== undefined && actual !== null;
    case 'notExists':
      return actual === undefined || actual === null;
    case 'eq':
      return same(actual, expected);
    case 'neq':
      return !same(actual, expected);
    case 'in':
      return Array.isArray(expected) && expected.some((e) => same(actual, e));
    case 'contains':
      if (Array.isArray(actual)) {
        return actual.some((a) => same(a, expected));
      }
      return typeof actual === 'string' && typeof expected === 'string' && actual.includes(expected);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return ordered(actual, op, expected);
  }
}

/** Shop ids arrive as numbers or strings; "42" and 42 are the same id. */
function same(a: unknown, b: unknown): boolean {
  if ((typeof a === 'number' || typeof a === 'string') && (typeof b === 'number' || typeof b === 'string')) {
    return String(a) === String(b);
  }
  return a === b;
}

function ordered(actual: unknown, op: 'gt' | 'gte' | 'lt' | 'lte', expected: unknown): boolean {
  const a = typeof actual === 'string' && actual.trim() !== '' ? Number(actual) : actual;
  if (typeof a !== 'number' || typeof expected !== 'number' || Number.isNaN(a)) {
    return false;
  }
  switch (op) {
    case 'gt':
      return a > expected;
    case 'gte':
      return a >= expected;
    case 'lt':
      return a < expected;
    case 'lte':
      return a <= expected;
  }
}

/** A number in [0, 1) fixed by its inputs: the same customer, journey and step always agree. */
export function stableFraction(...parts: string[]): number {
  return createHash('sha256').update(parts.join('\u0000')).digest().readUInt32BE(0) / 0x1_0000_0000;
}
