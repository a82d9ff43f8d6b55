import { randomUUID } from 'node:crypto';
import type { CustomerFacts } from '@kizuna/rules';
import type { CompiledVersions } from './compiled-versions';
import type { JourneyDefinition } from './journey-definition.schema';
import type { JourneyEffect } from './journey-machine.types';
import {
  effectPayload,
  onCustomerEvent,
  onDueTimer,
  type CustomerEvent,
  type InstanceOutcome,
  type InstanceRecord,
} from './instance-transitions';
import { withEvent } from './journey.simulator';

/** A journey the engine runs: its status and the definition of its active version. */
export interface RunnableJourney {
  id: string;
  status: 'active' | 'paused';
  activeVersion: number;
  definition: JourneyDefinition;
}

/** A claimed timer that is due. */
export interface DueTimer {
  customerUuid: string;
  instanceId: string;
  timerId: string;
  journeyId: string;
  event: string;
  dueAt: Date;
}

/** One thing to store for an instance: an outcome (tagged with its inbox event), or a timer that fired. */
export type InstanceChange = { outcome: InstanceOutcome; eventSeq?: string } | { firedTimer: DueTimer };

/** An effect to hand to the outbox, with the instance's payload as it was when the effect happened. */
export interface PendingEffect {
  effectKey: string;
  effect: Exclude<JourneyEffect, { kind: 'updateProfile' }>;
  instance: InstanceRecord;
  payload: Record<string, unknown>;
}

/** An updateProfile effect: the shell writes it before the customer's next event is applied. */
export interface ProfileUpdate {
  customerUuid: string;
  attribute: string;
  value: string | number | boolean | null;
}

/** Everything a batch decided, for the shell to store in one go. */
export interface BatchWrites {
  changes: InstanceChange[];
  effects: PendingEffect[];
  /** Instances whose trigger a later event replaced (the last state of each). */
  triggersUpdated: InstanceRecord[];
}

/** What a batch starts from: loaded by the shell in a few statements. */
export interface BatchState {
  now: Date;
  journeys: RunnableJourney[];
  /** Each customer's instances. */
  instances: Map<string, InstanceRecord[]>;
  /** `<customerUuid>:<eventSeq>` → the journeys that event was already applied to (replays). */
  applied: Map<string, Set<string>>;
  /** Each customer's facts, with segment keys and counted events. */
  facts: Map<string, CustomerFacts>;
  versions: CompiledVersions;
  /** Events older than this start no journey. */
  entryMaxAgeMs: number;
  /** Declared A/B winners by journey, then split step id (autoWinner splits send entrants there). */
  winners: Map<string, Readonly<Record<string, string>>>;
}

/**
 * One batch's working set, pure: events and timers are applied in order in memory (each
 * customer's later events see the instances and facts its earlier ones made), and what they
 * decided comes out as data (`writes()`), with the profile updates of each step returned as
 * they happen. The shell loads the state and stores the results; nothing here does I/O.
 */
export class JourneyBatch {
  private readonly changes: InstanceChange[] = [];
  private readonly effects: PendingEffect[] = [];
  /** Instances whose trigger a later event replaced, by id (the last state wins). */
  private readonly triggersUpdated = new Map<string, InstanceRecord>();

  constructor(private readonly state: BatchState) {}

  /** The engine's now for the whole batch. */
  get now(): Date {
    return this.state.now;
  }

  /**
   * The customer's profile changed (traits, orders): conditions see its new profile facts, with
   * the batch's segment keys (those change only after the batch) and the events counted so far.
   */
  profileChanged(customerUuid: string, profile: CustomerFacts): void {
    const facts = this.factsOf(customerUuid);
    this.state.facts.set(customerUuid, { ...profile, segments: facts.segments, events: facts.events });
  }

