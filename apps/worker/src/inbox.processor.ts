import { Injectable, Logger } from '@nestjs/common';
import { inboxLag, inboxProcessed } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { CustomerProfileUpdater } from '@kizuna/customers';
import { UnitOfWork } from '@kizuna/database';
import { EventInboxRepository, type StoredEvent } from '@kizuna/events';
import { EngineClock, JourneyRuntime, type RunnableJourney } from '@kizuna/journeys';
import { SegmentMembershipService, SegmentRepository, type Segment } from '@kizuna/segments';
import type { EntityManager } from 'typeorm';

/** Read once per batch: the journeys to run, the active segments and the engine's now. */
interface Batch {
  journeys: RunnableJourney[];
  segments: Segment[];
  now: Date;
}

interface Outcome {
  seq: string;
  customerUuid: string | undefined;
  error?: string;
}

/**
 * Applies a batch of inbox events in one transaction: profile, then journeys (entries, waiting
 * instances, exit rules, goals, with their outbox effects). Each customer's events in order, each
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
    private readonly journeys: JourneyRuntime,
    private readonly segments: SegmentRepository,
    private readonly memberships: SegmentMembershipService,
    private readonly clock: EngineClock,
    private readonly config: KizunaConfig,
  ) {}

  /** Processes one batch; returns how many events it claimed. */
  async processBatch(): Promise<number> {
    const claimed = await this.uow.run(async (tx) => {
      const events = await this.inbox.claimPending(tx, this.config.worker.batchSize);
      if (events.length === 0) {
        return events;
      }
      const batch: Batch = {
        journeys: await this.journeys.runnable(tx),
        segments: await this.segments.active(tx),
        now: await this.clock.now(tx),
      };
      const outcomes: Outcome[] = [];
      for (const group of groupByCustomer(events)) {
        outcomes.push(...(await this.applyGroup(tx, batch, group)));
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

  private async applyGroup(tx: EntityManager, batch: Batch, group: StoredEvent[]): Promise<Outcome[]> {
    try {
      return await this.uow.savepoint(tx, async () => {
        const outcomes: Outcome[] = [];
        for (const event of group) {
          outcomes.push({ seq: event.seq, customerUuid: await this.apply(tx, batch, event) });
        }
        // Segment membership once per customer, after all of its events in this batch.
        if (batch.segments.length > 0) {
          for (const customerUuid of new Set(outcomes.map((o) => o.customerUuid!))) {
            const justApplied = group.filter((_, i) => outcomes[i]!.customerUuid === customerUuid);
            await this.memberships.refresh(tx, customerUuid, batch.now, { segments: batch.segments, justApplied });
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
          const customerUuid = await this.uow.savepoint(tx, () => this.apply(tx, batch, event));
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

  /** The profile first (journeys decide on the updated facts), then the journeys. */
  private async apply(tx: EntityManager, batch: Batch, event: StoredEvent): Promise<string> {
    const customerUuid = await this.profiles.apply(tx, event);
    await this.journeys.applyEvent(tx, batch.journeys, customerUuid, event, batch.now);
    return customerUuid;
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
