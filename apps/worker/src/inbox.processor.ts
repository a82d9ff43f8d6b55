import { Injectable, Logger } from '@nestjs/common';
import {
  AnalyticsSettingsRepository,
  NpsAnswerRepository,
  OrderAttributionRepository,
  type AppliedOrder,
  type AttributionContext,
  type NpsAnswerFact,
} from '@kizuna/analytics';
import { Clock, errorMessage, inboxLag, inboxProcessed } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { CustomerProfileUpdater, CustomerRepository, ORDER_EVENTS, type OrderSnapshot } from '@kizuna/customers';
import { isDatabaseUnreachable, UnitOfWork } from '@kizuna/database';
import { EventInboxRepository, type StoredEvent } from '@kizuna/events';
import { JourneyRuntime, type RunnableJourney } from '@kizuna/journeys';
import { SegmentMembershipService, SegmentRepository, type Segment } from '@kizuna/segments';
import type { EntityManager } from 'typeorm';

/** Read once per batch: the journeys to run, the active segments, the clock's now, the attribution settings. */
interface Batch {
  journeys: RunnableJourney[];
  segments: Segment[];
  now: Date;
  attribution: AttributionContext;
}

interface Outcome {
  seq: string;
  customerUuid: string | undefined;
  error?: string;
}

/**
 * Applies a batch of inbox events in one transaction: profiles, then journeys (entries, waiting
 * instances, exit rules, goals, with their outbox effects), then segment memberships. The whole
 * batch is worked set-based first: a few statements load every customer's profile, instances
 * and facts, each event is decided in memory in order, and a few more write everything back.
 * If that fails, the batch is redone customer by customer (each under a savepoint), and a
 * failing customer event by event, so one bad event cannot hold up the rest and is recorded
 * instead of retried forever. A crash before commit, or the database becoming unreachable,
 * leaves every event pending, to be claimed again.
 */
@Injectable()
export class InboxProcessor {
  private readonly logger = new Logger(InboxProcessor.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly inbox: EventInboxRepository,
    private readonly profiles: CustomerProfileUpdater,
    private readonly npsAnswers: NpsAnswerRepository,
    private readonly journeys: JourneyRuntime,
    private readonly segments: SegmentRepository,
    private readonly memberships: SegmentMembershipService,
    private readonly clock: Clock,
    private readonly config: KizunaConfig,
    private readonly customers: CustomerRepository,
    private readonly attributions: OrderAttributionRepository,
    private readonly analyticsSettings: AnalyticsSettingsRepository,
  ) {}

  /** Processes one batch; returns how many events it claimed. */
  async processBatch(): Promise<number> {
    const claimed = await this.uow.run(async (tx) => {
      const events = await this.inbox.claimPending(tx, this.config.worker.batchSize);
      if (events.length === 0) {
        return events;
      }
      const settings = await this.analyticsSettings.current(tx);
      const batch: Batch = {
        journeys: await this.journeys.runnable(tx),
        segments: await this.segments.active(tx),
        now: this.clock.now(),
        attribution: {
          attribution: settings.attribution,
          engagement: settings.engagement,
          shopCurrency: this.config.shop.currency,
        },
      };
      const outcomes = await this.applyIsolated(tx, batch, events);
      await this.inbox.markProcessed(tx, outcomes);
      return events;
    });
    const now = this.clock.now().getTime();
    for (const event of claimed) {
      inboxLag.observe((now - event.receivedAt.getTime()) / 1000);
    }
    return claimed.length;
  }

  /** All events at once; on failure each customer's apart; a failing customer's event by event. */
  private async applyIsolated(tx: EntityManager, batch: Batch, events: StoredEvent[]): Promise<Outcome[]> {
    try {
      return await this.uow.savepoint(tx, () => this.apply(tx, batch, events));
    } catch (error) {
      if (isDatabaseUnreachable(error)) {
        // Not this batch's fault, and the transaction is gone: redoing it piece by piece would
        // only log (and count as failed) every event. The loop backs off and claims it again.
        throw error;
      }
      const groups = groupByCustomer(events);
      if (groups.length > 1) {
        this.logger.warn({ msg: 'inbox batch failed; redoing it customer by customer', err: errorMessage(error) });
        const outcomes: Outcome[] = [];
        for (const group of groups) {
          outcomes.push(...(await this.applyIsolated(tx, batch, group)));
        }
        return outcomes;
      }
      if (events.length > 1) {
        const outcomes: Outcome[] = [];
        for (const event of events) {
          outcomes.push(...(await this.applyIsolated(tx, batch, [event])));
        }
        return outcomes;
      }
      const event = events[0]!;
      this.logger.error({ msg: 'inbox event failed', eventId: event.id, name: event.name, err: errorMessage(error) });
      inboxProcessed.inc({ outcome: 'failed' });
      return [{ seq: event.seq, customerUuid: undefined, error: errorMessage(error).slice(0, 2000) }];
    }
  }

