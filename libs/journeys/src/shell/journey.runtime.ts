import { Injectable, Logger } from '@nestjs/common';
import { checkHostAllowed, journeyEffects } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { SegmentRepository } from '@kizuna/segments';
import { CustomerFactsLoader, CustomerRepository } from '@kizuna/customers';
import type { StoredEvent } from '@kizuna/events';
import { OutboxRepository, type NewOutboxMessage } from '@kizuna/messaging';
import type { EntityManager } from 'typeorm';
import type { CustomerFacts, Rule } from '@kizuna/rules';
import { CompiledVersions } from '../core/compiled-versions';
import { effectPayload } from '../core/instance-transitions';
import {
  JourneyBatch,
  type DueTimer,
  type PendingEffect,
  type ProfileUpdate,
  type RunnableJourney,
} from '../core/journey.batch';
import { conditionsOf } from '../core/journey.compiler';
import { entryFactChanges } from '../core/entry-facts';
import { parseIsoDuration } from '../core/journey-definition.schema';
import { JourneyEntryRepository, type ShopBasis, type TouchedOrder } from './journey-entry.repository';
import { JourneyInstanceRepository } from './journey-instance.repository';
import { JourneyRepository } from './journey.repository';
import { SplitVerdictRepository } from './split-verdict.repository';

/** What a batch of inbox events or due timers works on. */
export interface JourneyBatchScope {
  /** The customers whose events or timers the batch applies; the caller holds their customer locks. */
  customerUuids: string[];
  /** The engine's now for the whole batch. */
  now: Date;
  /** The journeys an event may enter or advance (none for a batch of timers). */
  journeys?: RunnableJourney[];
  /** The inbox events of the batch, for the replay guard. */
  events?: Array<{ customerUuid: string; eventSeq: string }>;
}

/**
 * The durable shell around the pure batch (core/journey.batch.ts). `begin` loads the instances
 * and facts of all the batch's customers in a few statements; the batch decides event by event
 * in memory; `applyEvent` / `applyTimer` write the profile updates a step made at once (so the
 * customer's next event is applied on top of them), and `write` stores everything else in a few
 * more statements: the cost per batch is a handful of round trips, not a handful per event.
 */
@Injectable()
export class JourneyRuntime {
  private readonly logger = new Logger(JourneyRuntime.name);
  /** Shared by every batch of the process: published versions never change. */
  private readonly versions = new CompiledVersions();

  constructor(
    private readonly journeys: JourneyRepository,
    private readonly instances: JourneyInstanceRepository,
    private readonly entries: JourneyEntryRepository,
    private readonly verdicts: SplitVerdictRepository,
    private readonly customers: CustomerRepository,
    private readonly customerFacts: CustomerFactsLoader,
    private readonly segments: SegmentRepository,
    private readonly outbox: OutboxRepository,
    private readonly config: KizunaConfig,
  ) {}

  /** The journeys to consider for a batch; load once per batch, not per event. */
  runnable(tx: EntityManager): Promise<RunnableJourney[]> {
    return this.journeys.runnable(tx);
  }

