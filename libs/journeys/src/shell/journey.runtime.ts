import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { journeyEffects } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { SegmentRepository } from '@kizuna/segments';
import { CustomerFactsLoader, CustomerRepository } from '@kizuna/customers';
import type { StoredEvent } from '@kizuna/events';
import { OutboxRepository, type NewOutboxMessage } from '@kizuna/messaging';
import type { EntityManager } from 'typeorm';
import type { CustomerFacts, Rule } from '@kizuna/rules';
import {
  effectPayload,
  onCustomerEvent,
  onDueTimer,
  type InstanceOutcome,
  type InstanceRecord,
} from '../core/instance-transitions';
import { compileValidated, conditionsOf, type CompiledJourney } from '../core/journey.compiler';
import type { JourneyDefinition } from '../core/journey-definition.schema';
import {
  JourneyInstanceRepository,
  type DueTimer,
  type InstanceChange,
  type StoredInstance,
} from './journey-instance.repository';
import type { JourneyEffect } from '../core/journey-machine.types';
import { withEvent } from '../core/journey.simulator';
import { JourneyRepository, type RunnableJourney } from './journey.repository';

/** What a batch of inbox events or due timers works on. */
export interface JourneyBatchScope {
  /** The customers whose events or timers the batch applies; the caller holds their row locks. */
  customerUuids: string[];
  /** The engine's now for the whole batch. */
  now: Date;
  /** The journeys an event may enter or advance (none for a batch of timers). */
  journeys?: RunnableJourney[];
  /** The inbox events of the batch, for the replay guard. */
  events?: Array<{ customerUuid: string; eventSeq: string }>;
}

/**
 * The durable shell around the pure decisions. A batch loads the instances and facts of all its
 * customers in a few statements, applies events and timers in order against that working set
 * (each customer's later events see the instances its earlier ones made), and writes everything
 * back in a few more: the cost per batch is a handful of round trips, not a handful per event.
 */
@Injectable()
export class JourneyRuntime {
  private readonly logger = new Logger(JourneyRuntime.name);
  /** Versions are immutable once published, so a compiled version never goes stale. */
  private readonly compiled = new Map<string, CompiledJourney>();

  constructor(
    private readonly journeys: JourneyRepository,
    private readonly instances: JourneyInstanceRepository,
    private readonly customers: CustomerRepository,
    private readonly customerFacts: CustomerFactsLoader,
    private readonly segments: SegmentRepository,
    private readonly outbox: OutboxRepository,
    private readonly config: KizunaConfig,
  ) {}

  /** Events older than this start no journey (JOURNEY_ENTRY_MAX_AGE). */
  get entryMaxAgeMs(): number {
    return this.config.journeys.entryMaxAgeMs;
  }

  /** The journeys to consider for a batch; load once per batch, not per event. */
  runnable(tx: EntityManager): Promise<RunnableJourney[]> {
    return this.journeys.runnable(tx);
  }

  /** Loads the working set of a batch: instances, facts, and which events were applied before. */
  async begin(tx: EntityManager, scope: JourneyBatchScope): Promise<JourneyBatch> {
    const customerUuids = [...new Set(scope.customerUuids)];
    const journeys = scope.journeys ?? [];
    const instances = await this.instances.forCustomers(tx, customerUuids);
    const versions = new Set<string>();
    for (const list of instances.values()) {
      for (const instance of list) {
        versions.add(`${instance.journeyId}:${instance.version}`);
      }
    }
    for (const key of versions) {
      const [journeyId, version] = key.split(':') as [string, string];
      await this.preload(journeyId, Number(version));
    }
    const applied =
      scope.events && scope.events.length > 0 && journeys.length > 0
        ? await this.instances.journeysApplied(tx, scope.events)
        : new Map<string, Set<string>>();
    // Every condition the batch may evaluate: of the running journeys and of the versions its
    // instances are on (their behaviour leaves say which events to count).
    const rules = [
      ...journeys.map((j) => j.definition),
      ...[...versions].flatMap((key) => this.compiled.get(key)?.definition ?? []),
    ].flatMap(conditionsOf);
    return new JourneyBatch(this, tx, {
      now: scope.now,
      journeys,
      instances,
      applied,
      rules,
      facts: await this.facts(tx, customerUuids, rules, scope.now),
    });
  }

  /** Facts of each customer (docs/conditions.md): profile, stats, counted events and segment keys. */
  async facts(
    tx: EntityManager,
    customerUuids: string[],
    rules: Rule[],
    now: Date,
  ): Promise<Map<string, CustomerFacts>> {
    if (customerUuids.length === 0) {
      return new Map();
    }
    const facts = await this.customerFacts.load(tx, customerUuids, rules, now);
    const segments = await this.segments.segmentKeysOf(tx, customerUuids);
    for (const [id, customerFacts] of facts) {
      customerFacts.segments = segments.get(id) ?? [];
    }
    return facts;
  }

