import { Injectable } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { CustomerRepository } from '@kizuna/customers';
import { contentHash, customerKeyOf, EventInboxRepository, type NewEvent, type StoredEvent } from '@kizuna/events';
import type { EntityManager } from 'typeorm';
import { evaluateSegment } from './evaluate-segment';
import { SegmentFactsLoader } from './segment-facts.loader';
import type { Segment } from './segment.entity';
import { SegmentRepository } from './segment.repository';

export interface MembershipChange {
  segmentId: string;
  segmentKey: string;
  change: 'entered' | 'exited';
}

/**
 * Keeps memberships current. Called with the customer's row locked: after the customer's
 * events are applied (inbox worker), when a recheck comes due (time passing), and when a
 * segment is first evaluated. Entering and leaving are recorded as `segment.entered` and
 * `segment.exited` events in the inbox, so journeys use them like any other event; a segment
 * still on its first evaluation changes memberships silently.
 */
@Injectable()
export class SegmentMembershipService {
  constructor(
    private readonly segments: SegmentRepository,
    private readonly customers: CustomerRepository,
    private readonly facts: SegmentFactsLoader,
    private readonly inbox: EventInboxRepository,
    private readonly config: KizunaConfig,
  ) {}

  async refresh(
    tx: EntityManager,
    customerUuid: string,
    now: Date,
    options: { segments?: Segment[]; justApplied?: StoredEvent[] } = {},
  ): Promise<MembershipChange[]> {
    const segments = options.segments ?? (await this.segments.active(tx));
    const customer = segments.length > 0 ? await this.customers.findByUuid(tx, customerUuid) : null;
    if (!customer) {
      return [];
    }
    const facts = await this.facts.load(
      tx,
      customer,
      segments.map((s) => s.rule),
      now,
      options.justApplied,
    );
    const current = await this.segments.membershipsOf(tx, customerUuid);
    const changes: MembershipChange[] = [];
    for (const segment of segments) {
      const verdict = evaluateSegment(segment.rule, facts, now);
      const was = current.has(segment.id);
      if (verdict.member && !was) {
        await this.segments.enter(tx, customerUuid, segment.id, now);
        changes.push({ segmentId: segment.id, segmentKey: segment.key, change: 'entered' });
      } else if (!verdict.member && was) {
        await this.segments.leave(tx, customerUuid, segment.id);
        changes.push({ segmentId: segment.id, segmentKey: segment.key, change: 'exited' });
      }
      await this.segments.setRecheck(tx, customerUuid, segment.id, verdict.recheckAt);
    }
    const announced = changes.filter((c) => segments.find((s) => s.id === c.segmentId)?.ready);
    if (announced.length > 0) {
      const customerId = customer.customerId ?? undefined;
      const email = customer.email ?? undefined;
      const events: NewEvent[] = announced.map((c) => {
        // `segment` is the key journey definitions name; the id is there for joins.
        const properties = { segment: c.segmentKey, segmentId: c.segmentId };
        return {
          source: 'system',
          messageId: `segment:${c.segmentId}:${customerUuid}:${c.change}:${now.toISOString()}`,
          name: `segment.${c.change}`,
          customerKey: customerKeyOf(customerId, email),
          customerId,
          email,
          occurredAt: now,
          properties,
          traits: undefined,
          bodyHash: contentHash({ name: `segment.${c.change}`, properties, at: now.toISOString() }),
        };
      });
      await this.inbox.insertWithin(tx, events, this.config.ingest.dedupWindowHours);
    }
    return changes;
  }
}
