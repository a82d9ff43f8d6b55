import { Injectable, Logger } from '@nestjs/common';
import { inboxLag, inboxProcessed } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { Clock } from '@kizuna/common';
import { CustomerProfileUpdater } from '@kizuna/customers';
import { UnitOfWork } from '@kizuna/database';
import { EventInboxRepository, type StoredEvent } from '@kizuna/events';
import { SegmentMembershipService, SegmentRepository, type Segment } from '@kizuna/segments';
import type { EntityManager } from 'typeorm';

interface Outcome {
  seq: string;
  customerUuid: string | undefined;
  error?: string;
}

/**
 * Applies a batch of inbox events in one transaction: each customer's events in order, each
 * customer isolated by a savepoint so one bad event cannot hold up the rest. A crash before
 * commit leaves every event of the batch pending, to be claimed again.
 */
@Injectable()
export class InboxProcessor {
  private readonly logger = new Logger(InboxProcessor.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly inbox: EventInboxRepository,
    private readonly profiles: CustomerProfileUpdater,
    private readonly segments: SegmentRepository,
    private readonly memberships: SegmentMembershipService,
    private readonly config: KizunaConfig,
    private readonly clock: Clock,
  ) {}

  /** Processes one batch; returns how many events it claimed. */
  async processBatch(): Promise<number> {
    const claimed = await this.uow.run(async (tx) => {
      const events = await this.inbox.claimPending(tx, this.config.worker.batchSize);
      const outcomes: Outcome[] = [];
      const segments = events.length > 0 ? await this.segments.active(tx) : [];
      for (const group of groupByCustomer(events)) {
        outcomes.push(...(await this.applyGroup(tx, group, segments)));
      }
      await this.inbox.markProcessed(tx, outcomes);
      return events;
    });
    const now = Date.now();
    for (const event of claimed) {
      inboxLag.observe((now - event.receivedAt.getTime()) / 1000);
    }
    return claimed.length;
  }

  private async applyGroup(tx: EntityManager, group: StoredEvent[], segments: Segment[]): Promise<Outcome[]> {
    try {
      return await this.uow.savepoint(tx, async () => {
        const outcomes: Outcome[] = [];
        for (const event of group) {
          outcomes.push({ seq: event.seq, customerUuid: await this.apply(tx, event) });
        }
        // Segment membership once per customer, after all of its events in this batch.
        if (segments.length > 0) {
          const now = this.clock.now();
          for (const customerUuid of new Set(outcomes.map((o) => o.customerUuid!))) {
            const justApplied = group.filter((_, i) => outcomes[i]!.customerUuid === customerUuid);
            await this.memberships.refresh(tx, customerUuid, now, { segments, justApplied });
          }
        }
        inboxProcessed.inc({ outcome: 'ok' }, outcomes.length);
        return outcomes;
      });
    } catch {
      // Something in this customer's events failed: redo them one by one to find which, so
      // the others still apply and the failing one is recorded instead of retried forever.
      const outcomes: Outcome[] = [];
      for (const event of group) {
        try {
          const customerUuid = await this.uow.savepoint(tx, () => this.apply(tx, event));
          outcomes.push({ seq: event.seq, customerUuid });
          inboxProcessed.inc({ outcome: 'ok' });
        } catch (error) {
          const message = error instanceof Error ? error.message : String(error);
          this.logger.error({ msg: 'inbox event failed', eventId: event.id, name: event.name, err: message });
          outcomes.push({ seq: event.seq, customerUuid: undefined, error: message.slice(0, 2000) });
          inboxProcessed.inc({ outcome: 'failed' });
        }
      }
      return outcomes;
    }
  }

  private apply(tx: EntityManager, event: StoredEvent): Promise<string> {
    return this.profiles.apply(tx, event);
  }
}

function groupByCustomer(events: StoredEvent[]): StoredEvent[][] {
  const groups = new Map<string, StoredEvent[]>();
  for (const event of events) {
    const group = groups.get(event.customerKey);
    if (group) {
      group.push(event);
    } else {
      groups.set(event.customerKey, [event]);
    }
  }
  return [...groups.values()];
}
