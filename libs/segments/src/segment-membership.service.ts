import { Injectable } from '@nestjs/common';
import { CustomerFactsLoader, CustomerRepository } from '@kizuna/customers';
import { EventIngestService, type StoredEvent, type SystemEvent } from '@kizuna/events';
import { evaluateRule } from '@kizuna/rules';
import type { EntityManager } from 'typeorm';
import type { Segment } from './segment.entity';
import { SegmentRepository } from './segment.repository';

export interface MembershipChange {
  customerUuid: string;
  segmentId: string;
  segmentKey: string;
  change: 'entered' | 'exited';
}

/**
 * Keeps memberships current. Called with the customer's row locked: after the customer's
 * events are applied (inbox worker), when a recheck comes due (time passing), and when a
 * segment is first evaluated. Entering and leaving are recorded as `segment.entered` and
 * `segment.exited` events (system events, through ingest, in the caller's transaction), so
 * journeys use them like any other event; a segment still on its first evaluation changes
 * memberships silently, and so does imported history (`kizuna import`): loading last year's
 * orders must not start today's journeys.
 */
@Injectable()
export class SegmentMembershipService {
  constructor(
    private readonly segments: SegmentRepository,
    private readonly customers: CustomerRepository,
    private readonly facts: CustomerFactsLoader,
    private readonly ingest: EventIngestService,
  ) {}

  /**
   * Re-evaluates these (locked) customers against the segments, in a fixed number of statements
   * whatever their number. `justApplied`: per customer, the events applied earlier in this
   * transaction.
   */
  async refresh(
    tx: EntityManager,
    customerUuids: string[],
    now: Date,
    options: {
      segments?: Segment[];
      justApplied?: Map<string, StoredEvent[]>;
      /** Customers whose changes come from imported history only: memberships move silently. */
      silent?: ReadonlySet<string>;
    } = {},
  ): Promise<MembershipChange[]> {
    const segments = options.segments ?? (await this.segments.active(tx));
    if (segments.length === 0 || customerUuids.length === 0) {
      return [];
    }
    const customers = await this.customers.findByUuids(tx, customerUuids);
    const ids = customers.map((c) => c.id);
    const facts = await this.facts.load(
      tx,
      ids,
      segments.map((s) => s.rule),
      now,
      options.justApplied,
    );
    const current = await this.segments.membershipsOf(tx, ids);
    const changes: MembershipChange[] = [];
    const rechecks: Array<{ customerUuid: string; segmentId: string; dueAt: Date | undefined }> = [];
    for (const customer of customers) {
      for (const segment of segments) {
        const verdict = evaluateRule(segment.rule, { customer: facts.get(customer.id)!, now: now.getTime() });
        const was = current.get(customer.id)!.has(segment.id);
        if (verdict.matches !== was) {
          changes.push({
            customerUuid: customer.id,
            segmentId: segment.id,
            segmentKey: segment.key,
            change: verdict.matches ? 'entered' : 'exited',
          });
        }
        rechecks.push({
          customerUuid: customer.id,
          segmentId: segment.id,
          dueAt: verdict.recheckAt === undefined ? undefined : new Date(verdict.recheckAt),
        });
      }
    }
    await this.segments.enter(
      tx,
      changes.filter((c) => c.change === 'entered'),
      now,
    );
    await this.segments.leave(
      tx,
      changes.filter((c) => c.change === 'exited'),
    );
    await this.segments.setRechecks(tx, rechecks);
    const ready = new Set(segments.filter((s) => s.ready).map((s) => s.id));
    const byId = new Map(customers.map((c) => [c.id, c]));
    const events: SystemEvent[] = changes
      .filter((c) => ready.has(c.segmentId) && !options.silent?.has(c.customerUuid))
      .map((c) => {
        const customer = byId.get(c.customerUuid)!;
        return {
          messageId: `segment:${c.segmentId}:${c.customerUuid}:${c.change}:${now.toISOString()}`,
          name: `segment.${c.change}`,
          customerId: customer.customerId ?? undefined,
          email: customer.email ?? undefined,
          occurredAt: now,
          // `segment` is the key journey definitions name; the id is there for joins.
          properties: { segment: c.segmentKey, segmentId: c.segmentId },
        };
      });
    await this.ingest.recordSystemEvents(tx, events);
    return changes;
  }
}