  /**
   * Claims due timers (JourneyInstanceRepository.claimDue) and keeps those whose customer this
   * transaction can lock at once: a timer never runs beside an inbox batch of its customer, and
   * the claim never waits. The others stay due for a later claim.
   */
  async claimDueTimers(tx: EntityManager, now: Date, limit: number): Promise<DueTimer[]> {
    const timers = await this.instances.claimDue(tx, now, limit);
    const locked = new Set(
      await this.customers.lock(tx, [...new Set(timers.map((t) => t.customerUuid))], 'skip-locked'),
    );
    return timers.filter((t) => locked.has(t.customerUuid));
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
      ...[...versions].flatMap((key) => {
        const [journeyId, version] = key.split(':') as [string, string];
        return this.versions.definition(journeyId, Number(version)) ?? [];
      }),
    ].flatMap(conditionsOf);
    return new JourneyBatch({
      now: scope.now,
      journeys,
      instances,
      applied,
      facts: await this.facts(tx, customerUuids, rules, scope.now),
      versions: this.versions,
      entryMaxAgeMs: this.config.journeys.entryMaxAgeMs,
      winners: await this.verdicts.winners(tx, [
        ...new Set([...journeys.map((j) => j.id), ...[...versions].map((key) => key.split(':')[0]!)]),
      ]),
    });
  }

  /** Applies one inbox event in the batch, and writes the profile updates it made. */
  applyEvent(tx: EntityManager, batch: JourneyBatch, customerUuid: string, event: StoredEvent): Promise<void> {
    return this.updateProfiles(
      tx,
      batch.applyEvent(customerUuid, event.seq, {
        name: event.name,
        properties: event.properties,
        at: event.occurredAt.getTime(),
        imported: event.source === 'import',
      }),
    );
  }

  /** Applies a claimed due timer in the batch, and writes the profile updates it made. */
  applyTimer(tx: EntityManager, batch: JourneyBatch, timer: DueTimer): Promise<void> {
    return this.updateProfiles(tx, batch.applyTimer(timer));
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
   * Writes what a batch decided: instances, timers and history, the entry facts and their
   * rollups (a new entry's revenue from the orders already recorded), then the outbox effects, then
   * the new payload of unsent messages of instances whose trigger changed (after the enqueue,
   * so a message queued earlier in the same batch gets it too).
   */
  async write(tx: EntityManager, batch: JourneyBatch): Promise<void> {
    const { changes, effects, triggersUpdated } = batch.writes();
    for (const change of changes) {
      if ('outcome' in change) {
        for (const { effect, suppressed } of change.outcome.effects) {
          journeyEffects.inc({ kind: effect.kind, suppressed: String(suppressed) });
        }
      }
    }
    await this.instances.saveAll(tx, changes);
    await this.entries.record(
      tx,
      entryFactChanges(changes, (journeyId, version) => {
        const within = this.versions.definition(journeyId, version)?.goal?.within;
        return within === undefined ? undefined : parseIsoDuration(within);
      }),
      [],
      this.shop(),
    );
    await this.outbox.enqueue(
      tx,
      effects.flatMap((e) => this.messageFor(e, batch.now) ?? []),
    );
    await this.outbox.refreshUnsent(
      tx,
      triggersUpdated.map((i) => ({
        customerUuid: i.customerUuid,
        instanceId: i.id,
        payload: effectPayload(i),
      })),
    );
  }

  /**
   * Entry revenue: the entries (journey_entries, entry_daily) whose goal window holds an order the
   * caller's transaction recorded or changed (placed, refunded, cancelled) take its new figure
   * (decisions/0035). Any writer of order facts calls it after writing them: the inbox batch does,
   * an import writing `customer_orders` set-based must too.
   */
  async recordOrderRevenue(tx: EntityManager, orders: TouchedOrder[]): Promise<void> {
    await this.entries.record(tx, [], orders, this.shop());
  }

  private shop(): ShopBasis {
    return { timeZone: this.config.shop.timeZone, currency: this.config.shop.currency };
  }

  /** updateProfile effects, written at once: the customer's next event is applied on top of them. */
  private async updateProfiles(tx: EntityManager, updates: ProfileUpdate[]): Promise<void> {
    for (const { customerUuid, attribute, value } of updates) {
      await this.customers.applyProfile(
        tx,
        customerUuid,
        { attributes: { [attribute]: value } },
        this.config.shop.currency,
      );
    }
  }

  /** The outbox message for an effect; undefined when it sends nothing (any more). */
  private messageFor({ effectKey, effect, instance, payload }: PendingEffect, now: Date): NewOutboxMessage | undefined {
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
          payload,
          origin,
          priority: effect.priority,
          whenCapped: effect.whenCapped,
          notBefore: now,
          createdAt: now,
          splitPath: effect.splitPath,
        };
      case 'webhook':
        // Checked at save time too; this catches a host removed from the list since.
        if (!checkHostAllowed(effect.url, this.config.journeys.webhookAllowedHosts).allowed) {
          this.logger.warn({ msg: 'webhook host no longer allowed; not called', effectKey, url: effect.url });
          return undefined;
        }
        return {
          effectKey,
          customerUuid: instance.customerUuid,
          channel: 'webhook',
          webhookUrl: effect.url,
          category: 'transactional',
          payload,
          origin,
          notBefore: now,
          createdAt: now,
          splitPath: effect.splitPath,
        };
    }
  }

  private async preload(journeyId: string, version: number): Promise<void> {
    if (!this.versions.has(journeyId, version)) {
      const definition = await this.journeys.definition(journeyId, version);
      if (definition) {
        this.versions.compile(journeyId, version, definition);
      } else {
        this.logger.error({ msg: 'instances on a missing journey version', journeyId, version });
      }
    }
  }
}
