import { VirtualClock } from '../libs/common/src/clock';
import { UnitOfWork } from '@kizuna/database';
import { EventIngestService, type IngestResult } from '@kizuna/events';
import { OutboxRepository } from '@kizuna/messaging';
import { DeliveryRepository } from '../libs/messaging/src/delivery/delivery.repository';
import { SegmentEvaluationJobs } from '@kizuna/segments';
import type { TestingModule } from '@nestjs/testing';
import type { TestDatabase } from './support/test-database';
import { startVirtualWorker, type VirtualWorker } from './support/virtual-worker';
import { publishJourney } from './support/worker-process';

const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const DAY = 24 * H;

/**
 * One clock for everything that decides by time (decisions/0019). The worker's modules, as
 * production wires them, on a virtual clock years away from the database's own: journeys,
 * segments, delivery and ingest all move when it moves, and only then. Had any of them read
 * the database's now() or the host's clock, the virtual future would never come due (or would
 * be refused as skewed).
 */
describe('one clock', () => {
  let db: TestDatabase;
  let module: TestingModule;
  let worker: VirtualWorker;
  const clock = new VirtualClock(new Date('2031-06-02T09:00:00Z'));
  let ingest: EventIngestService;

  beforeAll(async () => {
    worker = await startVirtualWorker(clock, {
      EVENT_MAX_FUTURE_SKEW_SECONDS: '300',
      EVENT_DEDUP_WINDOW_HOURS: '72',
      FREQUENCY_CAP_RULES: '',
      QUIET_HOURS: '',
    });
    ({ db, module } = worker);
    ingest = module.get(EventIngestService);
  });
  afterAll(() => worker.close());

  const post = (messageId: string, name: string, customerId: string, at: Date, properties = {}) =>
    ingest.ingest('api', [
      { path: '(body)', input: { messageId, name, customerId, timestamp: at.toISOString(), properties } },
    ]);
  const drain = () => worker.drain();

  it('ingest: the future-skew limit and the dedup window follow the clock', async () => {
    const t0 = clock.now().getTime();
    // 300 s of skew are accepted: 299 s ahead is, 301 s is not...
    const [ahead] = await post('skew-299', 'page.viewed', 'i-1', new Date(t0 + 299 * S));
    expect(ahead!.status).toBe('accepted');
    await expect(post('skew-301', 'page.viewed', 'i-1', new Date(t0 + 301 * S))).rejects.toThrow(
      'is 301 s in the future',
    );
    // ... until the clock has moved 2 s: then it is 299 s ahead.
    clock.advance(2 * S);
    const [later] = await post('skew-301', 'page.viewed', 'i-1', new Date(t0 + 301 * S));
    expect(later!.status).toBe('accepted');

    // A key is remembered for 72 h of the clock: a repeat at exactly 72 h is a duplicate, one
    // a second later is a new event.
    const at = clock.now();
    const [first] = await post('repeat', 'page.viewed', 'i-1', at);
    clock.advance(72 * H);
    const [repeat] = await post('repeat', 'page.viewed', 'i-1', at);
    expect(repeat).toEqual<IngestResult>({ messageId: 'repeat', eventId: first!.eventId, status: 'duplicate' });
    clock.advance(S);
    const [anew] = await post('repeat', 'page.viewed', 'i-1', at);
    expect(anew!.status).toBe('accepted');
    expect(anew!.eventId).not.toBe(first!.eventId);
  });

  it('journeys: a two-hour wait fires when the clock passes it, not before', async () => {
    const journeyId = await publishJourney(db, {
      name: 'welcome',
      entry: { event: 'signed.up' },
      steps: [
        { id: 'grace', type: 'wait', duration: 'PT2H', next: 'hello' },
        { id: 'hello', type: 'send', template: 'hello', category: 'transactional' },
      ],
    });
    const entered = clock.now();
    await post('signed-up-1', 'signed.up', 'j-1', entered);
    await drain();
    const queued = () =>
      db.query<{ step_id: string; not_before: Date }>(
        `SELECT step_id, not_before FROM outbox_messages WHERE journey_id = $1`,
        [journeyId],
      );
    const [timer] = await db.query<{ due_at: Date }>(`SELECT due_at FROM journey_timers WHERE journey_id = $1`, [
      journeyId,
    ]);
    expect(timer!.due_at).toEqual(new Date(entered.getTime() + 2 * H));

    clock.advance(2 * H - S);
    await drain();
    expect(await queued()).toEqual([]);

    clock.advance(S);
    await drain();
    // Due from the moment the wait ended, on the clock.
    expect(await queued()).toEqual([{ step_id: 'hello', not_before: new Date(entered.getTime() + 2 * H) }]);
  });

  it('segments: a dormancy window flips membership when the clock crosses it', async () => {
    const [segment] = await db.query<{ id: string }>(
      `INSERT INTO segments (key, name, rule, ready) VALUES ('dormant-30d', 'Dormant', $1::jsonb, true) RETURNING id`,
      [
        JSON.stringify({
          all: [
            { field: 'stats.ordersCount', op: 'gte', value: 1 },
            { field: 'stats.lastOrderAt', op: 'notWithin', value: 'P30D' },
          ],
        }),
      ],
    );
    const member = async (customerId = 's-1') =>
      (
        await db.query(
          `SELECT 1 FROM segment_memberships m JOIN customers c ON c.id = m.customer_uuid
            WHERE m.segment_id = $1 AND c.customer_id = $2`,
          [segment!.id, customerId],
        )
      ).length === 1;
    const ordered = clock.now();
    await post('order-s-1', 'order.placed', 's-1', ordered, { orderId: 'o-s-1', total: 20, currency: 'USD' });
    // An imported order 31 days old: dormant as soon as the worker applies it.
    const imported = new Date(ordered.getTime() - 31 * DAY);
    await post('order-s-2', 'order.placed', 's-2', imported, { orderId: 'o-s-2', total: 20, currency: 'USD' });
    await drain();
    expect(await member()).toBe(false);
    expect(await member('s-2')).toBe(true);

    // "Not within 30 days" holds from 30 days and 1 ms after the order.
    const jobs = module.get(SegmentEvaluationJobs);
    clock.set(new Date(ordered.getTime() + 30 * DAY));
    await jobs.runDueRechecks();
    expect(await member()).toBe(false);

    clock.advance(1);
    await jobs.runDueRechecks();
    expect(await member()).toBe(true);
    const [entry] = await db.query<{ occurred_at: Date }>(
      `SELECT occurred_at FROM events WHERE name = 'segment.entered' AND customer_id = 's-1'`,
    );
    expect(entry!.occurred_at).toEqual(new Date(ordered.getTime() + 30 * DAY + 1));
  });

  it('delivery: a deferred message becomes due, and a lease runs out, on the clock', async () => {
    await db.query(`DELETE FROM outbox_messages`);
    const [customer] = await db.query<{ id: string }>(
      `INSERT INTO customers (customer_id, email) VALUES ('d-1', 'd1@example.test') RETURNING id`,
    );
    const [id] = await module.get(UnitOfWork).run(async (tx) => {
      await module.get(OutboxRepository).enqueue(tx, [
        {
          effectKey: 'd-1:hello:1',
          customerUuid: customer!.id,
          channel: 'email',
          templateKey: 'hello',
          category: 'transactional',
          payload: {},
          notBefore: clock.now(),
        },
      ]);
      return (await tx.query<Array<{ id: string }>>(`SELECT id FROM outbox_messages`)).map((r) => r.id);
    });
    const delivery = module.get(DeliveryRepository);
    const claimed = async (): Promise<Array<{ id: string; leaseOwner: string }>> =>
      (await delivery.claim(10, 60)).map(({ id, leaseOwner }) => ({ id, leaseOwner }));

    // An attempt, answered "try again in 10 minutes" (SMTP 451).
    const [message] = await claimed();
    expect(message!.id).toBe(id);
    const opened = await delivery.startAttempt(message!, undefined, 60);
    // Give-up counts from the first attempt, as the clock saw it.
    expect(opened).toEqual({ attempt: 1, firstAttemptAt: clock.now() });
    const retryAt = new Date(clock.now().getTime() + 10 * MIN);
    expect(
      await delivery.recordAttempt(message!, 1, { outcome: 'deferred', code: 451, response: '451 busy', retryAt }),
    ).toBe(true);

    clock.advance(10 * MIN - S);
    expect(await claimed()).toEqual([]);
    clock.advance(S);
    const [due] = await claimed();
    expect(due!.id).toBe(id);

    // Claimed with a 60 s lease: nobody else may take it for 60 s of the clock, then anyone may.
    clock.advance(60 * S);
    expect(await claimed()).toEqual([]);
    clock.advance(1);
    const [takenOver] = await claimed();
    expect(takenOver!.id).toBe(id);
    expect(takenOver!.leaseOwner).not.toBe(due!.leaseOwner);
    // The first claim lost its lease: it can no longer renew it.
    expect(await delivery.extendLeases([id!], due!.leaseOwner, 60)).toEqual(new Set());
  });
});
