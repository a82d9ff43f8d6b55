import { journeyDefinitionSchema } from '@kizuna/journeys';
import { z } from 'zod';

/**
 * Response shapes of the journeys routes, declared in the OpenAPI document so the console's
 * types are generated from them: a renamed field breaks the console's build, not a screen.
 */

const instant = z.string().describe('ISO-8601 date-time');

const journeySummary = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['draft', 'active', 'paused', 'archived']),
  activeVersion: z.number().int().nullable(),
  createdAt: instant,
  updatedAt: instant,
});

export const journeyListView = z.object({
  journeys: z.array(
    journeySummary.extend({
      /** Instances that ever entered (held-out ones included), from the history. */
      entered: z.number().int(),
      /** Instances in the journey now (status active), on any version. */
      activeNow: z.number().int(),
    }),
  ),
});

export const journeyDetailsView = journeySummary.extend({
  versions: z.array(
    z.object({
      version: z.number().int(),
      publishedAt: instant.nullable(),
      createdAt: instant,
      definition: journeyDefinitionSchema,
    }),
  ),
});

export const journeyCountsView = z.object({
  entered: z.number().int(),
  heldOut: z.number().int(),
  goalReached: z.number().int(),
  currentlyIn: z.number().int(),
  exited: z.record(z.string(), z.number().int()),
  steps: z.array(z.object({ stepId: z.string(), entered: z.number().int(), currentlyIn: z.number().int() })),
});

export const stepCustomersView = z.object({
  customers: z.array(
    z.object({
      customerId: z.string().nullable(),
      email: z.string().nullable(),
      instanceKey: z.string(),
      version: z.number().int(),
      enteredAt: instant,
      /** When the instance last moved (reached this step, for a waiting one). */
      since: instant,
      /** The instance's next timer, if it waits on one. */
      nextTimerAt: instant.nullable(),
    }),
  ),
  /** Pass as `cursor` for the next page; null on the last. */
  nextCursor: z.string().nullable(),
});

export const validationView = z.object({ valid: z.literal(true), definition: journeyDefinitionSchema });

const pathEntry = z.discriminatedUnion('kind', [
  z.object({
    at: instant,
    kind: z.literal('entered'),
    instanceKey: z.string(),
    trigger: z.string(),
    heldOut: z.boolean(),
  }),
  z.object({ at: instant, kind: z.literal('step'), instanceKey: z.string(), stepId: z.string() }),
  z.object({
    at: instant,
    kind: z.literal('message'),
    instanceKey: z.string(),
    stepId: z.string(),
    channel: z.string(),
    template: z.string(),
    category: z.string(),
    subject: z.string().optional(),
    suppressed: z.boolean(),
  }),
  z.object({
    at: instant,
    kind: z.literal('webhook'),
    instanceKey: z.string(),
    stepId: z.string(),
    url: z.string(),
    suppressed: z.boolean(),
  }),
  z.object({
    at: instant,
    kind: z.literal('profile-update'),
    instanceKey: z.string(),
    stepId: z.string(),
    attribute: z.string(),
    value: z.unknown(),
  }),
  z.object({ at: instant, kind: z.literal('exited'), instanceKey: z.string(), reason: z.string() }),
  z.object({ at: instant, kind: z.literal('goal'), instanceKey: z.string(), event: z.string() }),
]);

export const simulationView = z.object({ version: z.number().int(), path: z.array(pathEntry) });
