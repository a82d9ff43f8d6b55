import { Duration } from 'luxon';
import type { CustomerFacts } from './customer-facts';
import { valueAt } from './field-path.util';
import {
  DATE_FIELDS,
  parseIsoTime,
  type BehaviourLeaf,
  type FieldLeaf,
  type Operator,
  type Rule,
  type WindowSpec,
} from './rule.schema';
import { windowMillis } from './window.util';

const DAY_MS = 86_400_000;

/** What a rule is evaluated against. */
export interface RuleScope {
  customer: CustomerFacts;
  /** Properties of the event in scope (journeys: the event matched, or in a branch the trigger). */
  event?: Record<string, unknown>;
  /** Epoch ms: the engine's clock (database time, or a virtual clock in tests and the simulator). */
  now: number;
}

export interface RuleVerdict {
  matches: boolean;
  /**
   * The earliest moment (epoch ms) at which time passing alone could change the answer: a
   * purchase ageing past a window, an email open leaving the 30-day window. Segments store it per
   * customer and re-evaluate then; nothing scans customers.
   */
  recheckAt: number | undefined;
}

/** Pure: the same rule, facts and now always give the same verdict (docs/conditions.md). */
export function evaluateRule(rule: Rule, scope: RuleScope): RuleVerdict {
  if ('all' in rule || 'any' in rule) {
    const parts = ('all' in rule ? rule.all : rule.any).map((r) => evaluateRule(r, scope));
    const matches = 'all' in rule ? parts.every((p) => p.matches) : parts.some((p) => p.matches);
    return { matches, recheckAt: earliest(parts.map((p) => p.recheckAt)) };
  }
  if ('not' in rule) {
    const inner = evaluateRule(rule.not, scope);
    return { matches: !inner.matches, recheckAt: inner.recheckAt };
  }
  if ('inSegment' in rule) {
    return { matches: scope.customer.segments.includes(rule.inSegment), recheckAt: undefined };
  }
  if ('event' in rule) {
    return behaviour(rule, scope);
  }
  return fieldLeaf(rule, scope);
}

export function matchesRule(rule: Rule, scope: RuleScope): boolean {
  return evaluateRule(rule, scope).matches;
}

/** Every event name a rule counts, so the caller loads just those timestamps. */
export function eventsCountedBy(rule: Rule): Array<{ name: string; within: string; atLeast: number }> {
  if ('all' in rule || 'any' in rule) {
    return ('all' in rule ? rule.all : rule.any).flatMap(eventsCountedBy);
  }
  if ('not' in rule) {
    return eventsCountedBy(rule.not);
  }
  return 'event' in rule ? [{ name: rule.event, within: rule.within, atLeast: rule.atLeast }] : [];
}

/** The value a field names for this customer (and event): undefined when there is none. */
export function fieldValue(field: string, scope: RuleScope): unknown {
  const { customer, now } = scope;
  const dot = field.indexOf('.');
  const root = dot === -1 ? field : field.slice(0, dot);
  const rest = field.slice(dot + 1);
  switch (root) {
    case 'attributes':
      return valueAt(customer.attributes, rest);
    case 'event':
      return scope.event === undefined ? undefined : valueAt(scope.event, rest);
    case 'email':
      return customer.email;
    case 'locale':
      return customer.locale;
    case 'timezone':
      return customer.timezone;
    case 'emailConsent':
      return customer.emailConsent;
    case 'stats':
      switch (rest) {
        case 'ordersCount':
          return customer.stats.ordersCount;
        case 'revenue':
          return customer.stats.revenue;
        case 'averageOrderValue':
          return customer.stats.averageOrderValue;
        case 'firstOrderAt':
          return customer.stats.firstOrderAt;
        case 'lastOrderAt':
          return customer.stats.lastOrderAt;
        case 'daysSinceFirstOrder':
          return daysSince(customer.stats.firstOrderAt, now);
        case 'daysSinceLastOrder':
          return daysSince(customer.stats.lastOrderAt, now);
        default:
          return undefined;
      }
    default:
      return undefined;
  }
}

function daysSince(at: number | null, now: number): number | undefined {
  return at === null ? undefined : (now - at) / DAY_MS;
}

function fieldLeaf(leaf: FieldLeaf, scope: RuleScope): RuleVerdict {
  const actual = fieldValue(leaf.field, scope);
  if (leaf.op === 'within' || leaf.op === 'notWithin') {
    return window(leaf, actual, scope);
  }
  return { matches: compare(leaf.field, actual, leaf.op, leaf.value), recheckAt: ageingCrossing(leaf, scope) };
}

function compare(
  field: string,
  actual: unknown,
  op: Exclude<Operator, 'within' | 'notWithin'>,
  expected: unknown,
): boolean {
  switch (op) {
    case 'exists':
      return present(actual);
    case 'notExists':
      return !present(actual);
    case 'eq':
      return same(actual, expected);
    case 'neq':
      return !same(actual, expected);
    case 'in':
      return oneOf(actual, expected);
    case 'notIn':
      return !oneOf(actual, expected);
    case 'contains':
      if (Array.isArray(actual)) {
        return actual.some((element) => same(element, expected));
      }
      return typeof actual === 'string' && fold(actual).includes(fold(String(expected)));
    case 'startsWith':
      return typeof actual === 'string' && fold(actual).startsWith(fold(String(expected)));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return ordered(field, actual, op, expected);
  }
}

