import { journeyConditionSchema } from '@kizuna/rules';
import { z } from 'zod';
import type { EventMatch } from './journey-definition.schema';

/**
 * The one encoding of what a compiled machine's actions and guards carry. The machine builder
 * emits `{ type, params }` objects typed by `MachineAction` / `MachineGuard`, checks every one
 * against these schemas before the machine is used, and the engine and the guards read the
 * params back by the same types: a field renamed on one side fails the build on the other.
 */

const eventMatchParams = z.object({ match: z.custom<EventMatch>((v) => typeof v === 'object' && v !== null) });

/** Every action the machines may name, with the params each one takes. */
export const ACTION_PARAMS = {
  enterStep: z.strictObject({ stepId: z.string() }),
  /**
   * The instance took this path of a split (`path`: its name, splitPathNames): recorded in its
   * history and carried to the messages after the split.
   */
  tookPath: z.strictObject({ stepId: z.string(), path: z.string().min(1) }),
  send: z.strictObject({
    stepId: z.string(),
    channel: z.literal('email'),
    template: z.string().min(1),
    category: z.enum(['marketing', 'transactional']),
    whenCapped: z.enum(['defer', 'skip']),
    /** The journey's priority (its definition version's). */
    priority: z.number().int(),
  }),
  webhook: z.strictObject({ stepId: z.string(), url: z.url() }),
  updateProfile: z.strictObject({
    stepId: z.string(),
    attribute: z.string().min(1),
    value: z.union([z.string(), z.number(), z.boolean(), z.null()]),
  }),
  exit: z.strictObject({ reason: z.string().min(1) }),
} as const;

/** Every guard the machines may name, with the params each one takes. */
export const GUARD_PARAMS = {
  eventMatches: eventMatchParams,
  condition: z.strictObject({ condition: journeyConditionSchema }),
  splitBucket: z.strictObject({
    stepId: z.string(),
    from: z.number().min(0),
    to: z.number().max(1),
    /** This transition's path, and all the split's paths (a recorded winner must be one of them). */
    path: z.string().min(1),
    paths: z.array(z.string()),
    /** Take the recorded winner, when there is one, instead of the bucket. */
    autoWinner: z.boolean(),
  }),
} as const;

export type ActionName = keyof typeof ACTION_PARAMS;
export type GuardName = keyof typeof GUARD_PARAMS;
export type ActionParams = { [K in ActionName]: z.output<(typeof ACTION_PARAMS)[K]> };
export type GuardParams = { [K in GuardName]: z.output<(typeof GUARD_PARAMS)[K]> };

/** An action as the builder writes it into the machine config and XState hands it back. */
export type MachineAction = { [K in ActionName]: { type: K; params: ActionParams[K] } }[ActionName];
/** A guard reference in the machine config. */
export type MachineGuard = { [K in GuardName]: { type: K; params: GuardParams[K] } }[GuardName];

/** The effects a machine asks the shell for: the params of its effect actions, tagged by kind. */
export type EffectAction = 'send' | 'webhook' | 'updateProfile';
