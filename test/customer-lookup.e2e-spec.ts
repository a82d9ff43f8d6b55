import { Role } from '@kizuna/auth';
import { EmailFixtures } from './support/email-fixtures';
import { startTestApp, TEST_ADMIN_KEY, waitFor, type TestApp } from './support/test-app';

/**
 * What the console's customer screens read: finding customers by the start of their id or email
 * (keyset pages), one customer's NPS answers, and their journeys with the next timer.
 */
describe('customer lookup', () => {
  let t: TestApp;
  let f: EmailFixtures;
  let marketer: string;

  beforeAll(async () => {
    t = await startTestApp();
    marketer = await t.keyFor(Role.Marketer);
    f = new EmailFixtures(t, TEST_ADMIN_KEY, TEST_ADMIN_KEY);
    await t.db.query(
      `INSERT INTO customers (customer_id, email, email_normalized, orders_count)
       SELECT 'c-' || g, 'Buyer' || g || '@Shop.test', 'buyer' || g || '@shop.test', g FROM generate_series(1, 30) g`,
    );
    await t.db.query(
      `INSERT INTO customers (customer_id, email, email_normalized) VALUES ('C-upper', NULL, NULL), ('c-%', NULL, NULL)`,
    );
  });
  afterAll(async () => {
    await t.close();
  });

  type Page = {
    customers: Array<{ customerId: string; email: string; ordersCount: number }>;
    nextCursor: string | null;
  };
  const search = (query: string) => f.api<Page>('GET', `/v1/customers?${query}`, marketer);

  it('finds customers by a prefix of their id, in byte order, a page at a time', async () => {
    // c-1, c-10 ... c-19: eleven ids start with "c-1".
    const first = await search('q=c-1&limit=6');
    expect(first.body.customers.map((c) => c.customerId)).toEqual(['c-1', 'c-10', 'c-11', 'c-12', 'c-13', 'c-14']);
    const second = await search(`q=c-1&limit=6&after=${first.body.nextCursor}`);
    expect(second.body.customers.map((c) => c.customerId)).toEqual(['c-15', 'c-16', 'c-17', 'c-18', 'c-19']);
    expect(second.body.nextCursor).toBeNull();
    // Exact ids, case-sensitive; LIKE's wildcards are plain characters.
    expect((await search('q=c-7')).body.customers).toEqual([
      { customerId: 'c-7', email: 'Buyer7@Shop.test', emailConsent: 'unknown', ordersCount: 7, lastOrderAt: null },
    ]);
    expect((await search('q=C-')).body.customers.map((c) => c.customerId)).toEqual(['C-upper']);
    expect((await search('q=c-%25')).body.customers.map((c) => c.customerId)).toEqual(['c-%']);
    expect((await search('q=zzz')).body.customers).toEqual([]);
  });

  it('finds customers by email, lower case, when the query has an @ or by=email', async () => {
    expect((await search('q=BUYER2@')).body.customers.map((c) => c.customerId)).toEqual(['c-2']);
    expect((await search('q=buyer3&by=email')).body.customers.map((c) => c.customerId)).toEqual(['c-30', 'c-3']); // '0' (0x30) sorts before '@' (0x40)
  });

  it('refuses an empty query, a bad mode and a forged cursor with a 400', async () => {
    expect((await search('q=%20')).status).toBe(400);
    expect((await search('q=a&by=name')).status).toBe(400);
    const forged = Buffer.from('email:buyer1@shop.test').toString('base64url');
    expect(await search(`q=c-&after=${forged}`)).toMatchObject({ status: 400, body: { code: 'INVALID_CURSOR' } });
  });

  it("lists one name of a customer's events (NPS answers), and their journeys with the next timer", async () => {
    await f.customer('c-nps', 'nps@shop.test');
    await f.event({ name: 'nps.responded', customerId: 'c-nps', messageId: 'nps-1', properties: { score: 9 } });
    await f.event({
      name: 'product.viewed',
      customerId: 'c-nps',
      messageId: 'view-1',
      properties: { productId: 'tea' },
    });
    const nps = await f.api<{ events: Array<{ name: string; properties: { score: number } }> }>(
      'GET',
      '/v1/customers/c-nps/events?name=nps.responded',
      marketer,
    );
    expect(nps.body.events.map((e) => [e.name, e.properties.score])).toEqual([['nps.responded', 9]]);

    const journey = await f.api<{ id: string }>('POST', '/v1/journeys', marketer, {
      name: 'Cart rescue',
      entry: { event: 'checkout.started', key: 'cartId' },
      exit: [{ event: 'order.placed', sameKey: 'cartId' }],
      steps: [
        { id: 'grace', type: 'wait', duration: 'PT2H', next: 'done' },
        { id: 'done', type: 'exit' },
      ],
    });
    expect(journey.status).toBe(201);
    expect((await f.api('POST', `/v1/journeys/${journey.body.id}/publish`, marketer, {})).status).toBe(200);
    await f.event({
      name: 'checkout.started',
      customerId: 'c-nps',
      messageId: 'co-1',
      properties: { cartId: 'k1', items: [] },
    });
    const [timer] = await waitFor(
      async () => {
        const rows = await t.db.query<{ due_at: Date }>('SELECT due_at FROM journey_timers WHERE journey_id = $1', [
          journey.body.id,
        ]);
        return rows.length > 0 ? rows : undefined;
      },
      10_000,
      'the instance waiting',
    );
    const mine = await f.api<{ instances: Array<Record<string, unknown>> }>(
      'GET',
      '/v1/customers/c-nps/journeys',
      marketer,
    );
    expect(mine.body.instances).toHaveLength(1);
    expect(mine.body.instances[0]).toMatchObject({
      journeyId: journey.body.id,
      journeyName: 'Cart rescue',
      currentStep: 'grace',
      nextTimer: { dueAt: timer!.due_at.toISOString() },
    });
  });
});