  /**
   * The profile first (journeys decide on the updated facts), then the journeys, event by event
   * in order; then what the batch's order events change beyond the profile (recordOrderOutcomes),
   * the NPS answers, and segment membership for every customer at once, after all of their events.
   */
  private async apply(tx: EntityManager, batch: Batch, events: StoredEvent[]): Promise<Outcome[]> {
    const customers = await this.profiles.resolveAll(tx, events);
    const ordersBefore = await this.profiles.beginOrderFacts(tx, events, customers);
    const uuidOf = (event: StoredEvent) => customers.get(event.seq)!.uuid;
    const journeyBatch = await this.journeys.begin(tx, {
      customerUuids: events.map(uuidOf),
      now: batch.now,
      journeys: batch.journeys,
      events: events.map((e) => ({ customerUuid: uuidOf(e), eventSeq: e.seq })),
    });
    for (const event of events) {
      const customer = customers.get(event.seq)!;
      // The facts the profile writes left, so the journeys decide on them without reading them again.
      const profile = await this.profiles.applyChanges(tx, customer, event);
      if (profile) {
        journeyBatch.profileChanged(customer.uuid, profile);
      }
      await this.journeys.applyEvent(tx, journeyBatch, customer.uuid, event);
    }
    await this.journeys.write(tx, journeyBatch);
    await this.recordOrderOutcomes(
      tx,
      batch,
      events.filter((e) => ORDER_EVENTS.has(e.name)).map((event) => ({ customerUuid: uuidOf(event), event })),
      ordersBefore,
    );
    await this.npsAnswers.record(
      tx,
      events.flatMap((e) => npsAnswerOf(e, uuidOf(e))),
    );
    if (batch.segments.length > 0) {
      const justApplied = new Map<string, StoredEvent[]>();
      for (const event of events) {
        justApplied.set(uuidOf(event), [...(justApplied.get(uuidOf(event)) ?? []), event]);
      }
      // Imported history moves memberships silently: it must start no journey (docs/import.md).
      const silent = new Set(
        [...justApplied].filter(([, applied]) => applied.every((e) => e.source === 'import')).map(([uuid]) => uuid),
      );
      await this.memberships.refresh(tx, [...justApplied.keys()], batch.now, {
        segments: batch.segments,
        justApplied,
        silent,
      });
    }
    inboxProcessed.inc({ outcome: 'ok' }, events.length);
    return events.map((e) => ({ seq: e.seq, customerUuid: uuidOf(e) }));
  }

  /**
   * What the batch's order events (placed, refunded, cancelled) change beyond the profile, one
   * named step after another, each reading the orders as the profile writes above left them
   * (`customer_orders`, net of refunds, in this transaction), after the journeys' write (so the
   * entries the batch made exist):
   * 1. attribution: an order is credited when first placed (last touch), its credit re-measured
   *    when a refund or cancellation changes it (docs/analytics.md, "Attribution"; decisions/0033);
   * 2. entry revenue: the journey entries whose goal window holds a changed order take its new
   *    figure, with their `entry_daily` rows (decisions/0035);
   * 3. shop rollups: the shop's order rollups move by what the batch changed in its customers'
   *    orders (decisions/0034).
   * Each recomputes from the orders rather than adding the event's amount, so duplicates, replays
   * and refunds before their order converge on the same figures.
   */
  private async recordOrderOutcomes(
    tx: EntityManager,
    batch: Batch,
    orderEvents: Array<{ customerUuid: string; event: StoredEvent }>,
    ordersBefore: OrderSnapshot,
  ): Promise<void> {
    await this.attribute(tx, batch, orderEvents);
    await this.journeys.recordOrderRevenue(
      tx,
      orderEvents.map(({ customerUuid, event }) => ({ customerUuid, orderId: String(event.properties.orderId) })),
    );
    await this.profiles.settleOrderFacts(tx, ordersBefore);
  }

  /**
   * Attribution of the orders the batch's order events touched (recordOrderOutcomes, step 1). A
   * refund or cancellation before its order changes nothing: the order's own arrival credits it,
   * refunds applied.
   */
  private async attribute(
    tx: EntityManager,
    batch: Batch,
    orderEvents: Array<{ customerUuid: string; event: StoredEvent }>,
  ): Promise<void> {
    const touched = new Map<string, { customerUuid: string; orderId: string; placed: boolean }>();
    for (const { customerUuid, event } of orderEvents) {
      const orderId = String(event.properties.orderId);
      const key = `${customerUuid}:${orderId}`;
      const placed = event.name === 'order.placed' || (touched.get(key)?.placed ?? false);
      touched.set(key, { customerUuid, orderId, placed });
    }
    const orders = await this.customers.orders(tx, [...touched.values()]);
    await this.attributions.ordersApplied(
      tx,
      [...touched].flatMap(([key, { customerUuid, placed }]): AppliedOrder[] => {
        const order = orders.get(key);
        return order ? [{ customerUuid, order, placed }] : [];
      }),
      batch.attribution,
    );
  }
}

/**
 * Every `nps.responded` is an answer, whoever posted it: Kizuna's answer page or a shop surveying
 * with another tool (docs/events.md). Events stored before answers were checked at ingest are
 * kept out unless their score is a whole number from 0 to 10.
 */
function npsAnswerOf(event: StoredEvent, customerUuid: string): NpsAnswerFact[] {
  const p = event.properties;
  if (event.name !== 'nps.responded' || !Number.isInteger(p.score) || Number(p.score) < 0 || Number(p.score) > 10) {
    return [];
  }
  const comment = typeof p.comment === 'string' && p.comment.trim() !== '' ? p.comment.trim() : null;
  return [
    {
      customerUuid,
      eventId: event.id,
      eventSeq: event.seq,
      answeredAt: event.occurredAt,
      score: Number(p.score),
      comment,
      source: event.source,
      journeyId: typeof p.journeyId === 'string' ? p.journeyId : null,
    },
  ];
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
