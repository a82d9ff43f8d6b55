import { Analytics } from '@segment/analytics-node';
import { Role } from '@kizuna/auth';
import { type ErrorBody, type EventPageBody, type EventRow, type ProfileBody } from './support/http-bodies';
import { startTestApp, waitForInboxDrained, type TestApp } from './support/test-app';

/**
 * The Segment HTTP Tracking API, driven by the real analytics-node client: what a shop that
 * already instruments with Segment sends, unchanged, with an ingest key as the write key.
 */

interface SentMessage {
  type: string;
  messageId: string;
  userId?: string;
  anonymousId?: string;
  event?: string;
}

interface SentBatch {
  batch: SentMessage[];
  writeKey: string;
}

interface Exchange {
  /** The exact body analytics-node sent. */
  body: string;
  authorization: string | undefined;
  status: number;
}

interface SkippedBody {
  index: number;
  messageId?: string;
  reason: string;
}

interface SegmentBody {
  success: boolean;
  skipped: SkippedBody[];
}

/** The columns eventRows() selects. */
type ListedEventRow = Omit<EventRow, 'id' | 'customer_key'>;

/** Runs `calls` against a fresh analytics-node client and reports every HTTP exchange it made. */
async function withClient(t: TestApp, writeKey: string, calls: (analytics: Analytics) => void): Promise<Exchange[]> {
  const analytics = new Analytics({
    writeKey,
    host: t.baseUrl,
    path: '/v1/batch',
    flushAt: 50,
    flushInterval: 60_000,
    maxRetries: 0,
  });
  const requests: Array<{ body: string; authorization: string | undefined }> = [];
  const statuses: number[] = [];
  analytics.on('http_request', (request) =>
    requests.push({ body: request.body, authorization: request.headers.Authorization }),
  );
  analytics.on('http_response', (response) => statuses.push(response.status));
  calls(analytics);
  await analytics.closeAndFlush({ timeout: 15_000 });
  return requests.map((r, i) => ({ ...r, status: statuses[i] ?? -1 }));
}

const basicAuth = (key: string): string => `Basic ${Buffer.from(`${key}:`).toString('base64')}`;

