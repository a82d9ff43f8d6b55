import { Duration } from 'luxon';
import { z } from 'zod';

/**
 * The segment rule language: AND / OR / NOT over leaves about the profile, purchase stats and
 * behaviour. Rules are data, validated here before a segment is saved.
 *
 *   { "all": [ { "field": "stats.ordersCount", "op": "gte", "value": 2 },
 *              { "field": "locale", "op": "startsWith", "value": "ja" } ] }
 *   { "field": "stats.lastOrderAt", "op": "notWithin", "value": "P90D" }            no order in 90 days
 *   { "field": "stats.lastOrderAt", "op": "notWithin", "value": { "cycles": 2, "fallback": "P90D" } }
 *   { "event": "email.opened", "within": "P30D", "atLeast": 1 }                    opened in 30 days
 */

/** Longer windows are typos, and would put recheck times past what a date can hold. */
const MAX_WINDOW_MS = Duration.fromObject({ years: 100 }).toMillis();

export const isoDuration = z.string().refine((text) => {
  const d = Duration.fromISO(text);
  return d.isValid && d.toMillis() > 0 && d.toMillis() <= MAX_WINDOW_MS;
}, 'must be a positive ISO-8601 duration such as P30D or PT12H, at most P100Y');

/** Fields a leaf can test. `attributes.<name>` reaches any profile attribute. */
const valueField = z.union([
  z.enum([
    'email',
    'locale',
    'timezone',
    'emailConsent',
    'stats.ordersCount',
    'stats.revenue',
    'stats.averageOrderValue',
  ]),
  z.string().regex(/^attributes\.[\w.-]+$/, 'must be a known field or attributes.<name>'),
]);
const dateField = z.enum(['stats.firstOrderAt', 'stats.lastOrderAt']);

const scalar = z.union([z.string(), z.number(), z.boolean()]);

const compareLeaf = z
  .object({
    field: valueField,
    op: z.enum(['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'startsWith', 'contains', 'exists']),
    value: z.union([scalar, z.array(scalar)]).optional(),
  })
  .strict()
  .superRefine((leaf, ctx) => {
    if (leaf.op === 'exists') {
      return;
    }
    if (leaf.value === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `op "${leaf.op}" needs a value` });
    } else if (leaf.op === 'in' && !Array.isArray(leaf.value)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'op "in" needs a list' });
    } else if (['gt', 'gte', 'lt', 'lte'].includes(leaf.op) && typeof leaf.value !== 'number') {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `op "${leaf.op}" needs a number` });
    }
  });

/** A window: a fixed duration, or a multiple of the customer's own buying cycle. */
const windowSpec = z.union([
  isoDuration,
  z
    .object({
      /** Multiples of the customer's average time between orders. */
      cycles: z.number().positive().max(100),
      /** Used while the customer has fewer than two orders (no cycle yet). */
      fallback: isoDuration,
      /** Never shorter than this, however fast the customer buys. */
      atLeast: isoDuration.optional(),
    })
    .strict(),
]);

const timeLeaf = z
  .object({
    field: dateField,
    /** within: the date exists and is at most `value` ago. notWithin: absent, or older. */
    op: z.enum(['within', 'notWithin']),
    value: windowSpec,
  })
  .strict();

const behaviourLeaf = z
  .object({
    event: z.string().min(1).max(200),
    within: isoDuration,
    atLeast: z.number().int().positive().default(1),
  })
  .strict();

export type CompareLeaf = z.infer<typeof compareLeaf>;
export type TimeLeaf = z.infer<typeof timeLeaf>;
export type BehaviourLeaf = z.infer<typeof behaviourLeaf>;
export type WindowSpec = z.infer<typeof windowSpec>;
export type SegmentRule =
  CompareLeaf | TimeLeaf | BehaviourLeaf | { all: SegmentRule[] } | { any: SegmentRule[] } | { not: SegmentRule };

export const segmentRuleSchema: z.ZodType<SegmentRule> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(segmentRuleSchema).min(1) }).strict(),
    z.object({ any: z.array(segmentRuleSchema).min(1) }).strict(),
    z.object({ not: segmentRuleSchema }).strict(),
    timeLeaf,
    behaviourLeaf,
    compareLeaf,
  ]),
);