/** Absent: missing, null or the empty string (a blank form field is no answer). */
function present(value: unknown): boolean {
  return value !== undefined && value !== null && value !== '';
}

const DECIMAL = /^\s*-?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/;

/** A string that reads as a decimal number, as that number: shops send ids and amounts both ways. */
function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) ? value : undefined;
  }
  return typeof value === 'string' && DECIMAL.test(value) ? Number(value) : undefined;
}

/** Equality: exact for text (case matters) and true/false; a number equals its decimal text. */
function same(actual: unknown, expected: unknown): boolean {
  if (typeof actual === typeof expected && typeof actual !== 'object') {
    return actual === expected;
  }
  if (
    (typeof actual === 'number' && typeof expected === 'string') ||
    (typeof actual === 'string' && typeof expected === 'number')
  ) {
    const a = asNumber(actual);
    return a !== undefined && a === asNumber(expected);
  }
  return false;
}

/** `in`: the value is one of the list; a list value is in when any of its elements is. */
function oneOf(actual: unknown, expected: unknown): boolean {
  if (!Array.isArray(expected)) {
    return false;
  }
  const candidates = Array.isArray(actual) ? actual : [actual];
  return candidates.some((a) => expected.some((e) => same(a, e)));
}

/** Text matching that ignores case and width (ＡＢＣ = abc, ｶﾅ = カナ). */
function fold(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** Numbers against numbers (decimal text counts), dates against an ISO date in the rule. */
function ordered(field: string, actual: unknown, op: 'gt' | 'gte' | 'lt' | 'lte', expected: unknown): boolean {
  let a: number | undefined;
  let b: number | undefined;
  if (typeof expected === 'number') {
    a = DATE_FIELDS.has(field) ? undefined : asNumber(actual);
    b = expected;
  } else if (typeof expected === 'string') {
    a = timeOf(field, actual);
    b = parseIsoTime(expected);
  }
  if (a === undefined || b === undefined) {
    return false;
  }
  switch (op) {
    case 'gt':
      return a > b;
    case 'gte':
      return a >= b;
    case 'lt':
      return a < b;
    case 'lte':
      return a <= b;
  }
}

/** A moment in time: the stats' dates, or an ISO-8601 date held in attributes or the event. */
function timeOf(field: string, value: unknown): number | undefined {
  if (DATE_FIELDS.has(field)) {
    return typeof value === 'number' ? value : undefined;
  }
  return typeof value === 'string' ? parseIsoTime(value) : undefined;
}

/** within: the date exists and is at most the window ago; notWithin: absent, or older. */
function window(leaf: FieldLeaf, actual: unknown, scope: RuleScope): RuleVerdict {
  const at = timeOf(leaf.field, actual);
  if (at === undefined) {
    return { matches: leaf.op === 'notWithin', recheckAt: undefined };
  }
  const boundary = at + windowMillis(leaf.value as WindowSpec, scope.customer.stats);
  const within = scope.now <= boundary;
  return {
    matches: leaf.op === 'within' ? within : !within,
    // The answer flips once the date ages past the window.
    recheckAt: within ? boundary + 1 : undefined,
  };
}

/** `stats.daysSince* > n` turns true by time alone: when the order is n days old. */
function ageingCrossing(leaf: FieldLeaf, scope: RuleScope): number | undefined {
  if (leaf.field !== 'stats.daysSinceLastOrder' && leaf.field !== 'stats.daysSinceFirstOrder') {
    return undefined;
  }
  const at =
    leaf.field === 'stats.daysSinceLastOrder' ? scope.customer.stats.lastOrderAt : scope.customer.stats.firstOrderAt;
  const days = asNumber(leaf.value);
  if (at === null || days === undefined || !['gt', 'gte', 'lt', 'lte', 'eq', 'neq'].includes(leaf.op)) {
    return undefined;
  }
  const crossing = at + days * DAY_MS;
  return scope.now <= crossing ? crossing + 1 : undefined;
}

function behaviour(leaf: BehaviourLeaf, scope: RuleScope): RuleVerdict {
  const span = Duration.fromISO(leaf.within).toMillis();
  // Own names only: an event may be called `constructor`.
  const seen = Object.hasOwn(scope.customer.events, leaf.event) ? scope.customer.events[leaf.event]! : [];
  const recent = seen.filter((t) => scope.now - t <= span).sort((a, b) => b - a);
  if (recent.length < leaf.atLeast) {
    return { matches: false, recheckAt: undefined };
  }
  // Still true until the atLeast-th most recent event leaves the window.
  return { matches: true, recheckAt: recent[leaf.atLeast - 1]! + span + 1 };
}

function earliest(times: Array<number | undefined>): number | undefined {
  let best: number | undefined;
  for (const t of times) {
    if (t !== undefined && (best === undefined || t < best)) {
      best = t;
    }
  }
  return best;
}
