import { Duration } from 'luxon';
import { z } from 'zod';
import { RESERVED_PATH_SEGMENTS } from './field-path.util';

/**
 * The one condition language of Kizuna (docs/conditions.md): segment rules, journey entry
 * filters, branches, exit rules and goals all use it, and one evaluator (evaluate-rule.ts)
 * gives every rule one meaning wherever it is written.
 *
 *   { "all": [ { "field": "stats.ordersCount", "op": "gte", "value": 2 },
 *              { "field": "attributes.tier", "op": "in", "value": ["gold", "silver"] } ] }
 *   { "field": "stats.lastOrderAt", "op": "notWithin", "value": "P90D" }
 *   { "field": "event.total", "op": "gt", "value": 100 }                 journeys only
 *   { "event": "email.opened", "within": "P30D", "atLeast": 1 }          behaviour
 *   { "inSegment": "vip" }                                               journeys only
 *
 * Journeys written before the rules core used `{ property }`, `{ attribute }` and `{ stat }`
 * leaves; they are still accepted and rewritten to `field` form when parsed.
 */

export const OPERATORS = [
  'eq',
  'neq',
  'in',
  'notIn',
  'gt',
  'gte',
  'lt',
  'lte',
  'contains',
  'startsWith',
  'exists',
  'notExists',
  'within',
  'notWithin',
] as const;
export type Operator = (typeof OPERATORS)[number];

/** Fields with a fixed meaning; `attributes.<path>` and `event.<path>` reach into data. */
export const PROFILE_FIELDS = ['email', 'locale', 'timezone', 'emailConsent'] as const;
export const STAT_FIELDS = [
  'stats.ordersCount',
  'stats.revenue',
  'stats.averageOrderValue',
  'stats.firstOrderAt',
  'stats.lastOrderAt',
  'stats.daysSinceFirstOrder',
  'stats.daysSinceLastOrder',
] as const;
/** Fields whose value is a moment in time (epoch ms in the facts). */
export const DATE_FIELDS: ReadonlySet<string> = new Set(['stats.firstOrderAt', 'stats.lastOrderAt']);

export type Scalar = string | number | boolean;

/** A window: a fixed ISO-8601 duration, or a multiple of the customer's own buying cycle. */
export type WindowSpec = string | { cycles: number; fallback: string; atLeast?: string };

export interface FieldLeaf {
  field: string;
  op: Operator;
  value?: Scalar | Scalar[] | WindowSpec;
}
export interface BehaviourLeaf {
  event: string;
  within: string;
  atLeast: number;
}
export interface SegmentLeaf {
  inSegment: string;
}
export type Rule = { all: Rule[] } | { any: Rule[] } | { not: Rule } | FieldLeaf | BehaviourLeaf | SegmentLeaf;

/**
 * Where a rule is written. A segment rule has no event in scope and cannot name another segment
 * (membership would depend on evaluation order); a journey condition can do both.
 */
export type RuleContext = 'segment' | 'journey';

/** Longer windows are typos, and would put recheck times past what a date can hold. */
const MAX_WINDOW_MS = Duration.fromObject({ years: 100 }).toMillis();

export const isoDuration = z.string().refine((text) => {
  const d = Duration.fromISO(text);
  return d.isValid && d.toMillis() > 0 && d.toMillis() <= MAX_WINDOW_MS;
}, 'must be a positive ISO-8601 duration such as P30D or PT12H, at most P100Y');

const windowSpec = z.union([
  isoDuration,
  z.strictObject({
    /** Multiples of the customer's average time between orders. */
    cycles: z.number().positive().max(100),
    /** Used while the customer has fewer than two orders (no cycle yet). */
    fallback: isoDuration,
    /** Never shorter than this, however fast the customer buys. */
    atLeast: isoDuration.optional(),
  }),
]);

