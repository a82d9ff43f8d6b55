import { Duration } from 'luxon';
import { journeyConditionSchema } from '@kizuna/rules';
import { z } from 'zod';

/**
 * The journey definition format (docs/journeys.md): plain data a marketer writes in JSON or
 * YAML. This schema checks the shape; the compiler then checks what needs the whole definition
 * (step references, cycles, templates, webhook hosts) and builds the XState machine.
 */

/** A signed ISO-8601 duration such as PT1H, P3D or -P1D, as milliseconds. */
export function parseIsoDuration(text: string): number | undefined {
  const negative = text.startsWith('-');
  const duration = Duration.fromISO(negative ? text.slice(1) : text);
  if (!duration.isValid) {
    return undefined;
  }
  const ms = duration.as('milliseconds');
  return negative ? -ms : ms;
}

/**
 * The longest wait, window or offset: a due time further out than this is a typo, and past
 * about 270,000 years it is not even a date (timers could never be stored).
 */
const MAX_DURATION_MS = Duration.fromObject({ years: 100 }).as('milliseconds');

/** Not longer than MAX_DURATION_MS either way (unparseable text is the other refinement's to report). */
const notTooLong = (text: string): boolean => Math.abs(parseIsoDuration(text) ?? 0) <= MAX_DURATION_MS;

const isoDuration = z
  .string()
  .refine((text) => !text.startsWith('-') && (parseIsoDuration(text) ?? 0) > 0, {
    error: (issue) => `invalid duration ${JSON.stringify(issue.input)}: use ISO-8601 such as PT1H or P3D`,
  })
  .refine(notTooLong, { error: (issue) => `duration ${JSON.stringify(issue.input)} is longer than P100Y` });

const signedIsoDuration = z
  .string()
  .refine((text) => parseIsoDuration(text) !== undefined, {
    error: (issue) => `invalid offset ${JSON.stringify(issue.input)}: use ISO-8601 such as P1D or -PT12H`,
  })
  .refine(notTooLong, { error: (issue) => `offset ${JSON.stringify(issue.input)} is longer than P100Y` });

const stepId = z
  .string()
  .regex(/^[A-Za-z0-9][\w-]{0,63}$/, 'must be 1-64 letters, digits, _ or -, starting with a letter or digit');

const propertyPath = z.string().regex(/^[\w-]+(\.[\w-]+)*$/, 'must be a property name, dotted for nested ones');

/** An event to match: its name, an optional filter, and optionally "same key as the instance". */
/** `xstate.*` names are the machine's own (timers, init); a customer event may never pose as one. */
const eventName = z
  .string()
  .min(1)
  .max(200)
  .refine((name) => !name.startsWith('xstate.'), 'event names starting with "xstate." are reserved');

const eventMatch = z.strictObject({
  event: eventName,
  where: journeyConditionSchema.optional(),
  /** The event property that must equal the instance key (e.g. cartId). */
  sameKey: propertyPath.optional(),
});
export type EventMatch = z.output<typeof eventMatch>;

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const waitStep = z.strictObject({
  id: stepId,
  type: z.literal('wait'),
  /** Exactly one of duration, until, untilDate. */
  duration: isoDuration.optional(),
  until: z
    .strictObject({
      time: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24 h)'),
      weekdays: z.array(z.enum(WEEKDAYS)).min(1).optional(),
    })
    .optional(),
  untilDate: z
    .strictObject({
      /** A trigger event property or a profile attribute holding an ISO date or date-time. */
      property: propertyPath.optional(),
      attribute: propertyPath.optional(),
      offset: signedIsoDuration.default('PT0S'),
    })
    .refine(
      (d) => (d.property === undefined) !== (d.attribute === undefined),
      'give exactly one of property, attribute',
    )
    .optional(),
  next: stepId.optional(),
});

const waitForEventStep = z.strictObject({
  id: stepId,
  type: z.literal('waitForEvent'),
  ...eventMatch.shape,
  timeout: isoDuration,
  onEvent: stepId.optional(),
  onTimeout: stepId.optional(),
});

const branchStep = z.strictObject({
  id: stepId,
  type: z.literal('branch'),
  branches: z.array(z.strictObject({ when: journeyConditionSchema, next: stepId.optional() })).min(1),
  otherwise: stepId.optional(),
});

