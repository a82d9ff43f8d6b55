import { Customer, CustomerRepository, type ConsentChange } from '@kizuna/customers';
import { dataSourceOptions } from '../libs/database/src/data-source-options';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { createTestDatabase, type TestDatabase } from './support/test-database';

const at = (iso: string) => new Date(iso);

/**
 * What libs/customers owns alone, against a real PostgreSQL: the customer lock every
 * per-customer serialisation takes, the one consent write, and the one computation of stats.
 */
describe('CustomerRepository', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let customers: CustomerRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    dataSource = await new DataSource({ ...dataSourceOptions(db.url, 4), entities: [Customer] }).initialize();
    customers = new CustomerRepository(dataSource.getRepository(Customer));
  });
  afterAll(async () => {
    await dataSource.destroy();
    await db.drop();
  });

  const newCustomer = async (customerId: string): Promise<string> =>
    (await db.query<{ id: string }>(`INSERT INTO customers (customer_id) VALUES ($1) RETURNING id`, [customerId]))[0]!
      .id;

  /** An `order.refunded` fact, each its own event. */
  const refund = (orderId: string, amount: number | undefined, currency: string | undefined, on = '2026-03-01') => ({
    orderId,
    eventId: randomUUID(),
    amount,
    currency,
    refundedAt: at(`${on}T00:00:00Z`),
  });

  /** Resolves once another session of this database waits for a lock. */
  const someoneWaitsForALock = async (): Promise<void> => {
    for (let i = 0; i < 200; i++) {
      const waiting = await db.query(
        `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
      );
      if (waiting.length > 0) {
        return;
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new Error('nobody waited for a lock');
  };

  describe('lock (the customer lock)', () => {
    it('serialises two transactions on one customer: the second waits until the first ends', async () => {
      const uuid = await newCustomer('lock-wait');
      const order: string[] = [];
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));

      const first = dataSource.transaction(async (tx) => {
        expect(await customers.lock(tx, [uuid])).toEqual([uuid]);
        holding();
        await released;
        order.push('first ends');
      });
      await held;
      const second = dataSource.transaction(async (tx) => {
        expect(await customers.lock(tx, [uuid])).toEqual([uuid]);
        order.push('second holds the lock');
      });
      await someoneWaitsForALock();
      expect(order).toEqual([]);
      release();
      await Promise.all([first, second]);
      expect(order).toEqual(['first ends', 'second holds the lock']);
    });

    it('with skip-locked, leaves out a customer another transaction holds and never waits', async () => {
      const busy = await newCustomer('lock-busy');
      const free = await newCustomer('lock-free');
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      let holding!: () => void;
      const held = new Promise<void>((resolve) => (holding = resolve));
      const holder = dataSource.transaction(async (tx) => {
        await customers.lock(tx, [busy]);
        holding();
        await released;
      });
      await held;
      try {
        expect(await dataSource.transaction((tx) => customers.lock(tx, [busy, free], 'skip-locked'))).toEqual([free]);
      } finally {
        release();
        await holder;
      }
      expect(await dataSource.transaction((tx) => customers.lock(tx, [busy, free], 'skip-locked'))).toEqual(
        [busy, free].sort(),
      );
    });
  });

  describe('recordEmailConsent (the one consent write)', () => {
    const consentOf = async (uuid: string) =>
      (
        await db.query<{ email_consent: string; email_consent_source: string | null; email_consent_at: Date | null }>(
          `SELECT email_consent, email_consent_source, email_consent_at FROM customers WHERE id = $1`,
          [uuid],
        )
      )[0];
    it('applies a report only when it is at least as new as the consent on the profile', async () => {
      const uuid = await newCustomer('consent');
      type Status = ConsentChange['status'];
      const hour = (h: number) => at(`2026-03-02T${String(h).padStart(2, '0')}:00:00Z`);
      // In arrival order: the report (status, source, hour), what the write answers, then the
      // profile's consent (status, source, hour).
      const reports: Array<[Status, string, number, boolean, Status, string, number]> = [
        ['subscribed', 'event:api', 10, true, 'subscribed', 'event:api', 10],
        // An older report arriving late changes nothing.
        ['unsubscribed', 'event:segment', 8, false, 'subscribed', 'event:api', 10],
        // A newer report of the same status is recorded (source and time), no status changes...
        ['subscribed', 'event:shopify', 12, false, 'subscribed', 'event:shopify', 12],
        // ...so a report between the two is older than the latest, and changes nothing.
        ['unsubscribed', 'event:api', 11, false, 'subscribed', 'event:shopify', 12],
        ['unsubscribed', 'unsubscribe-link:one-click', 13, true, 'unsubscribed', 'unsubscribe-link:one-click', 13],
      ];
      for (const [status, source, reportedAt, changed, nowStatus, nowSource, nowAt] of reports) {
        const report = { status, source, at: hour(reportedAt) };
        const answer = await dataSource.transaction((tx) => customers.recordEmailConsent(tx, uuid, report));
        expect({ report, answer, profile: await consentOf(uuid) }).toEqual({
          report,
          answer: changed,
          profile: { email_consent: nowStatus, email_consent_source: nowSource, email_consent_at: hour(nowAt) },
        });
      }
    });
  });

  describe('recomputeStats and factsOf (the one computation of purchase stats)', () => {
    it('counts orders that stand, revenue net of refunds in the shop currency, and averages over those', async () => {
      const uuid = await newCustomer('stats');
      const orders: Array<[orderId: string, total: number, currency: string, placedOn: string]> = [
        ['o-1', 100, 'USD', '2026-01-10'],
        ['o-2', 50, 'EUR', '2026-01-20'],
        ['o-3', 30, 'USD', '2026-02-01'],
        ['o-4', 60, 'USD', '2026-01-15'],
      ];
      await dataSource.transaction(async (tx) => {
        for (const [orderId, total, currency, placedOn] of orders) {
          await customers.recordOrder(tx, uuid, { orderId, total, currency, placedAt: at(`${placedOn}T00:00:00Z`) });
        }
        await customers.recordCancellation(tx, uuid, 'o-3', at('2026-02-02T00:00:00Z'));
        await customers.recordRefund(tx, uuid, refund('o-4', 20, 'USD'));
        await customers.recomputeStats(tx, uuid, 'USD');
      });
      const facts = (await customers.factsOf(undefined, [uuid], 'USD')).get(uuid)!;
      // Orders that stand: o-1, o-2, o-4 (o-3 was cancelled). Revenue in USD: 100 + (60 - 20) = 140,
      // over the two USD orders that stand: 70. First o-1 (Jan 10), latest o-2 (Jan 20).
      expect(facts.stats).toEqual({
        ordersCount: 3,
        revenue: 140,
        averageOrderValue: 70,
        firstOrderAt: Date.parse('2026-01-10T00:00:00Z'),
        lastOrderAt: Date.parse('2026-01-20T00:00:00Z'),
      });
    });
  });
  describe('recordOrder and recordRefund (order facts, docs/analytics.md "Orders, refunds and revenue")', () => {
    const order = (orderId: string, total: number, currency: string, on: string) => ({
      orderId,
      total,
      currency,
      placedAt: at(`${on}T00:00:00Z`),
    });

    /** Records the facts in one transaction, as the worker does, and reads the stats back. */
    async function statsAfter(uuid: string, record: (tx: EntityManager) => Promise<unknown>) {
      await dataSource.transaction(async (tx) => {
        await record(tx);
        await customers.recomputeStats(tx, uuid, 'USD');
      });
      return (await customers.factsOf(undefined, [uuid], 'USD')).get(uuid)!.stats;
    }

    it('keeps a refund that arrives before its order and applies it when the order comes', async () => {
      const uuid = await newCustomer('refund-first');
      const before = await statsAfter(uuid, (tx) => customers.recordRefund(tx, uuid, refund('e-1', 30, 'USD')));
      expect(before).toMatchObject({ ordersCount: 0, revenue: 0 });
      // The order arrives later: 120 - 30 = 90.
      const after = await statsAfter(uuid, (tx) =>
        customers.recordOrder(tx, uuid, order('e-1', 120, 'USD', '2026-02-01')),
      );
      expect(after).toMatchObject({ ordersCount: 1, revenue: 90, averageOrderValue: 90 });
    });

    it('adds partial refunds up, caps them at the order total, and counts a refund event once', async () => {
      const uuid = await newCustomer('refund-partials');
      const twice = refund('p-2', 15, 'USD');
      const stats = await statsAfter(uuid, async (tx) => {
        await customers.recordOrder(tx, uuid, order('p-1', 100, 'USD', '2026-02-01'));
        await customers.recordRefund(tx, uuid, refund('p-1', 25, 'USD'));
        await customers.recordRefund(tx, uuid, refund('p-1', 35.5, 'USD'));
        await customers.recordOrder(tx, uuid, order('p-2', 40, 'USD', '2026-02-02'));
        await customers.recordRefund(tx, uuid, twice);
        await customers.recordRefund(tx, uuid, twice);
        await customers.recordRefund(tx, uuid, refund('p-2', 50, 'USD'));
      });
      // p-1: 100 - (25 + 35.5) = 39.5. p-2: 15 + 50 = 65 refunded, capped at 40, so 0 (the same
      // event recorded twice is one refund of 15). Revenue 39.5 over two orders: 19.75.
      expect(stats).toMatchObject({ ordersCount: 2, revenue: 39.5, averageOrderValue: 19.75 });
    });

    it('records a refund in another currency than its order and does not apply it', async () => {
      const uuid = await newCustomer('refund-currency');
      const stats = await statsAfter(uuid, async (tx) => {
        await customers.recordRefund(tx, uuid, refund('c-1', 1000, 'JPY'));
        await customers.recordOrder(tx, uuid, order('c-1', 80, 'USD', '2026-02-01'));
        await customers.recordRefund(tx, uuid, refund('c-1', 10, 'EUR'));
        await customers.recordRefund(tx, uuid, refund('c-1', 5, undefined));
      });
      // Only the refund without a currency (taken as the order's) applies: 80 - 5 = 75.
      expect(stats).toMatchObject({ ordersCount: 1, revenue: 75 });
      const kept = await db.query<{ currency: string | null }>(
        `SELECT currency FROM order_refunds WHERE customer_uuid = $1 ORDER BY currency NULLS LAST`,
        [uuid],
      );
      expect(kept.map((r) => r.currency)).toEqual(['EUR', 'JPY', null]);
    });

    it('counts a duplicate order once: the first one recorded wins', async () => {
      const uuid = await newCustomer('order-twice');
      const stats = await statsAfter(uuid, async (tx) => {
        await customers.recordOrder(tx, uuid, order('d-1', 60, 'USD', '2026-02-01'));
        await customers.recordOrder(tx, uuid, order('d-1', 999, 'USD', '2026-02-05'));
      });
      expect(stats).toEqual({
        ordersCount: 1,
        revenue: 60,
        averageOrderValue: 60,
        firstOrderAt: Date.parse('2026-02-01T00:00:00Z'),
        lastOrderAt: Date.parse('2026-02-01T00:00:00Z'),
      });
    });

    it('counts an order id once across customers: a second customer with the same id records nothing', async () => {
      const first = await newCustomer('owner-first');
      const second = await newCustomer('owner-second');
      let recorded: boolean[] = [];
      await dataSource.transaction(async (tx) => {
        recorded = [
          await customers.recordOrder(tx, first, order('shared-1', 70, 'USD', '2026-02-01')),
          await customers.recordOrder(tx, second, order('shared-1', 70, 'USD', '2026-02-01')),
          // The owner sending it again is the same order: nothing new, and still its own.
          await customers.recordOrder(tx, first, order('shared-1', 5, 'USD', '2026-02-03')),
        ];
      });
      expect(recorded).toEqual([true, false, true]);
      expect(await statsAfter(first, () => Promise.resolve())).toMatchObject({ ordersCount: 1, revenue: 70 });
      expect(await statsAfter(second, () => Promise.resolve())).toMatchObject({ ordersCount: 0, revenue: 0 });
    });

    it('reports orders in other currencies apart, per currency, net of their refunds', async () => {
      const uuid = await newCustomer('other-currencies');
      const stats = await statsAfter(uuid, async (tx) => {
        await customers.recordOrder(tx, uuid, order('x-1', 50, 'USD', '2026-02-01'));
        await customers.recordOrder(tx, uuid, order('x-2', 4800, 'JPY', '2026-02-02'));
        await customers.recordOrder(tx, uuid, order('x-3', 1200, 'JPY', '2026-02-03'));
        await customers.recordRefund(tx, uuid, refund('x-3', 200, 'JPY'));
        await customers.recordOrder(tx, uuid, order('x-4', 20, 'EUR', '2026-02-04'));
        await customers.recordOrder(tx, uuid, order('x-5', 30, 'EUR', '2026-02-05'));
        await customers.recordCancellation(tx, uuid, 'x-5', at('2026-02-06T00:00:00Z'));
      });
      // Four orders stand (x-5 cancelled); USD revenue is x-1 alone, over one USD order.
      expect(stats).toMatchObject({ ordersCount: 4, revenue: 50, averageOrderValue: 50 });
      // JPY: 4800 + (1200 - 200) = 5800 over two orders; EUR: x-4 only.
      expect(await customers.otherCurrenciesOf(undefined, uuid, 'USD')).toEqual([
        { currency: 'EUR', orders: 1, revenue: 20 },
        { currency: 'JPY', orders: 2, revenue: 5800 },
      ]);
    });
  });
});