const scalar = z.union([z.string().max(1000), z.number().finite(), z.boolean()]);
const PATH = /^[\w-]+(\.[\w-]+)*$/;
const ISO_DATE = /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/** Epoch ms of an ISO-8601 date or date-time written in a rule or stored in data, else undefined. */
export function parseIsoTime(text: string): number | undefined {
  if (!ISO_DATE.test(text)) {
    return undefined;
  }
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function fieldProblem(field: string, context: RuleContext): string | undefined {
  if ((PROFILE_FIELDS as readonly string[]).includes(field) || (STAT_FIELDS as readonly string[]).includes(field)) {
    return undefined;
  }
  const [root, ...rest] = field.split('.');
  const path = rest.join('.');
  if ((root === 'attributes' || root === 'event') && PATH.test(path)) {
    if (rest.some((part) => RESERVED_PATH_SEGMENTS.has(part))) {
      return `"${field}" names a reserved word (__proto__, constructor, prototype)`;
    }
    if (root === 'event' && context === 'segment') {
      return `"${field}": a segment rule has no event in scope; event.* fields are for journey conditions`;
    }
    return undefined;
  }
  return `unknown field "${field}": use one of ${[...PROFILE_FIELDS, ...STAT_FIELDS].join(', ')}, attributes.<name>${
    context === 'journey' ? ' or event.<property>' : ''
  }`;
}

/** What value each operator takes; the message says it in the marketer's words. */
function valueProblem(op: Operator, value: unknown, field: string): string | undefined {
  const isScalar = scalar.safeParse(value).success;
  switch (op) {
    case 'exists':
    case 'notExists':
      return value === undefined ? undefined : `op "${op}" takes no value`;
    case 'eq':
    case 'neq':
    case 'contains':
      return isScalar ? undefined : `op "${op}" needs a text, number or true/false value`;
    case 'startsWith':
      return typeof value === 'string' && value !== '' ? undefined : 'op "startsWith" needs a non-empty text value';
    case 'in':
    case 'notIn':
      return Array.isArray(value) &&
        value.length > 0 &&
        value.length <= 1000 &&
        value.every((v) => scalar.safeParse(v).success)
        ? undefined
        : `op "${op}" needs a list of 1 to 1000 text, number or true/false values`;
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      if (typeof value === 'number' && Number.isFinite(value)) {
        return undefined;
      }
      return typeof value === 'string' && parseIsoTime(value) !== undefined
        ? undefined
        : `op "${op}" needs a number, or an ISO-8601 date such as 2026-01-31`;
    case 'within':
    case 'notWithin':
      if (field.startsWith('stats.') && !DATE_FIELDS.has(field)) {
        return `op "${op}" compares a date: use stats.firstOrderAt, stats.lastOrderAt, or a date held in attributes/event`;
      }
      return windowSpec.safeParse(value).success
        ? undefined
        : `op "${op}" needs a window: an ISO-8601 duration such as P90D, or { cycles, fallback, atLeast? }`;
  }
}

const fieldLeafShape = z.strictObject({
  field: z.string().min(1).max(300),
  op: z.enum(OPERATORS, { error: `must be one of ${OPERATORS.join(', ')}` }),
  value: z.unknown().optional(),
});

const behaviourLeaf = z.strictObject({
  event: z.string().min(1).max(200),
  within: isoDuration,
  atLeast: z.number().int().positive().max(10_000).default(1),
});

/** The journey leaves of the first format, rewritten to `field` form (docs/conditions.md#earlier-forms). */
const LEGACY_LEAVES = { property: 'event.', attribute: 'attributes.', stat: 'stats.' } as const;
const LEGACY_STATS = new Set(['ordersCount', 'revenue', 'daysSinceLastOrder', 'daysSinceFirstOrder']);

/** Rules nest; past this depth a rule is refused (a marketer never needs it, a stack might). */
export const MAX_RULE_DEPTH = 20;

interface RuleIssue {
  path: PropertyKey[];
  message: string;
}

const SHAPES = '{ all: [...] }, { any: [...] }, { not: ... }, { field, op, value }, { event, within, atLeast }';

/**
 * Reads one node of a rule. Hand-dispatched on its keys rather than a zod union, so a mistake is
 * reported where it is (`branches[0].when.all[1].value: op "in" needs a list`) instead of as
 * "matches none of seven shapes"; zod still checks each leaf.
 */
function parseNode(
  input: unknown,
  context: RuleContext,
  path: PropertyKey[],
  issues: RuleIssue[],
  depth = 1,
): Rule | undefined {
  if (depth > MAX_RULE_DEPTH) {
    issues.push({ path, message: `nests deeper than ${MAX_RULE_DEPTH} levels` });
    return undefined;
  }
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    issues.push({ path, message: `must be a rule: one of ${SHAPES}${context === 'journey' ? ', { inSegment }' : ''}` });
    return undefined;
  }
  const node = input as Record<string, unknown>;
  const has = (key: string): boolean => Object.hasOwn(node, key);
  const onlyKey = (key: string): boolean => {
    const extra = Object.keys(node).filter((k) => k !== key);
    if (extra.length > 0) {
      issues.push({
        path,
        message: `"${key}" stands alone in its object; unexpected ${extra.map((k) => `"${k}"`).join(', ')}`,
      });
      return false;
    }
    return true;
  };
  for (const group of ['all', 'any'] as const) {
    if (has(group)) {
      const list = node[group];
      if (!onlyKey(group)) {
        return undefined;
      }
      if (!Array.isArray(list) || list.length === 0 || list.length > 100) {
        issues.push({ path: [...path, group], message: 'must be a list of 1 to 100 rules' });
        return undefined;
      }
      const parts = list.map((child, i) => parseNode(child, context, [...path, group, i], issues, depth + 1));
      return parts.every((p) => p !== undefined) ? ({ [group]: parts } as Rule) : undefined;
    }
  }
  if (has('not')) {
    if (!onlyKey('not')) {
      return undefined;
    }
    const inner = parseNode(node.not, context, [...path, 'not'], issues, depth + 1);
    return inner && { not: inner };
  }
  if (has('inSegment')) {
    if (context === 'segment') {
      issues.push({ path, message: 'a segment rule cannot name another segment; copy its rule instead' });
      return undefined;
    }
    return leaf(z.strictObject({ inSegment: z.string().min(1).max(200) }), node, path, issues);
  }
  if (has('field')) {
    const parsed = leaf(fieldLeafShape, node, path, issues);
    return parsed && checkedFieldLeaf(parsed as FieldLeaf, context, path, issues);
  }
  if (has('event')) {
    return leaf(behaviourLeaf, node, path, issues);
  }
  for (const [key, prefix] of Object.entries(LEGACY_LEAVES)) {
    if (has(key)) {
      const { [key]: name, op = 'eq', ...rest } = node;
      if (typeof name !== 'string' || (key === 'stat' ? !LEGACY_STATS.has(name) : !PATH.test(name))) {
        issues.push({ path: [...path, key], message: 'must be a property name, dotted for nested ones' });
        return undefined;
      }
      const parsed = leaf(fieldLeafShape, { field: `${prefix}${name}`, op, ...rest }, path, issues);
      return parsed && checkedFieldLeaf(parsed as FieldLeaf, context, path, issues);
    }
  }
  issues.push({ path, message: `must be a rule: one of ${SHAPES}${context === 'journey' ? ', { inSegment }' : ''}` });
  return undefined;
}