const splitStep = z.strictObject({
  id: stepId,
  type: z.literal('split'),
  paths: z
    .array(
      z.strictObject({
        /** How reports and the history name the path; default its letter by position (A, B, C, ...). */
        name: stepId.optional(),
        weight: z.number().positive().finite(),
        next: stepId.optional(),
      }),
    )
    .min(2)
    .max(26),
  /**
   * Once the A/B test declares a winner (docs/analytics.md, "A/B tests"), new entrants take the
   * winning path; instances already past the split stay where they are.
   */
  autoWinner: z.boolean().default(false),
});

const sendStep = z.strictObject({
  id: stepId,
  type: z.literal('send'),
  channel: z.literal('email').default('email'),
  template: z.string().min(1).max(200),
  category: z.enum(['marketing', 'transactional']),
  /** When a frequency cap holds the message at send time: wait until allowed, or drop it (logged as skipped). */
  whenCapped: z.enum(['defer', 'skip']).default('defer'),
  next: stepId.optional(),
});

const updateProfileStep = z.strictObject({
  id: stepId,
  type: z.literal('updateProfile'),
  attribute: propertyPath,
  value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  next: stepId.optional(),
});

const webhookStep = z.strictObject({
  id: stepId,
  type: z.literal('webhook'),
  url: z.url({ protocol: /^https?$/ }),
  next: stepId.optional(),
});

const exitStep = z.strictObject({ id: stepId, type: z.literal('exit') });

export const stepSchema = z.discriminatedUnion('type', [
  waitStep,
  waitForEventStep,
  branchStep,
  splitStep,
  sendStep,
  updateProfileStep,
  webhookStep,
  exitStep,
]);
export type Step = z.output<typeof stepSchema>;
export type StepType = Step['type'];
export type SplitStep = Extract<Step, { type: 'split' }>;

/** The names of a split's paths, in order: each path's `name`, else its letter by position. */
export function splitPathNames(step: Pick<SplitStep, 'paths'>): string[] {
  return step.paths.map((p, i) => p.name ?? String.fromCharCode(65 + i));
}

/**
 * The one way a path taken is written where the split step is not beside it (a message's split
 * path, the instance's last path): `<split step id>:<path name>`, e.g. `ab:A`. Entries keep the
 * (split step, path name) pair; reports join the two through this function.
 */
export function splitPathKey(splitStepId: string, pathName: string): string {
  return `${splitStepId}:${pathName}`;
}

export const journeyDefinitionSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  description: z.string().max(2000).optional(),
  entry: z.union([
    z.strictObject({
      /** One event name, or several (e.g. checkout.started and cart.updated): any of them enters. */
      event: z.union([eventName, z.array(eventName).min(1).max(20)]),
      where: journeyConditionSchema.optional(),
      key: propertyPath.optional(),
    }),
    z.strictObject({ segment: z.string().min(1) }),
  ]),
  reentry: z
    .union([
      z.strictObject({ mode: z.literal('once') }),
      z.strictObject({ mode: z.literal('whenNotActive') }),
      z.strictObject({ mode: z.literal('afterCooldown'), cooldown: isoDuration }),
    ])
    .default({ mode: 'whenNotActive' }),
  /** Share of entrants (0-0.5) held out: they go through the journey but are sent nothing. */
  holdout: z.number().min(0).max(0.5).default(0),
  /**
   * Higher goes first when a customer's marketing email from several journeys is held by a
   * frequency cap and comes due together (the outbox claims by priority).
   */
  priority: z.number().int().min(-1000).max(1000).default(0),
  /** Time zone for `until` waits when the customer has none. */
  timeZone: z.string().default('UTC'),
  exit: z.array(z.union([eventMatch, z.strictObject({ leftSegment: z.string().min(1) })])).default([]),
  goal: z
    .strictObject({
      ...eventMatch.shape,
      within: isoDuration,
      after: z.enum(['entry', 'message']).default('entry'),
    })
    .optional(),
  steps: z.array(stepSchema).min(1).max(200),
});

export type JourneyDefinitionInput = z.input<typeof journeyDefinitionSchema>;
export type JourneyDefinition = z.output<typeof journeyDefinitionSchema>;
export type EntryRule = JourneyDefinition['entry'];
export type ExitRule = JourneyDefinition['exit'][number];
export type Goal = NonNullable<JourneyDefinition['goal']>;
