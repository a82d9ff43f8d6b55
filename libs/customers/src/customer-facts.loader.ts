import { Injectable } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { EventInboxRepository, type StoredEvent } from '@kizuna/events';
import { eventsCountedBy, type CustomerFacts, type Rule } from '@kizuna/rules';
import { Duration } from 'luxon';
import type { EntityManager } from 'typeorm';
import { CustomerRepository } from './customer.repository';

/**
 * The one way to learn what rules need about customers (CustomerFacts): the profile and purchase
 * stats, plus the recent events the rules count, in a fixed number of statements whatever the
 * number of customers (one, plus one per event name counted). Runs in the caller's transaction.
 */
@Injectable()
export class CustomerFactsLoader {
  constructor(
    private readonly customers: CustomerRepository,
    private readonly events: EventInboxRepository,
    private readonly config: KizunaConfig,
  ) {}

  /**
   * `rules`: the rules that will be evaluated (their behaviour leaves say which events to load).
   * `justApplied`: per customer, events applied earlier in the same transaction, which the events
   * table does not attribute to the customer until the batch commits.
   */
  async load(
    tx: EntityManager,
    customerUuids: string[],
    rules: Rule[],
    now: Date,
    justApplied: Map<string, StoredEvent[]> = new Map(),
  ): Promise<Map<string, CustomerFacts>> {
    const facts = await this.customers.factsOf(tx, customerUuids, this.config.shop.currency);
    for (const [name, { windowMs, limit }] of countedEvents(rules)) {
      const since = new Date(now.getTime() - windowMs);
      const stored = await this.events.recentOccurrencesOf(tx, customerUuids, name, since, limit);
      for (const id of customerUuids) {
        const fresh = (justApplied.get(id) ?? []).filter((e) => e.name === name && e.occurredAt >= since);
        // Defined, not assigned: an event may be called `__proto__`.
        Object.defineProperty(facts.get(id)!.events, name, {
          value: [...stored.get(id)!, ...fresh.map((e) => e.occurredAt)].map((d) => d.getTime()).sort((a, b) => b - a),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      }
    }
    return facts;
  }
}

/** Per event name, the widest window and the most occurrences any of the rules needs. */
export function countedEvents(rules: Rule[]): Map<string, { windowMs: number; limit: number }> {
  const wanted = new Map<string, { windowMs: number; limit: number }>();
  for (const use of rules.flatMap(eventsCountedBy)) {
    const windowMs = Duration.fromISO(use.within).toMillis();
    const prior = wanted.get(use.name);
    wanted.set(use.name, {
      windowMs: Math.max(windowMs, prior?.windowMs ?? 0),
      limit: Math.max(use.atLeast, prior?.limit ?? 0),
    });
  }
  return wanted;
}
