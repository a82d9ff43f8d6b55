import { randomUUID } from 'node:crypto';
import type { CustomerFacts } from '@kizuna/rules';
import type { CompiledJourney } from './journey.compiler';
import {
  effectPayload,
  onCustomerEvent,
  onDueTimer,
  type CustomerEvent,
  type InstanceOutcome,
  type InstanceRecord,
} from './instance-transitions';
import type { TimerRequest } from './journey-machine.types';

/**
 * Runs one journey for one customer on a virtual clock: the worker's decision code
 * (instance-transitions) with the records and timers kept in memory. No rows, no effects.
 */

export interface SimulationInput {
  customerUuid: string;
  facts: CustomerFacts;
  /** In any order; applied by time, ties in the order given. */
  events: CustomerEvent[];
  /** Renders a message's subject when a template renderer is available. */
  renderSubject?: (template: string, payload: Record<string, unknown>) => string | undefined;
}

export type PathEntry =
  | { at: string; kind: 'entered'; instanceKey: string; trigger: string; heldOut: boolean }
  | { at: string; kind: 'step'; instanceKey: string; stepId: string }
  | {
      at: string;
      kind: 'message';
      instanceKey: string;
      stepId: string;
      channel: string;
      template: string;
      category: string;
      subject?: string;
      suppressed: boolean;
    }
  | { at: string; kind: 'webhook'; instanceKey: string; stepId: string; url: string; suppressed: boolean }
  | { at: string; kind: 'profile-update'; instanceKey: string; stepId: string; attribute: string; value: unknown }
  | { at: string; kind: 'exited'; instanceKey: string; reason: string }
  | { at: string; kind: 'goal'; instanceKey: string; event: string };

interface VirtualTimer extends TimerRequest {
  instanceId: string;
}

const SIMULATED_JOURNEY_ID = '00000000-0000-4000-8000-000000000000';

export function simulateJourney(
  compiled: CompiledJourney,
  input: SimulationInput,
  journeyId: string = SIMULATED_JOURNEY_ID,
): PathEntry[] {
  const instances = new Map<string, InstanceRecord>();
  let timers: VirtualTimer[] = [];
  const path: PathEntry[] = [];
  const events = input.events.map((e, order) => ({ e, order })).sort((a, b) => a.e.at - b.e.at || a.order - b.order);
  // Behaviour conditions ("opened 2 emails in 7 days") count the timeline's events as they happen.
  let facts = input.facts;

  const record = (outcome: InstanceOutcome): void => {
    const instance = outcome.instance;
    instances.set(instance.id, instance);
    if (outcome.cancelAllTimers) {
      timers = timers.filter((t) => t.instanceId !== instance.id);
    }
    timers = timers.filter((t) => t.instanceId !== instance.id || !outcome.timersToCancel.includes(t.timerId));
    timers.push(...outcome.timersToSet.map((t) => ({ ...t, instanceId: instance.id })));
    path.push(...describe(outcome, input));
  };

  const maxSteps = 10_000;
  for (let guard = 0; guard < maxSteps; guard++) {
    const nextTimer = timers.reduce<VirtualTimer | undefined>((a, t) => (!a || t.dueAt < a.dueAt ? t : a), undefined);
    const nextEvent = events[0];
    if (!nextTimer && !nextEvent) {
      return path;
    }
    // A timer due at or before the next event fires first, as a worker would see it.
    if (nextTimer && (!nextEvent || nextTimer.dueAt <= nextEvent.e.at)) {
      timers = timers.filter((t) => t !== nextTimer);
      const instance = instances.get(nextTimer.instanceId)!;
      record(onDueTimer({ compiled, instance, timer: nextTimer, facts, now: nextTimer.dueAt }));
      continue;
    }
    events.shift();
    facts = withEvent(facts, nextEvent!.e);
    const outcomes = onCustomerEvent({
      journey: { journeyId, version: 1, compiled },
      versions: () => compiled,
      instances: [...instances.values()],
      customerUuid: input.customerUuid,
      event: nextEvent!.e,
      facts,
      newInstanceId: randomUUID,
      running: true,
      // The virtual clock applies each event at its own time: none is ever stale.
      now: nextEvent!.e.at,
      entryMaxAgeMs: Number.POSITIVE_INFINITY,
    });
    outcomes.forEach(record);
  }
  throw new Error(`simulation did not settle within ${maxSteps} steps`);
}

/** The facts with one more event counted (newest first, as the loader gives them). */
export function withEvent(facts: CustomerFacts, event: CustomerEvent): CustomerFacts {
  return { ...facts, events: { ...facts.events, [event.name]: [event.at, ...(facts.events[event.name] ?? [])] } };
}

function describe(outcome: InstanceOutcome, input: SimulationInput): PathEntry[] {
  const instanceKey = outcome.instance.key;
  const entries: PathEntry[] = [];
  let effectIndex = 0;
  for (const h of outcome.history) {
    const at = new Date(h.at).toISOString();
    switch (h.kind) {
      case 'entered':
        entries.push({ at, kind: 'entered', instanceKey, trigger: h.reason!, heldOut: outcome.instance.holdout });
        break;
      case 'held-out':
      case 'migrated':
      case 'split':
        break;
      case 'step': {
        entries.push({ at, kind: 'step', instanceKey, stepId: h.stepId! });
        // Effects belong to the step that produced them, in order.
        while (outcome.effects[effectIndex]?.effect.stepId === h.stepId) {
          const { effect, suppressed } = outcome.effects[effectIndex]!;
          effectIndex++;
          switch (effect.kind) {
            case 'send': {
              const subject = input.renderSubject?.(effect.template, effectPayload(outcome.instance));
              entries.push({
                at,
                kind: 'message',
                instanceKey,
                stepId: effect.stepId,
                channel: effect.channel,
                template: effect.template,
                category: effect.category,
                ...(subject === undefined ? {} : { subject }),
                suppressed,
              });
              break;
            }
            case 'webhook':
              entries.push({ at, kind: 'webhook', instanceKey, stepId: effect.stepId, url: effect.url, suppressed });
              break;
            case 'updateProfile':
              entries.push({
                at,
                kind: 'profile-update',
                instanceKey,
                stepId: effect.stepId,
                attribute: effect.attribute,
                value: effect.value,
              });
              break;
          }
        }
        break;
      }
      case 'exited':
        entries.push({ at, kind: 'exited', instanceKey, reason: h.reason! });
        break;
      case 'goal':
        entries.push({ at, kind: 'goal', instanceKey, event: h.reason! });
        break;
    }
  }
  return entries;
}