function leaf(schema: z.ZodType, node: unknown, path: PropertyKey[], issues: RuleIssue[]): Rule | undefined {
  const result = schema.safeParse(node);
  if (result.success) {
    return result.data as Rule;
  }
  for (const issue of result.error.issues) {
    issues.push({ path: [...path, ...issue.path], message: issue.message });
  }
  return undefined;
}

function checkedFieldLeaf(
  parsed: FieldLeaf,
  context: RuleContext,
  path: PropertyKey[],
  issues: RuleIssue[],
): FieldLeaf | undefined {
  const fieldIssue = fieldProblem(parsed.field, context);
  const valueIssue = valueProblem(parsed.op, parsed.value, parsed.field);
  if (fieldIssue) {
    issues.push({ path: [...path, 'field'], message: fieldIssue });
  }
  if (valueIssue) {
    issues.push({ path: [...path, 'value'], message: valueIssue });
  }
  if (fieldIssue || valueIssue) {
    return undefined;
  }
  const { field, op, value } = parsed;
  return value === undefined ? { field, op } : { field, op, value };
}

function buildRuleSchema(context: RuleContext): z.ZodType<Rule, unknown> {
  return z.unknown().transform((input, ctx) => {
    const issues: RuleIssue[] = [];
    const rule = parseNode(input, context, [], issues);
    for (const issue of issues) {
      ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
    }
    return rule ?? z.NEVER;
  });
}

/** Validates a segment rule and returns it in canonical form. */
export const segmentRuleSchema = buildRuleSchema('segment');
/** Validates a journey condition (entry filter, branch, exit, goal) and returns it in canonical form. */
export const journeyConditionSchema = buildRuleSchema('journey');