describe('Segment HTTP Tracking API', () => {
  let t: TestApp;
  let writeKey: string;
  let marketerKey: string;

  beforeAll(async () => {
    t = await startTestApp();
    writeKey = await t.keyFor(Role.Ingest);
    marketerKey = await t.keyFor(Role.Marketer);
  });
  afterAll(() => t.close());

  const post = (path: string, body: unknown, authorization = basicAuth(writeKey)): Promise<Response> =>
    fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });

  const eventRows = (): Promise<ListedEventRow[]> =>
    t.db.query<ListedEventRow>(
      'SELECT name, source, message_id, customer_id, email, occurred_at, properties, traits, processed_at, processing_error FROM events ORDER BY seq',
    );

  const eventCount = async (): Promise<number> =>
    (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events'))[0]!.n;

  const waitForProcessing = (): Promise<true> => waitForInboxDrained(t);

  const profile = async (customerId: string): Promise<{ status: number; body: ProfileBody }> => {
    const res = await fetch(`${t.baseUrl}/v1/customers/${encodeURIComponent(customerId)}`, {
      headers: { authorization: `Bearer ${marketerKey}` },
    });
    return { status: res.status, body: (await res.json()) as ProfileBody };
  };

  // Whole seconds in the past: the stored timestamps can be compared exactly.
  const base = Math.floor(Date.now() / 1000) * 1000 - 10 * 60_000;
  const at = (seconds: number): Date => new Date(base + seconds * 1000);

  const products = [
    { product_id: 'sku-mug', sku: 'MUG-BLUE', name: 'Kizuna Mug', price: 19.99, quantity: 2 },
    { product_id: 'sku-tea', name: 'Sencha Tea', price: 12.5, quantity: 1 },
  ];
  const items = [
    { id: 'sku-mug', name: 'Kizuna Mug', price: 19.99, quantity: 2 },
    { id: 'sku-tea', name: 'Sencha Tea', price: 12.5, quantity: 1 },
  ];

  /** What analytics-node sent in the main scenario, kept for the redelivery tests. */
  let sent: { body: string; batch: SentMessage[] };

  describe('a purchase sent with analytics-node', () => {
    let exchanges: Exchange[];

    beforeAll(async () => {
      exchanges = await withClient(t, writeKey, (analytics) => {
        analytics.identify({
          userId: 'user-ada',
          traits: { email: 'ada@example.com', firstName: 'Ada' },
          context: { timezone: 'Asia/Tokyo', locale: 'ja-JP' },
          timestamp: at(0),
        });
        analytics.track({
          userId: 'user-ada',
          event: 'Checkout Started',
          properties: { checkout_id: 'chk-100', value: 52.48, currency: 'USD', products },
          timestamp: at(1),
        });
        analytics.track({
          userId: 'user-ada',
          event: 'Order Completed',
          properties: { order_id: 'order-100', checkout_id: 'chk-100', total: 52.48, currency: 'USD', products },
          timestamp: at(2),
        });
        analytics.track({
          userId: 'user-ada',
          event: 'Order Refunded',
          properties: { order_id: 'order-100', value: 12.5, currency: 'USD' },
          timestamp: at(3),
        });
        analytics.track({
          userId: 'user-ada',
          event: 'Signed Up',
          properties: { plan: 'free', referrer: 'newsletter' },
          timestamp: at(4),
        });
        analytics.track({
          anonymousId: 'anon-7f3a',
          event: 'Product Viewed',
          properties: { product_id: 'sku-mug', name: 'Kizuna Mug' },
          timestamp: at(5),
        });
      });
      const [first] = exchanges;
      sent = { body: first?.body ?? '{"batch":[]}', batch: first ? (JSON.parse(first.body) as SentBatch).batch : [] };
    });

    it('delivers every call in one authenticated batch, answered 200', () => {
      expect(exchanges.map((e) => e.status)).toEqual([200]);
      const [exchange] = exchanges;
      expect(exchange!.authorization).toBe(basicAuth(writeKey));
      const body = JSON.parse(exchange!.body) as SentBatch;
      expect(body.writeKey).toBe(writeKey);
      expect(body.batch.map((m) => m.type)).toEqual(['identify', 'track', 'track', 'track', 'track', 'track']);
      expect(new Set(body.batch.map((m) => m.messageId)).size).toBe(6);
    });

    it('stores the identified customer\'s events under the native names, from source "segment"', async () => {
      const rows = await eventRows();
      expect(rows.map((r) => r.name)).toEqual([
        'customer.identified',
        'checkout.started',
        'order.placed',
        'order.refunded',
        'Signed Up',
      ]);
      expect(rows.map((r) => r.message_id)).toEqual(sent.batch.slice(0, 5).map((m) => m.messageId));
      for (const row of rows) {
        expect(row.source).toBe('segment');
        expect(row.customer_id).toBe('user-ada');
      }
      expect(rows.map((r) => r.occurred_at.toISOString())).toEqual([0, 1, 2, 3, 4].map((s) => at(s).toISOString()));
    });

    it("does not store the anonymous visitor's event", async () => {
      const anonymous = sent.batch[5]!;
      expect(anonymous.anonymousId).toBe('anon-7f3a');
      expect(anonymous.userId).toBeUndefined();
      expect(await t.db.query('SELECT 1 FROM events WHERE message_id = $1', [anonymous.messageId])).toEqual([]);
      expect(
        await t.db.query('SELECT 1 FROM event_idempotency_keys WHERE message_id = $1', [anonymous.messageId]),
      ).toEqual([]);
    });

    it('maps identify traits and context to profile traits', async () => {
      const identify = (await eventRows())[0]!;
      expect(identify.email).toBe('ada@example.com');
      expect(identify.properties).toEqual({});
      expect(identify.traits).toEqual({
        email: 'ada@example.com',
        firstName: 'Ada',
        timezone: 'Asia/Tokyo',
        locale: 'ja-JP',
      });
    });

    it('maps e-commerce spec v2 properties to the native camelCase shape', async () => {
      const byName = new Map((await eventRows()).map((r) => [r.name, r.properties]));
      expect(byName.get('checkout.started')).toMatchObject({ cartId: 'chk-100', total: 52.48, currency: 'USD', items });
      expect(byName.get('order.placed')).toMatchObject({
        orderId: 'order-100',
        cartId: 'chk-100',
        total: 52.48,
        currency: 'USD',
        items,
      });
      expect(byName.get('order.refunded')).toMatchObject({ orderId: 'order-100', total: 12.5, currency: 'USD' });
      expect(byName.get('Signed Up')).toEqual({ plan: 'free', referrer: 'newsletter' });
    });

    it('builds the customer profile and purchase stats once the worker has processed the events', async () => {
      await waitForProcessing();
      const rows = await eventRows();
      expect(rows.map((r) => r.processing_error)).toEqual(rows.map(() => null));

      const { status, body } = await profile('user-ada');
      expect(status).toBe(200);
      expect(body).toMatchObject({
        customerId: 'user-ada',
        email: 'ada@example.com',
        timezone: 'Asia/Tokyo',
        locale: 'ja-JP',
        attributes: { firstName: 'Ada' },
      });
      expect(body.stats).toEqual({
        ordersCount: 1,
        revenue: 39.98,
        averageOrderValue: 39.98,
        currency: 'USD',
        otherCurrencies: [],
        firstOrderAt: at(2).toISOString(),
        lastOrderAt: at(2).toISOString(),
      });

      const res = await fetch(`${t.baseUrl}/v1/customers/user-ada/events`, {
        headers: { authorization: `Bearer ${marketerKey}` },
      });
      expect(res.status).toBe(200);
      const timeline = (await res.json()) as EventPageBody;
      expect(timeline.events.map((e) => e.name)).toEqual([
        'Signed Up',
        'order.refunded',
        'order.placed',
        'checkout.started',
        'customer.identified',
      ]);
    });

    it('has no profile for the anonymous visitor', async () => {
      expect((await profile('anon-7f3a')).status).toBe(404);
    });
  });

  describe('redelivery', () => {
    it("stores nothing new when analytics-node's batch is sent again with the same messageIds", async () => {
      const before = await eventCount();
      const res = await post('/v1/batch', sent.body);
      expect(res.status).toBe(200);
      expect((await res.json()) as SegmentBody).toEqual({
        success: true,
        skipped: [
          {
            index: 5,
            messageId: sent.batch[5]!.messageId,
            reason: 'no userId or email: an anonymous visitor cannot be messaged',
          },
        ],
      });
      expect(await eventCount()).toBe(before);
    });

    it('stores nothing new for one message resent alone', async () => {
      const before = await eventCount();
      const { batch } = JSON.parse(sent.body) as { batch: unknown[] };
      const res = await post('/v1/batch', { batch: [batch[2]] });
      expect(res.status).toBe(200);
      expect(await eventCount()).toBe(before);
    });

    it('refuses a reused messageId with different content (409), storing nothing', async () => {
      const before = await eventCount();
      const { batch } = JSON.parse(sent.body) as { batch: Array<Record<string, unknown>> };
      const altered = { ...batch[4], properties: { plan: 'pro' } };
      const res = await post('/v1/batch', { batch: [altered] });
      expect(res.status).toBe(409);
      expect(((await res.json()) as ErrorBody).code).toBe('IDEMPOTENCY_CONFLICT');
      expect(await eventCount()).toBe(before);
    });
  });

  describe('refusals', () => {
    it('refuses a whole batch with an invalid message, naming batch[i], and stores none of it', async () => {
      const before = await eventCount();
      const res = await post('/v1/batch', {
        batch: [
          { type: 'track', messageId: 'valid-in-bad-batch', userId: 'user-ada', event: 'Signed Up' },
          { type: 'track', messageId: 'also-valid', userId: 'user-ada', event: 'Wishlist Shared' },
          { type: 'bogus', messageId: 'bad-one', userId: 'user-ada' },
        ],
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.message).toContain('batch[2].type');
      expect(body.details?.issues).toEqual([
        { path: 'batch[2].type', message: 'must be one of track, identify, page, screen, group, alias' },
      ]);
      expect(await eventCount()).toBe(before);
      expect(await t.db.query('SELECT 1 FROM events WHERE message_id = $1', ['valid-in-bad-batch'])).toEqual([]);
    });

    it("names a mapped event's own problem by its batch index", async () => {
      const res = await post('/v1/batch', {
        batch: [
          { type: 'track', messageId: 'ok-1', userId: 'user-ada', event: 'Signed Up' },
          {
            type: 'track',
            messageId: 'no-currency',
            userId: 'user-ada',
            event: 'Order Completed',
            properties: { order_id: 'o-9', total: 5 },
          },
        ],
      });
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      expect(body.details?.issues?.map((i) => i.path)).toEqual(['batch[1].properties.currency']);
      expect(await t.db.query('SELECT 1 FROM events WHERE message_id = ANY($1)', [['ok-1', 'no-currency']])).toEqual(
        [],
      );
    });

    it('refuses a batch that is empty or missing', async () => {
      for (const body of [{ batch: [] }, {}]) {
        const res = await post('/v1/batch', body);
        expect(res.status).toBe(400);
        expect(((await res.json()) as ErrorBody).message).toContain('batch');
      }
    });

    it('refuses analytics-node with a wrong write key (401), storing nothing', async () => {
      const before = await eventCount();
      const exchanges = await withClient(t, 'kz_not_a_real_write_key', (analytics) => {
        analytics.track({ userId: 'user-ada', event: 'Signed Up', timestamp: at(30) });
      });
      expect(exchanges.map((e) => e.status)).toEqual([401]);
      expect(await eventCount()).toBe(before);

      const res = await post(
        '/v1/batch',
        { batch: [{ type: 'track', userId: 'user-ada', event: 'Signed Up', messageId: 'wrong-key' }] },
        basicAuth('kz_wrong'),
      );
      expect(res.status).toBe(401);
      expect(((await res.json()) as ErrorBody).code).toBe('UNAUTHENTICATED');
    });

    it('refuses a write key without the ingest role (403)', async () => {
      const res = await post(
        '/v1/batch',
        { batch: [{ type: 'track', userId: 'user-ada', event: 'Signed Up', messageId: 'marketer-key' }] },
        basicAuth(marketerKey),
      );
      expect(res.status).toBe(403);
      expect(((await res.json()) as ErrorBody).code).toBe('FORBIDDEN');
    });
  });

  describe('single calls', () => {
    it('/v1/identify stores customer.identified with the traits', async () => {
      const res = await post('/v1/identify', {
        userId: 'user-grace',
        messageId: 'identify-grace-1',
        timestamp: at(40).toISOString(),
        traits: { email: 'grace@example.com', first_name: 'Grace', plan: 'pro' },
        context: { timezone: 'Europe/London', locale: 'en-GB' },
      });
      expect(res.status).toBe(200);
      expect((await res.json()) as SegmentBody).toEqual({ success: true, skipped: [] });
      const [row] = await t.db.query<EventRow>('SELECT * FROM events WHERE message_id = $1', ['identify-grace-1']);
      expect(row).toMatchObject({
        name: 'customer.identified',
        source: 'segment',
        customer_id: 'user-grace',
        email: 'grace@example.com',
        traits: {
          email: 'grace@example.com',
          firstName: 'Grace',
          plan: 'pro',
          timezone: 'Europe/London',
          locale: 'en-GB',
        },
      });
    });

    it('/v1/track stores the mapped event', async () => {
      const res = await post('/v1/track', {
        userId: 'user-grace',
        messageId: 'track-grace-1',
        event: 'Order Completed',
        timestamp: at(41).toISOString(),
        properties: {
          order_id: 'order-200',
          revenue: 30,
          currency: 'USD',
          products: [{ sku: 'TEA-1', name: 'Hojicha', price: 15, quantity: 2 }],
        },
      });
      expect(res.status).toBe(200);
      expect((await res.json()) as SegmentBody).toEqual({ success: true, skipped: [] });
      const [row] = await t.db.query<EventRow>('SELECT * FROM events WHERE message_id = $1', ['track-grace-1']);
      expect(row).toMatchObject({ name: 'order.placed', source: 'segment', customer_id: 'user-grace' });
      expect(row!.properties).toMatchObject({
        orderId: 'order-200',
        total: 30,
        currency: 'USD',
        items: [{ id: 'TEA-1', name: 'Hojicha', price: 15, quantity: 2 }],
      });

      await waitForProcessing();
      const { body } = await profile('user-grace');
      expect(body).toMatchObject({
        email: 'grace@example.com',
        timezone: 'Europe/London',
        locale: 'en-GB',
        attributes: { firstName: 'Grace', plan: 'pro' },
      });
      expect(body.stats).toMatchObject({ ordersCount: 1, revenue: 30 });
    });

    it('/v1/track answers 200 but skips an anonymous visitor', async () => {
      const before = await eventCount();
      const res = await post('/v1/track', {
        anonymousId: 'anon-1',
        messageId: 'anon-track',
        event: 'Product Viewed',
        properties: { product_id: 'p' },
      });
      expect(res.status).toBe(200);
      expect((await res.json()) as SegmentBody).toEqual({
        success: true,
        skipped: [
          { index: 0, messageId: 'anon-track', reason: 'no userId or email: an anonymous visitor cannot be messaged' },
        ],
      });
      expect(await eventCount()).toBe(before);
    });

    it('/v1/track refuses a call without an event name, at (body)', async () => {
      const res = await post('/v1/track', { userId: 'user-grace', messageId: 'nameless' });
      expect(res.status).toBe(400);
      const body = (await res.json()) as ErrorBody;
      // Reported under the native field the event name maps to (empty and not matching the pattern).
      expect([...new Set(body.details?.issues?.map((i) => i.path))]).toEqual(['(body).name']);
      expect(await t.db.query('SELECT 1 FROM events WHERE message_id = $1', ['nameless'])).toEqual([]);
    });

    it('/v1/track resent with the same messageId is a duplicate, not a second event', async () => {
      const message = {
        userId: 'user-grace',
        messageId: 'track-grace-2',
        event: 'Signed Up',
        timestamp: at(42).toISOString(),
      };
      expect((await post('/v1/track', message)).status).toBe(200);
      const before = await eventCount();
      expect((await post('/v1/track', message)).status).toBe(200);
      expect(await eventCount()).toBe(before);
      expect(await t.db.query('SELECT 1 FROM events WHERE message_id = $1', ['track-grace-2'])).toHaveLength(1);
    });
  });
});
