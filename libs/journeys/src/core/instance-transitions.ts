import type { CustomerFacts } from '@kizuna/rules';
import { valueAt } from '@kizuna/rules';
import { matchesEvent, stableFraction } from './condition.util';
import type { CompiledJourney } from './journey.compiler';
import { parseIsoDuration, type JourneyDefinition } from './journey-definition.schema';
import { advanceInstance, startInstance, type EngineStep, type PersistedSnapshot } from './journey.engine';
import type { JourneyContext, JourneyEffect, TimerRequest } from './journey-machine.types';

/**
 * The engine's decisions for one customer, still pure: which journeys an event enters, which
 * instances it advances or ends, which goals it reaches, and which effects result (with their
 * deterministic keys). The worker loads the records, calls these and stores the outcome in one
 * transaction; the simulator keeps the records in memory. Same code, so they cannot disagree.
 */

export type InstanceStatus = 'active' | 'completed' | 'exited';

export interface InstanceRecord {
  id: string;
  journeyId: string;
  version: number;
  customerUuid: string;
  /** '' when the journey has no key property (one instance per customer). */
  key: string;
  entryCount: number;
  status: InstanceStatus;
  snapshot: PersistedSnapshot;
  currentStep: string | undefined;
  enteredAt: number;
  exitedAt: number | undefined;
  exitReason: string | undefined;
  holdout: boolean;
  lastMessageAt: number | undefined;
  goalReachedAt: number | undefined;
}

export interface CustomerEvent {
  name: string;
  properties: Record<string, unknown>;
  /**
   * Epoch ms: when the event happened (its own timestamp), never later than the engine's now.
   * Waits that start from it count from here, so an inbox backlog does not make them late.
   */
  at: number;
  /** Imported history (`kizuna import`): stale whatever its age, so it enters no journey. */
  imported?: boolean;
}

export interface JourneyVersion {
  journeyId: string;
  version: number;
  compiled: CompiledJourney;
}

export type HistoryKind = 'entered' | 'step' | 'split' | 'exited' | 'goal' | 'held-out' | 'migrated';

export interface HistoryEntry {
  kind: HistoryKind;
  stepId: string | undefined;
  reason: string | undefined;
  at: number;
}

export interface KeyedEffect {
  /** `<instanceId>:<stepId>:<entryCount>`: a replay can never produce a second one. */
  effectKey: string;
  effect: JourneyEffect;
  /** Held-out customers are recorded but sent nothing. */
  suppressed: boolean;
}

/** What happened to one instance; the shell persists exactly this. */
export interface InstanceOutcome {
  instance: InstanceRecord;
  /** True when the instance (re-)entered: insert or reset its row. */
  entered: boolean;
  /**
   * True when a later event about the instance's key (the same cart) replaced what it knows of
   * it: the row must be saved even without history, and unsent messages take the new payload.
   */
  triggerUpdated: boolean;
  history: HistoryEntry[];
  effects: KeyedEffect[];
  timersToSet: TimerRequest[];
  timersToCancel: string[];
  /** All of the instance's timers must go (it finished). */
  cancelAllTimers: boolean;
}

export function isHeldOut(definition: JourneyDefinition, journeyId: string, customerUuid: string): boolean {
  return definition.holdout > 0 && stableFraction(customerUuid, journeyId, 'holdout') < definition.holdout;
}

