import { Injectable } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { CustomerRepository, type Customer } from '@kizuna/customers';
import { EventInboxRepository, type StoredEvent } from '@kizuna/events';
import { eventsCountedBy, type CustomerFacts, type Rule } from '@kizuna/rules';
import { Duration } from 'luxon';
import type { EntityManager } from 'typeorm';

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
    rules: Rule[],
    now: Date,
    justApplied: Map<string, StoredEvent[]> = new Map(),
  ): Promise<Map<string, CustomerFacts>> {
    const ids = customers.map((c) => c.id);
    const stats = await this.customers.purchaseStatsOf(tx, customers, this.config.shop.currency);
    const wanted = new Map<string, { windowMs: number; limit: number }>();
    for (const use of rules.flatMap(eventsCountedBy)) {
      const windowMs = Duration.fromISO(use.within).toMillis();
      const prior = wanted.get(use.name);
      wanted.set(use.name, {
        windowMs: Math.max(windowMs, prior?.windowMs ?? 0),
        limit: Math.max(use.atLeast, prior?.limit ?? 0),
      });
    }
    const events = new Map<string, Record<string, number[]>>(ids.map((id) => [id, {}]));
    for (const [name, { windowMs, limit }] of wanted) {
      const since = new Date(now.getTime() - windowMs);
      const stored = await this.events.recentOccurrencesOf(tx, ids, name, since, limit);
      for (const id of ids) {
        const fresh = (justApplied.get(id) ?? [])
          .filter((e) => e.name === name && e.occurredAt >= since)
          .map((e) => e.occurredAt);
        events.get(id)![name] = [...stored.get(id)!, ...fresh].map((d) => d.getTime()).sort((a, b) => b - a);
      }
    }
    return new Map(
      customers.map((customer) => {
        const { firstOrderAt, lastOrderAt, ...amounts } = stats.get(customer.id)!;
        const facts: CustomerFacts = {
          email: customer.email,
          locale: customer.locale,
          timezone: customer.timezone,
          emailConsent: customer.emailConsent,
          attributes: customer.attributes,
          stats: {
            ...amounts,
            firstOrderAt: firstOrderAt?.getTime() ?? null,
            lastOrderAt: lastOrderAt?.getTime() ?? null,
          },
          // A segment rule cannot name another segment (docs/conditions.md).
          segments: [],
          events: events.get(customer.id)!,
        };
        return [customer.id, facts];
      }),
    );
  }
}
