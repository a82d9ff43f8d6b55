import { Customer, CustomerRepository, type ConsentChange } from '@kizuna/customers';
import { dataSourceOptions } from '../libs/database/src/data-source-options';
import { DataSource } from 'typeorm';
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
        await customers.recordRefund(tx, uuid, 'o-4', 20);
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
});