  /** Applies one inbox event of a customer of the batch to every runnable journey. */
  applyEvent(customerUuid: string, eventSeq: string, event: CustomerEvent): ProfileUpdate[] {
    const { journeys, now } = this.state;
    if (journeys.length === 0) {
      return [];
    }
    const applied = this.state.applied.get(`${customerUuid}:${eventSeq}`);
    // Its own time, unless the sender's clock ran ahead of ours (ingest allows some skew).
    const customerEvent = { ...event, at: Math.min(event.at, now.getTime()) };
    // Behaviour conditions count this event too (the loader saw only events of earlier batches).
    this.state.facts.set(customerUuid, withEvent(this.factsOf(customerUuid), customerEvent));
    const updates: ProfileUpdate[] = [];
    for (const journey of journeys) {
      // A replayed event was already decided for the journeys it changed: those skip it.
      if (applied?.has(journey.id)) {
        continue;
      }
      const outcomes = onCustomerEvent({
        journey: {
          journeyId: journey.id,
          version: journey.activeVersion,
          compiled: this.state.versions.compile(journey.id, journey.activeVersion, journey.definition),
        },
        versions: (version) => this.state.versions.version(journey.id, version, journey),
        instances: this.instancesOf(customerUuid).filter((i) => i.journeyId === journey.id),
        customerUuid,
        event: customerEvent,
        // Read per journey: an updateProfile step of an earlier journey may have changed them.
        facts: this.factsOf(customerUuid),
        newInstanceId: randomUUID,
        running: journey.status === 'active',
        now: now.getTime(),
        entryMaxAgeMs: this.state.entryMaxAgeMs,
        winners: this.state.winners.get(journey.id),
      });
      for (const outcome of outcomes) {
        updates.push(...this.record(outcome, eventSeq));
      }
    }
    return updates;
  }

  /** Applies a claimed due timer of a customer of the batch. */
  applyTimer(timer: DueTimer): ProfileUpdate[] {
    this.changes.push({ firedTimer: timer });
    const instance = this.instancesOf(timer.customerUuid).find((i) => i.id === timer.instanceId);
    if (!instance || instance.status !== 'active') {
      return [];
    }
    const outcome = onDueTimer({
      compiled: this.state.versions.version(instance.journeyId, instance.version),
      instance,
      timer: { event: timer.event, dueAt: timer.dueAt.getTime() },
      facts: this.factsOf(timer.customerUuid),
      now: this.state.now.getTime(),
      winners: this.state.winners.get(instance.journeyId),
    });
    if (outcome.history.length > 0 || outcome.timersToSet.length > 0) {
      return this.record(outcome, undefined);
    }
    return [];
  }

  /** Everything the batch decided. */
  writes(): BatchWrites {
    return {
      changes: this.changes,
      effects: this.effects,
      triggersUpdated: [...this.triggersUpdated.values()],
    };
  }

  private instancesOf(customerUuid: string): InstanceRecord[] {
    let list = this.state.instances.get(customerUuid);
    if (!list) {
      list = [];
      this.state.instances.set(customerUuid, list);
    }
    return list;
  }

  private factsOf(customerUuid: string): CustomerFacts {
    const facts = this.state.facts.get(customerUuid);
    if (!facts) {
      throw new Error(`facts of customer ${customerUuid} were not loaded for the batch`);
    }
    return facts;
  }

  /** Takes an outcome into the working set and the pending writes; returns its profile updates. */
  private record(outcome: InstanceOutcome, eventSeq: string | undefined): ProfileUpdate[] {
    const instance = outcome.instance;
    const list = this.instancesOf(instance.customerUuid);
    const at = list.findIndex((i) => i.id === instance.id);
    if (at >= 0) {
      list[at] = instance;
    } else {
      list.push(instance);
    }
    this.changes.push({ outcome, eventSeq });
    if (outcome.triggerUpdated) {
      this.triggersUpdated.set(instance.id, instance);
    }
    const updates: ProfileUpdate[] = [];
    for (const { effectKey, effect, suppressed } of outcome.effects) {
      if (suppressed) {
        continue;
      }
      if (effect.kind === 'updateProfile') {
        // The customer's next decision sees it: the attribute as `attributes || {attribute: value}` leaves it.
        const facts = this.factsOf(instance.customerUuid);
        this.state.facts.set(instance.customerUuid, {
          ...facts,
          attributes: { ...facts.attributes, [effect.attribute]: effect.value },
        });
        updates.push({ customerUuid: instance.customerUuid, attribute: effect.attribute, value: effect.value });
        continue;
      }
      this.effects.push({ effectKey, effect, instance, payload: effectPayload(instance) });
    }
    return updates;
  }
}