  /**
   * The profile and stats again after the batch changed them, keeping the batch's segment keys
   * (those change only after the batch) and the events counted so far.
   */
  async refreshProfileFacts(tx: EntityManager, customerUuid: string, facts: CustomerFacts): Promise<CustomerFacts> {
    const profiles = await this.customers.factsOf(tx, [customerUuid], this.config.shop.currency);
    return { ...profiles.get(customerUuid)!, segments: facts.segments, events: facts.events };
  }

  /**
   * Writes what a batch decided: instances, timers and history, then the outbox effects, then
   * the new payload of unsent messages of instances whose trigger changed (after the enqueue,
   * so a message queued earlier in the same batch gets it too).
   */
  async write(
    tx: EntityManager,
    changes: InstanceChange[],
    messages: NewOutboxMessage[],
    triggersUpdated: InstanceRecord[],
  ): Promise<void> {
    await this.instances.saveAll(tx, changes);
    await this.outbox.enqueue(tx, messages);
    await this.outbox.refreshUnsent(
      tx,
      triggersUpdated.map((i) => ({
        customerUuid: i.customerUuid,
        instanceId: i.id,
        payload: effectPayload(i),
      })),
    );
  }

  /** An updateProfile effect: written at once, so the customer's next decision sees it. */
  applyProfileEffect(tx: EntityManager, customerUuid: string, attribute: string, value: unknown): Promise<void> {
    return this.customers.applyProfile(tx, customerUuid, { attributes: { [attribute]: value } });
  }

  /** The outbox message for an effect; undefined when it sends nothing (or nothing any more). */
  messageFor(
    effectKey: string,
    effect: JourneyEffect,
    instance: InstanceRecord,
    now: Date,
  ): NewOutboxMessage | undefined {
    const origin = {
      journeyId: instance.journeyId,
      journeyVersion: instance.version,
      instanceId: instance.id,
      stepId: effect.stepId,
    };
    switch (effect.kind) {
      case 'send':
        return {
          effectKey,
          customerUuid: instance.customerUuid,
          channel: 'email',
          templateKey: effect.template,
          category: effect.category,
          payload: effectPayload(instance),
          origin,
          priority: effect.priority,
          whenCapped: effect.whenCapped,
          notBefore: now,
        };
      case 'webhook':
        // Checked at save time too; this catches a host removed from the list since.
        if (!this.config.journeys.webhookAllowedHosts.includes(new URL(effect.url).hostname.toLowerCase())) {
          this.logger.warn({ msg: 'webhook host no longer allowed; not called', effectKey, url: effect.url });
          return undefined;
        }
        return {
          effectKey,
          customerUuid: instance.customerUuid,
          channel: 'webhook',
          webhookUrl: effect.url,
          category: 'transactional',
          payload: effectPayload(instance),
          origin,
          notBefore: now,
        };
      case 'updateProfile':
        return undefined;
    }
  }

  compile(journeyId: string, version: number, definition: JourneyDefinition): CompiledJourney {
    const key = `${journeyId}:${version}`;
    let compiled = this.compiled.get(key);
    if (!compiled) {
      compiled = compileValidated(definition);
      this.compiled.set(key, compiled);
    }
    return compiled;
  }

  /** A compiled version already loaded for this batch (begin preloads every version its instances are on). */
  compiledVersion(journeyId: string, version: number, active?: RunnableJourney): CompiledJourney {
    const compiled = this.compiled.get(`${journeyId}:${version}`);
    if (compiled) {
      return compiled;
    }
    if (active && version === active.activeVersion) {
      return this.compile(journeyId, version, active.definition);
    }
    throw new Error(`journey ${journeyId} version ${version} is not loaded`);
  }

  private async preload(journeyId: string, version: number): Promise<void> {
    if (!this.compiled.has(`${journeyId}:${version}`)) {
      const definition = await this.journeys.definition(journeyId, version);
      if (definition) {
        this.compile(journeyId, version, definition);
      } else {
        this.logger.error({ msg: 'instances on a missing journey version', journeyId, version });
      }
    }
  }
}

/**
 * One batch's working set and pending writes. Apply events and timers in order, then write()
 * once. Nothing reaches the database before write() except updateProfile effects.
 */
export class JourneyBatch {
  private readonly changes: InstanceChange[] = [];
  private readonly messages: NewOutboxMessage[] = [];
  /** Instances whose trigger a later event replaced, by id (the last state wins). */
  private readonly triggersUpdated = new Map<string, InstanceRecord>();
  private readonly staleFacts = new Set<string>();

