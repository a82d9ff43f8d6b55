import { Injectable } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { CustomerRepository, type Customer } from '@kizuna/customers';
import { EventInboxRepository, type StoredEvent } from '@kizuna/events';
import { Duration } from 'luxon';
import type { EntityManager } from 'typeorm';
import { eventsUsedBy } from './evaluate-segment';
import type { SegmentFacts } from './segment-facts';
import type { SegmentRule } from './segment-rule.schema';

/** Loads what a set of rules needs to know about customers, inside the caller's transaction. */
@Injectable()
export class SegmentFactsLoader {
  constructor(
    private readonly customers: CustomerRepository,
    private readonly events: EventInboxRepository,
    private readonly config: KizunaConfig,
  ) {}

  /**
   * Facts of each customer, in a fixed number of statements (one per event name the rules use).
   * `justApplied`: per customer, events applied earlier in the same transaction, which the events
   * table does not attribute to the customer until the batch commits.
   */
  async loadMany(
    tx: EntityManager,
    customers: Customer[],
    rules: SegmentRule[],
    now: Date,
    justApplied: Map<string, StoredEvent[]> = new Map(),
  ): Promise<Map<string, SegmentFacts>> {
    const ids = customers.map((c) => c.id);
    const stats = await this.customers.purchaseStatsOf(tx, customers, this.config.shop.currency);
    const wanted = new Map<string, { windowMs: number; limit: number }>();
    for (const use of rules.flatMap(eventsUsedBy)) {
      const windowMs = Duration.fromISO(use.within).toMillis();
      const prior = wanted.get(use.name);
      wanted.set(use.name, {
        windowMs: Math.max(windowMs, prior?.windowMs ?? 0),
        limit: Math.max(use.atLeast, prior?.limit ?? 0),
      });
    }
    // No prototype: event names are marketers' strings, and `__proto__` must stay a name.
    const events = new Map<string, Record<string, Date[]>>(
      ids.map((id) => [id, Object.create(null) as Record<string, Date[]>]),
    );
    for (const [name, { windowMs, limit }] of wanted) {
      const since = new Date(now.getTime() - windowMs);
      const stored = await this.events.recentOccurrencesOf(tx, ids, name, since, limit);
      for (const id of ids) {
        const fresh = (justApplied.get(id) ?? [])
          .filter((e) => e.name === name && e.occurredAt >= since)
          .map((e) => e.occurredAt);
        events.get(id)![name] = [...stored.get(id)!, ...fresh].sort((a, b) => b.getTime() - a.getTime());
      }
    }
    return new Map(
      customers.map((customer) => [
        customer.id,
        {
          email: customer.email,
          locale: customer.locale,
          timezone: customer.timezone,
          emailConsent: customer.emailConsent,
          attributes: customer.attributes,
          stats: stats.get(customer.id)!,
          events: events.get(customer.id)!,
        },
      ]),
    );
  }
}
