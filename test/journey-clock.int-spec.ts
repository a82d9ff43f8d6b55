import { VirtualClock } from '../libs/common/src/clock';
import type { TestDatabase } from './support/test-database';
import { startVirtualWorker, type VirtualWorker } from './support/virtual-worker';
import { insertEvents, publishJourney } from './support/worker-process';

const H = 3_600_000;
const DAY = 24 * H;

/**
 * The worker's inbox and timer processors, as production wires them, on real PostgreSQL but on
 * a virtual clock, driven batch by batch (no pollers running).
 */
describe('journey engine on a virtual clock', () => {
  let db: TestDatabase;
  let worker: VirtualWorker;
  const clock = new VirtualClock(new Date('2026-03-02T09:00:00Z')); // a Monday

  beforeAll(async () => {
    worker = await startVirtualWorker(clock, { WEBHOOK_ALLOWED_HOSTS: 'hooks.example.com' });
    db = worker.db;
  });
  afterAll(() => worker.close());

  const drain = () => worker.drain();
  const sent = (journeyId: string) =>
    db.query<{ customer_id: string; step_id: string }>(
      `SELECT c.customer_id, o.step_id FROM outbox_messages o JOIN customers c ON c.id = o.customer_uuid
        WHERE o.journey_id = $1 ORDER BY c.customer_id, o.created_at`,
      [journeyId],
    );

  it('a three-day wait and a 10:00-local wait fire when the clock passes them, not before', async () => {
    const journeyId = await publishJourney(db, {
      name: 'post-purchase',
      entry: { event: 'order.done' },
      steps: [
        { id: 'three-days', type: 'wait', duration: 'P3D', next: 'tips' },
        { id: 'tips', type: 'send', template: 'tips', category: 'marketing', next: 'morning' },
        { id: 'morning', type: 'wait', until: { time: '10:00' }, next: 'review' },
        { id: 'review', type: 'send', template: 'review', category: 'marketing' },
      ],
    });
    // A customer in Tokyo: 10:00 there is 01:00 UTC.
    await db.query(`INSERT INTO customers (customer_id, timezone) VALUES ('tokyo', 'Asia/Tokyo')`);
    await insertEvents(db, [{ customerId: 'tokyo', name: 'order.done' }]);
    await drain();
    expect(await sent(journeyId)).toEqual([]);

    clock.advance(3 * DAY - 1000);
    await drain();
    expect(await sent(journeyId)).toEqual([]);

    clock.advance(1000); // 2026-03-05T09:00Z = 18:00 in Tokyo
    await drain();
    expect((await sent(journeyId)).map((s) => s.step_id)).toEqual(['tips']);
    const [timer] = await db.query<{ due_at: Date }>('SELECT due_at FROM journey_timers WHERE journey_id = $1', [
      journeyId,
    ]);
    expect(timer!.due_at.toISOString()).toBe('2026-03-06T01:00:00.000Z');

    clock.set(new Date('2026-03-06T01:00:00Z'));
    await drain();
    expect((await sent(journeyId)).map((s) => s.step_id)).toEqual(['tips', 'review']);
  });

  it('held-out customers enter and are recorded, and nothing is sent to them', async () => {
    const journeyId = await publishJourney(db, {
      name: 'holdout',
      entry: { event: 'joined' },
      holdout: 0.5,
      steps: [{ id: 'hello', type: 'send', template: 'hello', category: 'marketing' }],
    });
    const customers = Array.from({ length: 60 }, (_, i) => `h-${i}`);
    await insertEvents(
      db,
      customers.map((customerId) => ({ customerId, name: 'joined' })),
    );
    await drain();
    const [row] = await db.query<{ entered: number; held: number }>(
      `SELECT count(*)::int AS entered, count(*) FILTER (WHERE holdout)::int AS held FROM journey_instances WHERE journey_id = $1`,
      [journeyId],
    );
    expect(row!.entered).toBe(60);
    expect(row!.held).toBeGreaterThan(15);
    expect(row!.held).toBeLessThan(45);
    expect(await sent(journeyId)).toHaveLength(60 - row!.held);
    const [history] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM journey_instance_history WHERE journey_id = $1 AND kind = 'held-out'`,
      [journeyId],
    );
    expect(history!.n).toBe(row!.held);
  });

  it('enqueues webhooks to allowed hosts only, even for a definition saved before the list changed', async () => {
    const allowed = await publishJourney(db, {
      name: 'hook',
      entry: { event: 'hooked' },
      steps: [{ id: 'call', type: 'webhook', url: 'https://hooks.example.com/kizuna' }],
    });
    const removed = await publishJourney(db, {
      name: 'old hook',
      entry: { event: 'hooked' },
      steps: [{ id: 'call', type: 'webhook', url: 'https://old.example.net/kizuna' }],
    });
    await insertEvents(db, [{ customerId: 'w-1', name: 'hooked' }]);
    await drain();
    const rows = await db.query<{ journey_id: string; channel: string; webhook_url: string }>(
      `SELECT journey_id, channel, webhook_url FROM outbox_messages WHERE journey_id = ANY($1::uuid[])`,
      [[allowed, removed]],
    );
    expect(rows).toEqual([
      { journey_id: allowed, channel: 'webhook', webhook_url: 'https://hooks.example.com/kizuna' },
    ]);
  });
  describe('time: the past is not acted on, and a backlog does not make waits late', () => {
    const MIN = 60_000;
    const at = (iso: string) => new Date(iso);

    it('an event older than JOURNEY_ENTRY_MAX_AGE updates profile, stats and segments, but enters no journey', async () => {
      clock.set(at('2026-04-01T09:00:00Z'));
      const thankYou = await publishJourney(db, {
        name: 'thank-you',
        entry: { event: 'order.placed', key: 'orderId' },
        steps: [{ id: 'thanks', type: 'send', template: 'order-thank-you', category: 'transactional' }],
      });
      // Segment entries are generated now, from the profile as it is: they still start journeys.
      await db.query(`INSERT INTO segments (key, name, rule, ready) VALUES ('buyers', 'Buyers', $1::jsonb, true)`, [
        JSON.stringify({ field: 'stats.ordersCount', op: 'gte', value: 1 }),
      ]);
      const welcome = await publishJourney(db, {
        name: 'welcome buyers',
        entry: { segment: 'buyers' },
        steps: [{ id: 'welcome', type: 'send', template: 'welcome', category: 'marketing' }],
      });
      const order = (customerId: string, orderId: string, occurredAt: Date) => ({
        customerId,
        name: 'order.placed',
        properties: { orderId, total: 40, currency: 'USD' },
        occurredAt,
      });
      // An import of history: an order 120 days old, one a second past the 24 h default, and
      // today's order of another customer an hour ago (an inbox backlog, not history).
      const old = new Date(clock.now().getTime() - 120 * DAY);
      await insertEvents(db, [
        order('imported', 'o-old', old),
        order('imported', 'o-day', new Date(clock.now().getTime() - DAY - 1000)),
        order('today', 'o-new', new Date(clock.now().getTime() - H)),
      ]);
      await drain();

      expect(
        await db.query(
          `SELECT count(*)::int AS n FROM events WHERE processed_at IS NULL OR processing_error IS NOT NULL`,
        ),
      ).toEqual([{ n: 0 }]);
      const stats = await db.query<{ customer_id: string; orders_count: number; first_order_at: Date }>(
        `SELECT customer_id, orders_count, first_order_at FROM customers
          WHERE customer_id IN ('imported', 'today') ORDER BY customer_id`,
      );
      expect(stats).toEqual([
        { customer_id: 'imported', orders_count: 2, first_order_at: old },
        { customer_id: 'today', orders_count: 1, first_order_at: new Date(clock.now().getTime() - H) },
      ]);
      const members = await db.query<{ customer_id: string }>(
        `SELECT c.customer_id FROM segment_memberships m JOIN segments s ON s.id = m.segment_id
           JOIN customers c ON c.id = m.customer_uuid WHERE s.key = 'buyers' ORDER BY c.customer_id`,
      );
      expect(members.map((m) => m.customer_id)).toEqual(['imported', 'today']);
      // Only today's order is thanked; both customers are welcomed as buyers (now).
      expect(await sent(thankYou)).toEqual([{ customer_id: 'today', step_id: 'thanks' }]);
      expect(await sent(welcome)).toEqual([
        { customer_id: 'imported', step_id: 'welcome' },
        { customer_id: 'today', step_id: 'welcome' },
      ]);
      expect(
        await db.query(`SELECT count(*)::int AS n FROM journey_instances WHERE journey_id = $1`, [thankYou]),
      ).toEqual([{ n: 1 }]);
    });

    it("a wait counts from the event's own time: 10:00 applied at 10:20 is due at 11:00; 09:00 fires at once", async () => {
      const journeyId = await publishJourney(db, {
        name: 'basket',
        entry: { event: 'basket.started', key: 'basketId' },
        steps: [
          { id: 'grace', type: 'wait', duration: 'PT1H', next: 'remind' },
          { id: 'remind', type: 'send', template: 'remind', category: 'marketing' },
        ],
      });
      clock.set(at('2026-04-02T10:20:00Z'));
      await insertEvents(db, [
        {
          customerId: 'b-ten',
          name: 'basket.started',
          properties: { basketId: 'x' },
          occurredAt: at('2026-04-02T10:00:00Z'),
        },
        {
          customerId: 'b-nine',
          name: 'basket.started',
          properties: { basketId: 'y' },
          occurredAt: at('2026-04-02T09:00:00Z'),
        },
      ]);
      await drain();
      // 09:00 + 1 h is already past: the next timer claim (within this drain) sends it.
      expect(await sent(journeyId)).toEqual([{ customer_id: 'b-nine', step_id: 'remind' }]);
      const timers = await db.query<{ due_at: Date }>('SELECT due_at FROM journey_timers WHERE journey_id = $1', [
        journeyId,
      ]);
      expect(timers.map((t) => t.due_at.toISOString())).toEqual(['2026-04-02T11:00:00.000Z']);

      clock.set(at('2026-04-02T10:59:59Z'));
      await drain();
      expect(await sent(journeyId)).toHaveLength(1);
      clock.set(at('2026-04-02T11:00:00Z'));
      await drain();
      expect(await sent(journeyId)).toEqual([
        { customer_id: 'b-nine', step_id: 'remind' },
        { customer_id: 'b-ten', step_id: 'remind' },
      ]);
    });

    it("the reminder lists the cart's latest items, also when the cart changes after it was queued", async () => {
      const journeyId = await publishJourney(db, {
        name: 'cart',
        entry: { event: ['checkout.started', 'cart.updated'], key: 'cartId' },
        steps: [
          { id: 'grace', type: 'wait', duration: 'PT1H', next: 'remind' },
          { id: 'remind', type: 'send', template: 'remind', category: 'marketing' },
        ],
      });
      const cart = (name: string, items: string[], occurredAt: Date) => ({
        customerId: 'shopper',
        name,
        properties: { cartId: 'A', items: items.map((name) => ({ name, price: 10, quantity: 1 })) },
        occurredAt,
      });
      const queuedItems = async () => {
        const rows = await db.query<{ payload: { trigger: { properties: { items: Array<{ name: string }> } } } }>(
          `SELECT payload FROM outbox_messages WHERE journey_id = $1`,
          [journeyId],
        );
        return rows.map((r) => r.payload.trigger.properties.items.map((i) => i.name));
      };
      clock.set(at('2026-04-03T10:00:00Z'));
      await insertEvents(db, [cart('checkout.started', ['Tea cup'], clock.now())]);
      await drain();
      clock.set(at('2026-04-03T10:30:00Z'));
      await insertEvents(db, [cart('cart.updated', ['Tea pot'], clock.now())]);
      await drain();
      // The update neither starts a second instance nor restarts the wait.
      const timers = await db.query<{ due_at: Date }>('SELECT due_at FROM journey_timers WHERE journey_id = $1', [
        journeyId,
      ]);
      expect(timers.map((t) => t.due_at.toISOString())).toEqual(['2026-04-03T11:00:00.000Z']);

      clock.set(at('2026-04-03T11:00:00Z'));
      await drain();
      expect(await queuedItems()).toEqual([['Tea pot']]);

      // Queued, not yet delivered (say, held by quiet hours): the cart changes again, and an
      // older update arrives late; the message will list the newest cart.
      clock.set(new Date(clock.now().getTime() + 10 * MIN));
      await insertEvents(db, [
        cart('cart.updated', ['Tea pot', 'Kettle'], new Date(clock.now().getTime() - MIN)),
        cart('cart.updated', ['Mug'], new Date(clock.now().getTime() - 20 * MIN)),
      ]);
      await drain();
      expect(await queuedItems()).toEqual([['Tea pot', 'Kettle']]);
      expect(
        await db.query(`SELECT count(*)::int AS n FROM journey_instances WHERE journey_id = $1`, [journeyId]),
      ).toEqual([{ n: 1 }]);
    });
  });
});