  constructor(
    private readonly runtime: JourneyRuntime,
    private readonly tx: EntityManager,
    private readonly state: {
      now: Date;
      journeys: RunnableJourney[];
      instances: Map<string, StoredInstance[]>;
      applied: Map<string, Set<string>>;
      rules: Rule[];
      facts: Map<string, CustomerFacts>;
    },
  ) {}

  /** The customer's profile changed (traits, orders): conditions must see the new facts. */
  profileChanged(customerUuid: string): void {
    this.staleFacts.add(customerUuid);
  }

  /** Applies one inbox event of a customer of the batch to every runnable journey. */
  async applyEvent(customerUuid: string, event: StoredEvent): Promise<void> {
    const { journeys, now } = this.state;
    if (journeys.length === 0) {
      return;
    }
    const applied = this.state.applied.get(`${customerUuid}:${event.seq}`);
    // Its own time, unless the sender's clock ran ahead of ours (ingest allows some skew).
    const customerEvent = {
      name: event.name,
      properties: event.properties,
      at: Math.min(event.occurredAt.getTime(), now.getTime()),
      imported: event.source === 'import',
    };
    // Behaviour conditions count this event too (the loader saw only events of earlier batches).
    this.state.facts.set(customerUuid, withEvent(await this.factsOf(customerUuid), customerEvent));
    for (const journey of journeys) {
      // A replayed event was already decided for the journeys it changed: those skip it.
      if (applied?.has(journey.id)) {
        continue;
      }
      const outcomes = onCustomerEvent({
        journey: {
          journeyId: journey.id,
          version: journey.activeVersion,
          compiled: this.runtime.compile(journey.id, journey.activeVersion, journey.definition),
        },
        versions: (version) => this.runtime.compiledVersion(journey.id, version, journey),
        instances: this.instancesOf(customerUuid).filter((i) => i.journeyId === journey.id),
        customerUuid,
        event: customerEvent,
        // Read per journey: an updateProfile step of an earlier journey may have changed them.
        facts: await this.factsOf(customerUuid),
        newInstanceId: randomUUID,
        running: journey.status === 'active',
        now: now.getTime(),
        entryMaxAgeMs: this.runtime.entryMaxAgeMs,
      });
      for (const outcome of outcomes) {
        await this.record(outcome, event.seq);
      }
    }
  }

  /** Applies a claimed due timer of a customer of the batch. */
  async applyTimer(timer: DueTimer): Promise<void> {
    this.changes.push({ firedTimer: timer });
    const instance = this.instancesOf(timer.customerUuid).find((i) => i.id === timer.instanceId);
    if (!instance || instance.status !== 'active') {
      return;
    }
    const outcome = onDueTimer({
      compiled: this.runtime.compiledVersion(instance.journeyId, instance.version),
      instance,
      timer: { event: timer.event, dueAt: timer.dueAt.getTime() },
      facts: await this.factsOf(timer.customerUuid),
      now: this.state.now.getTime(),
    });
    if (outcome.history.length > 0 || outcome.timersToSet.length > 0) {
      await this.record(outcome, undefined);
    }
  }

  /** Writes everything the batch decided. */
  write(): Promise<void> {
    return this.runtime.write(this.tx, this.changes, this.messages, [...this.triggersUpdated.values()]);
  }

  private instancesOf(customerUuid: string): StoredInstance[] {
    let list = this.state.instances.get(customerUuid);
    if (!list) {
      list = [];
      this.state.instances.set(customerUuid, list);
    }
    return list;
  }

  private async factsOf(customerUuid: string): Promise<CustomerFacts> {
    let facts = this.state.facts.get(customerUuid);
    if (!facts) {
      facts = (await this.runtime.facts(this.tx, [customerUuid], this.state.rules, this.state.now)).get(customerUuid)!;
    } else if (this.staleFacts.has(customerUuid)) {
      facts = await this.runtime.refreshProfileFacts(this.tx, customerUuid, facts);
    }
    this.staleFacts.delete(customerUuid);
    this.state.facts.set(customerUuid, facts);
    return facts;
  }

  /** Takes an outcome into the working set and the pending writes. */
  private async record(outcome: InstanceOutcome, eventSeq: string | undefined): Promise<void> {
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
    for (const { effectKey, effect, suppressed } of outcome.effects) {
      journeyEffects.inc({ kind: effect.kind, suppressed: String(suppressed) });
      if (suppressed) {
        continue;
      }
      if (effect.kind === 'updateProfile') {
        await this.runtime.applyProfileEffect(this.tx, instance.customerUuid, effect.attribute, effect.value);
        this.profileChanged(instance.customerUuid);
        continue;
      }
      const message = this.runtime.messageFor(effectKey, effect, instance, this.state.now);
      if (message) {
        this.messages.push(message);
      }
    }
  }
}
