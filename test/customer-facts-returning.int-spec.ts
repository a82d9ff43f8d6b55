import type { TestingModule } from '@nestjs/testing';
import { CustomerRepository, CustomersModule } from '@kizuna/customers';
import { DataSource } from 'typeorm';
import { compileLibs } from './support/lib-module';
import { createTestDatabase, type TestDatabase } from './support/test-database';

/**
 * The profile writes of an inbox event return the facts they left (UPDATE ... RETURNING), so a
 * journey batch decides on them without reading the profile again: they must be exactly the
 * facts a fresh read gives.
 */
describe('customer facts returned by the writes', () => {
  let db: TestDatabase;
  let module: TestingModule;
  let dataSource: DataSource;
  let customers: CustomerRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    module = await compileLibs(db, [CustomersModule]);
    dataSource = module.get(DataSource);
    customers = module.get(CustomerRepository);
  });
  afterAll(async () => {
    await module.close();
    await db.drop();
  });

  const newCustomer = async (customerId: string): Promise<string> => {
    const [row] = await db.query<{ id: string }>(
      `INSERT INTO customers (customer_id, email, email_normalized, attributes)
       VALUES ($1, $2, $2, '{"tier":"gold"}') RETURNING id`,
      [customerId, `${customerId}@example.test`],
    );
    return row!.id;
  };

  it('traits and consent: the merged attributes, zone, locale and consent', async () => {
    const uuid = await newCustomer('c-traits');
    const returned = await dataSource.transaction((tx) =>
      customers.applyProfile(
        tx,
        uuid,
        {
          timezone: 'Asia/Tokyo',
          locale: 'ja',
          attributes: { npsScore: 3 },
          emailConsent: { status: 'subscribed', source: 'event:api', at: new Date('2026-03-01T00:00:00Z') },
        },
        'JPY',
      ),
    );

    expect(returned.attributes).toEqual({ tier: 'gold', npsScore: 3 });
    expect(returned).toMatchObject({ timezone: 'Asia/Tokyo', locale: 'ja', emailConsent: 'subscribed' });
    expect(returned).toEqual((await customers.factsOf(undefined, [uuid], 'JPY')).get(uuid));
  });

  it('an older consent changes nothing and still returns the facts', async () => {
    const uuid = await newCustomer('c-consent');
    const at = (iso: string) => new Date(iso);
    await dataSource.transaction((tx) =>
      customers.applyProfile(
        tx,
        uuid,
        { emailConsent: { status: 'unsubscribed', source: 'event:api', at: at('2026-03-02T00:00:00Z') } },
        'JPY',
      ),
    );
    const returned = await dataSource.transaction((tx) =>
      customers.applyProfile(
        tx,
        uuid,
        {
          attributes: { plan: 'pro' },
          emailConsent: { status: 'subscribed', source: 'event:api', at: at('2026-03-01T00:00:00Z') },
        },
        'JPY',
      ),
    );

    expect(returned.emailConsent).toBe('unsubscribed');
    expect(returned.attributes).toEqual({ tier: 'gold', plan: 'pro' });
  });

  it('order facts: the recomputed stats, averaging the shop-currency orders only', async () => {
    const uuid = await newCustomer('c-orders');
    const returned = await dataSource.transaction(async (tx) => {
      const placedAt = new Date('2026-03-01T10:00:00Z');
      await customers.recordOrder(tx, uuid, { orderId: 'o-1', total: 3000, currency: 'JPY', placedAt });
      await customers.recordOrder(tx, uuid, { orderId: 'o-2', total: 5000, currency: 'JPY', placedAt });
      await customers.recordOrder(tx, uuid, { orderId: 'o-3', total: 20, currency: 'USD', placedAt });
      await customers.recordRefund(tx, uuid, {
        orderId: 'o-2',
        eventId: '00000000-0000-4000-8000-0000000000a1',
        amount: 1000,
        currency: 'JPY',
        refundedAt: placedAt,
      });
      return customers.recomputeStats(tx, uuid, 'JPY');
    });

    // Three orders; revenue 3000 + (5000 − 1000) = 7000 JPY over the two JPY orders: 3500 each.
    expect(returned.stats).toMatchObject({ ordersCount: 3, revenue: 7000, averageOrderValue: 3500 });
    expect(returned).toEqual((await customers.factsOf(undefined, [uuid], 'JPY')).get(uuid));
  });
});
