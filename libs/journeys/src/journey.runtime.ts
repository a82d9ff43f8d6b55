import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { journeyEffects } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { SegmentRepository } from '@kizuna/segments';
import { CustomerRepository } from '@kizuna/customers';
import type { StoredEvent } from '@kizuna/events';
import { OutboxRepository, type NewOutboxMessage } from '@kizuna/messaging';
import type { EntityManager } from 'typeorm';
import type { CustomerFacts } from './customer-facts';
import { effectPayload, onCustomerEvent, onDueTimer, type InstanceOutcome } from './instance-transitions';
import { compileValidated, type CompiledJourney } from './journey.compiler';
import type { JourneyDefinition } from './journey-definition.schema';
import { JourneyInstanceRepository, type DueTimer } from './journey-instance.repository';
import { JourneyRepository, type RunnableJourney } from './journey.repository';

/**
 * The durable shell around the pure decisions: loads a customer's instances and facts inside
 * the worker's transaction, applies an inbox event or a due timer, and stores the snapshot,
 * timers, history and outbox effects in that same transaction.
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
    private readonly segments: SegmentRepository,
    private readonly outbox: OutboxRepository,
    private readonly config: KizunaConfig,
  ) {}

  /** The journeys to consider for a batch; load once per batch, not per event. */
  runnable(tx: EntityManager): Promise<RunnableJourney[]> {
    return this.journeys.runnable(tx);
  }

  /** Applies one inbox event of a customer whose row the caller has locked. */
  async applyEvent(
    tx: EntityManager,
    journeys: RunnableJourney[],
    customerUuid: string,
    event: StoredEvent,
    now: Date,
  ): Promise<void> {
    if (journeys.length === 0) {
      return;
    }
    const facts = await this.facts(tx, customerUuid);
    const stored = await this.instances.forCustomer(
      tx,
      customerUuid,
      journeys.map((j) => j.id),
    );
    // A replayed event was already decided for the journeys it changed: those skip it.
    const applied = await this.instances.journeysApplied(tx, customerUuid, event.seq);
    for (const journey of journeys) {
      const mine = stored.filter((i) => i.journeyId === journey.id);
      if (applied.has(journey.id)) {
        continue;
      }
      await this.preload(journey.id, [...new Set(mine.map((i) => i.version))]);
      const outcomes = onCustomerEvent({
        journey: {
          journeyId: journey.id,
          version: journey.activeVersion,
          compiled: this.compile(journey.id, journey.activeVersion, journey.definition),
        },
        versions: (version) => this.compiledVersion(journey, version),
        instances: mine,
        customerUuid,
        event: { name: event.name, properties: event.properties, at: now.getTime() },
        facts,
        newInstanceId: randomUUID,
        running: journey.status === 'active',
      });
      for (const outcome of outcomes) {
        await this.store(tx, outcome, event.seq, now);
      }
    }
  }

  /** Applies a claimed due timer; the caller has locked the customer's row. */
  async applyTimer(tx: EntityManager, timer: DueTimer, now: Date): Promise<void> {
    await this.instances.deleteTimer(tx, timer);
    const instance = await this.instances.find(tx, timer.customerUuid, timer.instanceId);
    if (!instance || instance.status !== 'active') {
      return;
    }
    const definition = await this.journeys.definition(instance.journeyId, instance.version);
    if (!definition) {
      this.logger.error({ msg: 'timer for a missing journey version', instanceId: instance.id });
      return;
    }
    const outcome = onDueTimer({
      compiled: this.compile(instance.journeyId, instance.version, definition),
      instance,
      timer: { event: timer.event, dueAt: timer.dueAt.getTime() },
      facts: await this.facts(tx, timer.customerUuid),
      now: now.getTime(),
    });
    if (outcome.history.length > 0 || outcome.timersToSet.length > 0) {
      await this.store(tx, outcome, undefined, now);
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

  private compiledVersion(journey: RunnableJourney, version: number): CompiledJourney {
    const compiled = this.compiled.get(`${journey.id}:${version}`);
    if (compiled) {
      return compiled;
    }
    if (version === journey.activeVersion) {
      return this.compile(journey.id, version, journey.definition);
    }
    throw new Error(`journey ${journey.id} version ${version} is not loaded`);
  }

  /** Loads every version the customer's instances are on, so compiledVersion finds them. */
  async preload(journeyId: string, versions: number[]): Promise<void> {
    for (const version of versions) {
      if (!this.compiled.has(`${journeyId}:${version}`)) {
        const definition = await this.journeys.definition(journeyId, version);
        if (definition) {
          this.compile(journeyId, version, definition);
        }
      }
    }
  }

  private async facts(tx: EntityManager, customerUuid: string): Promise<CustomerFacts> {
    return {
      ...(await this.customers.profileFacts(tx, customerUuid)),
      segments: await this.segments.segmentKeysOf(tx, customerUuid),
    };
  }

  private async store(tx: EntityManager, outcome: InstanceOutcome, seq: string | undefined, now: Date): Promise<void> {
    await this.instances.save(tx, outcome, seq);
    const instance = outcome.instance;
    const messages: NewOutboxMessage[] = [];
    for (const { effectKey, effect, suppressed } of outcome.effects) {
      journeyEffects.inc({ kind: effect.kind, suppressed: String(suppressed) });
      if (suppressed) {
        continue;
      }
      const origin = {
        journeyId: instance.journeyId,
        journeyVersion: instance.version,
        instanceId: instance.id,
        stepId: effect.stepId,
      };
      switch (effect.kind) {
        case 'send':
          messages.push({
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
          });
          break;
        case 'webhook':
          // Checked at save time too; this catches a host removed from the list since.
          if (!this.config.journeys.webhookAllowedHosts.includes(new URL(effect.url).hostname.toLowerCase())) {
            this.logger.warn({ msg: 'webhook host no longer allowed; not called', effectKey, url: effect.url });
            break;
          }
          messages.push({
            effectKey,
            customerUuid: instance.customerUuid,
            channel: 'webhook',
            webhookUrl: effect.url,
            category: 'transactional',
            payload: effectPayload(instance),
            origin,
            notBefore: now,
          });
          break;
        case 'updateProfile':
          await this.customers.applyProfile(tx, instance.customerUuid, {
            attributes: { [effect.attribute]: effect.value },
          });
          break;
      }
    }
    await this.outbox.enqueue(tx, messages);
  }
}
