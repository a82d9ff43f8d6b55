import { DateTime, IANAZone } from 'luxon';
import { valueAt, type CustomerFacts } from '@kizuna/rules';
import { parseIsoDuration, type JourneyDefinition, type Step, type Weekday } from './journey-definition.schema';
import type { JourneyContext } from './journey-machine.types';

/**
 * How long a resting step waits: a wait step's duration, time of day (in the customer's zone,
 * else the journey's) or date taken from the trigger or the profile; a waitForEvent's timeout.
 * The machine builder names one XState delay per resting step and answers it from here.
 */

const WEEKDAYS: Weekday[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** The XState delay a resting step's timer is named by. */
export function delayName(stepId: string): string {
  return `step_${stepId}`;
}

/** Milliseconds from `now` until a wait step ends. */
export function waitDelay(
  step: Extract<Step, { type: 'wait' }>,
  definition: JourneyDefinition,
  context: JourneyContext,
  facts: CustomerFacts,
  now: number,
): number {
  const zone = facts.timezone && IANAZone.isValidZone(facts.timezone) ? facts.timezone : definition.timeZone;
  if (step.duration !== undefined) {
    return parseIsoDuration(step.duration)!;
  }
  if (step.until !== undefined) {
    return nextTimeOfDay(now, zone, step.until.time, step.until.weekdays) - now;
  }
  const spec = step.untilDate!;
  const raw =
    spec.property !== undefined
      ? valueAt(context.trigger.properties, spec.property)
      : valueAt(facts.attributes, spec.attribute!);
  // A missing or unreadable date ends the wait at once; branch on `exists` first to avoid it.
  const base = typeof raw === 'string' ? DateTime.fromISO(raw, { zone }) : undefined;
  if (!base?.isValid) {
    return 0;
  }
  return Math.max(0, base.toMillis() + parseIsoDuration(spec.offset)! - now);
}

function nextTimeOfDay(now: number, zone: string, time: string, weekdays: Weekday[] | undefined): number {
  const [hour, minute] = time.split(':').map(Number) as [number, number];
  const today = DateTime.fromMillis(now, { zone }).startOf('day');
  for (let day = 0; day <= 7; day++) {
    const candidate = today.plus({ days: day }).set({ hour, minute });
    if (candidate.toMillis() > now && (!weekdays || weekdays.includes(WEEKDAYS[candidate.weekday - 1]!))) {
      return candidate.toMillis();
    }
  }
  throw new Error('unreachable: some weekday is within a week');
}
