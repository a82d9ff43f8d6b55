import { Injectable } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { CustomerRepository, type Customer } from '@kizuna/customers';
import { EventInboxRepository, type StoredEvent } from '@kizuna/events';
import { Duration } from 'luxon';
import type { EntityManager } from 'typeorm';
import { eventsUsedBy } from './evaluate-segment';
import type { SegmentFacts } from './segment-facts';
import type { SegmentRule } from './segment-rule.schema';

/** Loads what a set of rules needs to know about one customer, inside the caller's transaction. */
@Injectable()
export class SegmentFactsLoader {
  constructor(
    private readonly customers: CustomerRepository,
    private readonly events: EventInboxRepository,
    private readonly config: KizunaConfig,
  ) {}

  /**
   * `justApplied`: events of this customer applied earlier in the same transaction, which the
   * events table does not attribute to the customer until the batch commits.
   */
  async load(
    tx: EntityManager,
    customer: Customer,
    rules: SegmentRule[],
    now: Date,
    justApplied: StoredEvent[] = [],
  ): Promise<SegmentFacts> {
    const stats = await this.customers.purchaseStats(tx, customer, this.config.shop.currency);
    const wanted = new Map<string, { windowMs: number; limit: number }>();
    for (const use of rules.flatMap(eventsUsedBy)) {
      const windowMs = Duration.fromISO(use.within).toMillis();
      const prior = wanted.get(use.name);
      wanted.set(use.name, {
        windowMs: Math.max(windowMs, prior?.windowMs ?? 0),
        limit: Math.max(use.atLeast, prior?.limit ?? 0),
      });
    }
    const events: Record<string, Date[]> = {};
    for (const [name, { windowMs, limit }] of wanted) {
      const since = new Date(now.getTime() - windowMs);
      const stored = await this.events.recentOccurrences(tx, customer.id, name, since, limit);
      const fresh = justApplied.filter((e) => e.name === name && e.occurredAt >= since).map((e) => e.occurredAt);
      events[name] = [...stored, ...fresh].sort((a, b) => b.getTime() - a.getTime());
    }
    return {
      email: customer.email,
      locale: customer.locale,
      timezone: customer.timezone,
      emailConsent: customer.emailConsent,
      attributes: customer.attributes,
      stats,
      events,
    };
  }
}