/** The instance key an event would enter with, or undefined when it does not enter. */
export function entryKey(
  definition: JourneyDefinition,
  event: CustomerEvent,
  facts: CustomerFacts,
): string | undefined {
  const entry = definition.entry;
  if ('segment' in entry) {
    return event.name === 'segment.entered' && event.properties.segment === entry.segment ? '' : undefined;
  }
  const names = Array.isArray(entry.event) ? entry.event : [entry.event];
  if (
    !names.includes(event.name) ||
    !matchesEvent({ event: event.name, where: entry.where }, event, null, facts, event.at)
  ) {
    return undefined;
  }
  if (entry.key === undefined) {
    return '';
  }
  const key = valueAt(event.properties, entry.key);
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

export function mayEnter(definition: JourneyDefinition, prior: InstanceRecord | undefined, now: number): boolean {
  if (!prior) {
    return true;
  }
  if (prior.status === 'active') {
    return false;
  }
  switch (definition.reentry.mode) {
    case 'once':
      return false;
    case 'whenNotActive':
      return true;
    case 'afterCooldown':
      return now >= (prior.exitedAt ?? prior.enteredAt) + parseIsoDuration(definition.reentry.cooldown)!;
  }
}

/**
 * Applies a customer event to one journey: first to the instances already in it (waits,
 * exit rules, the keyed thing's latest data), then goals, then entry. `instances` are this
 * customer's instances of the journey, on any version; `versions` resolves each instance's own
 * compiled version.
 *
 * Time: the machine sees the event's own time (`event.at`), so a wait started by it counts from
 * when the customer acted, not from when a backlogged worker got to it; history, exits and
 * message times are stamped with the engine's `now`. An event older than `entryMaxAgeMs` is
 * stale, and so is imported history whatever its age (`kizuna import`): it starts nothing and
 * moves no instance forward, except to its end without effects
 * (the order for that cart, however late, still ends the cart journey). Goals are facts, so a
 * stale event still reaches one, if it happened inside the goal's window.
 */
export function onCustomerEvent(args: {
  journey: JourneyVersion;
  versions: (version: number) => CompiledJourney;
  instances: InstanceRecord[];
  customerUuid: string;
  event: CustomerEvent;
  facts: CustomerFacts;
  newInstanceId: () => string;
  /** False while the journey is paused: nothing enters or advances, but exits still apply. */
  running: boolean;
  /** Epoch ms: the engine's now (the database clock in the worker). */
  now: number;
  /** Events older than this (now - event.at) are stale: see above. */
  entryMaxAgeMs: number;
  /** The journey's declared A/B winners by split step id (autoWinner splits send entrants there). */
  winners?: Readonly<Record<string, string>>;
}): InstanceOutcome[] {
  const { journey, event, facts, now } = args;
  const outcomes: InstanceOutcome[] = [];
  const definition = journey.compiled.definition;
  const fresh = !event.imported && now - event.at <= args.entryMaxAgeMs;
  for (const instance of args.instances) {
    const compiled = args.versions(instance.version);
    const outcome = emptyOutcome(instance);
    // A customer event named like a timer must not fire one (`xstate.after.*` are the engine's).
    if (
      instance.status === 'active' &&
      !event.name.startsWith('xstate.') &&
      compiled.listensTo(instance.currentStep, event.name)
    ) {
      const step = advanceInstance(compiled, instance.snapshot, {
        type: event.name,
        // An event that arrives after one the instance entered with, but happened before it,
        // must not start a wait before the entry.
        at: Math.max(event.at, instance.enteredAt),
        facts,
        properties: event.properties,
        winners: args.winners,
      });
      // While paused, or for a stale event, an instance holds where it is, except that an event
      // which ends it without sending anything (the order arrived: an exit rule, or a path to an
      // exit step) still ends it, so no reminder follows for a cart already bought.
      const applies = (args.running && fresh) || (step.done && step.effects.length === 0);
      if (applies && (step.stepsEntered.length > 0 || step.done || step.effects.length > 0)) {
        applyStep(outcome, step, now);
      }
    }
    // Finished instances too: the message of a last step may still wait for delivery.
    if (updateTrigger(outcome.instance, compiled.definition, event)) {
      outcome.triggerUpdated = true;
    }
    const goal = compiled.definition.goal;
    if (
      goal &&
      instance.goalReachedAt === undefined &&
      matchesEvent(goal, event, instance.key || null, facts, event.at)
    ) {
      const from = goal.after === 'message' ? instance.lastMessageAt : instance.enteredAt;
      // By the event's own time: an order placed before the reminder is no conversion of it,
      // even if it reaches Kizuna after the reminder went out.
      if (from !== undefined && event.at >= from && event.at - from <= parseIsoDuration(goal.within)!) {
        outcome.instance.goalReachedAt = event.at;
        outcome.history.push({ kind: 'goal', stepId: undefined, reason: goal.event, at: event.at });
      }
    }
    if (outcome.history.length > 0 || outcome.triggerUpdated) {
      outcomes.push(outcome);
    }
  }
  if (!args.running || !fresh) {
    return outcomes;
  }
  const key = entryKey(definition, event, facts);
  if (key === undefined) {
    return outcomes;
  }
  const prior = outcomes.find((o) => o.instance.key === key)?.instance ?? args.instances.find((i) => i.key === key);
  if (!mayEnter(definition, prior, now)) {
    return outcomes;
  }
  const holdout = isHeldOut(definition, journey.journeyId, args.customerUuid);
  const instance: InstanceRecord = {
    id: prior?.id ?? args.newInstanceId(),
    journeyId: journey.journeyId,
    version: journey.version,
    customerUuid: args.customerUuid,
    key,
    entryCount: (prior?.entryCount ?? 0) + 1,
    status: 'active',
    snapshot: {},
    currentStep: undefined,
    enteredAt: event.at,
    exitedAt: undefined,
    exitReason: undefined,
    holdout,
    lastMessageAt: undefined,
    goalReachedAt: undefined,
  };
  const outcome = emptyOutcome(instance);
  outcome.entered = true;
  outcome.history.push({ kind: 'entered', stepId: undefined, reason: event.name, at: now });
  if (holdout) {
    outcome.history.push({ kind: 'held-out', stepId: undefined, reason: undefined, at: now });
  }
  const step = startInstance(journey.compiled, {
    journeyId: journey.journeyId,
    customerUuid: args.customerUuid,
    key: key === '' ? null : key,
    trigger: { name: event.name, properties: event.properties },
    at: event.at,
    facts,
    winners: args.winners,
  });
  applyStep(outcome, step, now);
  const others = outcomes.filter((o) => o.instance.id !== instance.id);
  const earlier = outcomes.find((o) => o.instance.id === instance.id);
  if (earlier) {
    // The same event ended the previous entry and starts a new one: keep both records of it.
    outcome.history.unshift(...earlier.history);
    outcome.effects.unshift(...earlier.effects);
    outcome.cancelAllTimers = true;
    // Messages of the previous entry still waiting for delivery list this newer data too.
    outcome.triggerUpdated = earlier.triggerUpdated;
  } else if (prior) {
    outcome.cancelAllTimers = true;
  }
  return [...others, outcome];
}

/** Feeds a due timer to its instance. */
export function onDueTimer(args: {
  compiled: CompiledJourney;
  instance: InstanceRecord;
  timer: { event: string; dueAt: number };
  facts: CustomerFacts;
  now: number;
  winners?: Readonly<Record<string, string>>;
}): InstanceOutcome {
  const outcome = emptyOutcome(args.instance);
  if (args.instance.status !== 'active') {
    return outcome;
  }
  // The timer's own due time is the event's time, so a late worker computes the same next
  // waits as a punctual one; effects are still stamped with the real now.
  const step = advanceInstance(args.compiled, args.instance.snapshot, {
    type: args.timer.event,
    at: args.timer.dueAt,
    facts: args.facts,
    properties: {},
    winners: args.winners,
  });
  applyStep(outcome, step, args.now);
  return outcome;
}

export function emptyOutcome(instance: InstanceRecord): InstanceOutcome {
  return {
    instance: { ...instance },
    entered: false,
    triggerUpdated: false,
    history: [],
    effects: [],
    timersToSet: [],
    timersToCancel: [],
    cancelAllTimers: false,
  };
}

function applyStep(outcome: InstanceOutcome, step: EngineStep, at: number): void {
  const instance = outcome.instance;
  instance.snapshot = step.snapshot;
  instance.currentStep = step.currentStep;
  for (const stepId of step.stepsEntered) {
    outcome.history.push({ kind: 'step', stepId, reason: undefined, at });
  }
  for (const split of step.splits) {
    outcome.history.push({ kind: 'split', stepId: split.stepId, reason: split.path, at });
  }
  for (const effect of step.effects) {
    outcome.effects.push({
      effectKey: `${instance.id}:${effect.stepId}:${instance.entryCount}`,
      effect,
      suppressed: instance.holdout && effect.kind !== 'updateProfile',
    });
    if (effect.kind === 'send') {
      instance.lastMessageAt = at;
    }
  }
  outcome.timersToSet.push(...step.timersToSet);
  outcome.timersToCancel.push(...step.timersToCancel);
  if (step.done) {
    // Finishing the steps (an exit step, or a path's end) completes; an exit rule ends early.
    instance.status = step.exitReason === 'completed' || step.exitReason?.startsWith('step:') ? 'completed' : 'exited';
    instance.exitedAt = at;
    instance.exitReason = step.exitReason ?? 'completed';
    outcome.cancelAllTimers = true;
    outcome.history.push({ kind: 'exited', stepId: undefined, reason: instance.exitReason, at });
  }
}

/**
 * A keyed instance's trigger is the latest of the events it enters on about its key: a later
 * `cart.updated` of the same cart replaces the cart the instance started with, so branches and
 * messages see the cart as it is. Events arriving out of order do not overwrite newer data
 * (the context keeps the trigger's own time). Unkeyed journeys keep the event they entered with:
 * without a key there is no "same thing" to follow. Returns whether the instance changed.
 */
function updateTrigger(instance: InstanceRecord, definition: JourneyDefinition, event: CustomerEvent): boolean {
  const entry = definition.entry;
  if ('segment' in entry || entry.key === undefined || instance.key === '') {
    return false;
  }
  const names = Array.isArray(entry.event) ? entry.event : [entry.event];
  const key = valueAt(event.properties, entry.key);
  if (
    !names.includes(event.name) ||
    (typeof key !== 'string' && typeof key !== 'number') ||
    String(key) !== instance.key
  ) {
    return false;
  }
  const context = instance.snapshot.context as Partial<JourneyContext> | undefined;
  if (!context) {
    return false;
  }
  const since = context.triggerAt ?? context.enteredAt ?? instance.enteredAt;
  if (event.at < since) {
    return false;
  }
  instance.snapshot = {
    ...instance.snapshot,
    context: { ...context, trigger: { name: event.name, properties: event.properties }, triggerAt: event.at },
  };
  return true;
}

/** The data a message or webhook is built from: the instance key and the trigger event. */
export function effectPayload(instance: InstanceRecord): Record<string, unknown> {
  const context = instance.snapshot.context as { trigger?: { name: string; properties: Record<string, unknown> } };
  return {
    journeyId: instance.journeyId,
    instanceKey: instance.key === '' ? null : instance.key,
    trigger: context.trigger ?? null,
  };
}
