import { Role } from '@kizuna/auth';
import {
  type ErrorBody,
  type EventPageBody,
  type IngestResultBody,
  type ProfileBody,
  type Reply,
} from './support/http-bodies';
import { startTestApp, waitFor, type TestApp } from './support/test-app';

/**
 * Customer profiles as the worker builds them from ingested events, read back through
 * GET /v1/customers/:customerId and its event timeline, against the real app and PostgreSQL.
 */

interface NativeEvent {
  messageId: string;
  name: string;
  customerId?: string;
  email?: string;
  timestamp?: string;
  properties?: Record<string, unknown>;
  traits?: Record<string, unknown>;
}

let sequence = 0;
const uniqueId = (label: string): string => `${label}-${++sequence}-${Date.now().toString(36)}`;

const DAY = 86_400_000;
/** A fixed past instant the scenarios' timestamps are laid out from. */
const T0 = Date.parse('2026-03-01T10:00:00.000Z');
const at = (offsetMs: number): string => new Date(T0 + offsetMs).toISOString();

/** Checks the shape every error shares, and that requestId is the one in X-Request-Id. */
function expectError(reply: Reply<ErrorBody>, statusCode: number, code: string): ErrorBody {
  expect({ status: reply.status, code: reply.body.code }).toEqual({ status: statusCode, code });
  expect(reply.body).toEqual(
    expect.objectContaining({ statusCode, code, message: expect.any(String), requestId: expect.any(String) }),
  );
  expect(reply.body.message.length).toBeGreaterThan(0);
  expect(reply.body.requestId).toBe(reply.headers.get('x-request-id'));
  return reply.body;
}

describe('customer profiles (GET /v1/customers/:customerId)', () => {
  let t: TestApp;
  let ingestKey: string;
  let marketerKey: string;

  beforeAll(async () => {
    t = await startTestApp();
    ingestKey = await t.keyFor(Role.Ingest);
    marketerKey = await t.keyFor(Role.Marketer);
  });
  afterAll(() => t.close());

  /** Posts events one by one, in order, so they are stored (and applied) in that order. */
  async function post(...events: NativeEvent[]): Promise<IngestResultBody[]> {
    const results: IngestResultBody[] = [];
    for (const event of events) {
      const res = await fetch(`${t.baseUrl}/v1/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      const body = (await res.json()) as IngestResultBody;
      expect({ messageId: event.messageId, status: res.status, result: body.status }).toEqual({
        messageId: event.messageId,
        status: 202,
        result: 'accepted',
      });
      results.push(body);
    }
    return results;
  }

  async function get<T>(path: string): Promise<Reply<T>> {
    const res = await fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${marketerKey}` } });
    return { status: res.status, headers: res.headers, body: (await res.json()) as T };
  }

  /** Waits until the worker has applied every stored event, and checks none of them failed. */
  async function drained(): Promise<void> {
    await waitFor(
      async () => {
        const [row] = await t.db.query<{ count: string }>(
          'SELECT count(*)::text AS count FROM events WHERE processed_at IS NULL',
        );
        return row!.count === '0' ? true : undefined;
      },
      15_000,
      'the worker to process every event',
    );
    const failed = await t.db.query<{ message_id: string; processing_error: string }>(
      'SELECT message_id, processing_error FROM events WHERE processing_error IS NOT NULL',
    );
    expect(failed).toEqual([]);
  }

  async function profile(customerId: string): Promise<ProfileBody> {
    const reply = await get<ProfileBody>(`/v1/customers/${encodeURIComponent(customerId)}`);
    expect(reply.status).toBe(200);
    return reply.body;
  }

  describe('purchase stats', () => {
    interface Order {
      orderId: string;
      totalCents: number;
      currency: string;
      placedAt: string;
    }

    const customerId = 'cust-stats';
    const orders: Order[] = [
      { orderId: 'o-jpy', totalCents: 480_000, currency: 'JPY', placedAt: at(0) },
      { orderId: 'o-1', totalCents: 12_050, currency: 'USD', placedAt: at(1 * DAY) },
      { orderId: 'o-2', totalCents: 8_025, currency: 'USD', placedAt: at(2 * DAY) },
      { orderId: 'o-3', totalCents: 30_000, currency: 'USD', placedAt: at(3 * DAY) },
      { orderId: 'o-4', totalCents: 4_599, currency: 'USD', placedAt: at(4 * DAY) },
    ];
    const refunds = [{ orderId: 'o-3', amountCents: 5_010, at: at(5 * DAY) }];
    const cancellations = [{ orderId: 'o-4', at: at(6 * DAY) }];

    const placed = (o: Order): NativeEvent => ({
      messageId: uniqueId(`placed-${o.orderId}`),
      name: 'order.placed',
      customerId,
      timestamp: o.placedAt,
      properties: {
        orderId: o.orderId,
        total: o.totalCents / 100,
        currency: o.currency,
        items: [{ id: `sku-${o.orderId}`, name: 'Teapot', price: o.totalCents / 100, quantity: 1 }],
      },
    });

    /** The stats as defined: every order not cancelled counts; revenue is shop currency net of refunds. */
    function expectedStats(): Omit<ProfileBody['stats'], 'currency' | 'otherCurrencies'> {
      const cancelled = new Set(cancellations.map((c) => c.orderId));
      const live = orders.filter((o) => !cancelled.has(o.orderId));
      const refundedCents = (orderId: string): number =>
        refunds.filter((r) => r.orderId === orderId).reduce((sum, r) => sum + r.amountCents, 0);
      const revenueCents = live
        .filter((o) => o.currency === 'USD')
        .reduce((sum, o) => sum + o.totalCents - Math.min(o.totalCents, refundedCents(o.orderId)), 0);
      const times = live.map((o) => Date.parse(o.placedAt)).sort((a, b) => a - b);
      return {
        ordersCount: live.length,
        revenue: revenueCents / 100,
        averageOrderValue: Math.round(revenueCents / live.filter((o) => o.currency === 'USD').length) / 100,
        firstOrderAt: new Date(times[0]!).toISOString(),
        lastOrderAt: new Date(times[times.length - 1]!).toISOString(),
      };
    }

    it('match the orders, refunds and cancellations posted, counting a re-sent order once', async () => {
      const [jpy, o1, o2, o3, o4] = orders.map(placed);
      await post(jpy!, o1!, o2!, o3!, o4!);
      // The same order again under a new messageId (a re-send), later: it must change nothing.
      await post({ ...o2!, messageId: uniqueId('placed-o-2-again'), timestamp: at(7 * DAY) });
      for (const r of refunds) {
        await post({
          messageId: uniqueId('refund'),
          name: 'order.refunded',
          customerId,
          timestamp: r.at,
          properties: { orderId: r.orderId, total: r.amountCents / 100, currency: 'USD' },
        });
      }
      for (const c of cancellations) {
        await post({
          messageId: uniqueId('cancel'),
          name: 'order.cancelled',
          customerId,
          timestamp: c.at,
          properties: { orderId: c.orderId },
        });
      }
      await drained();

      const expected = expectedStats();
      // Spelled out too, so a slip in expectedStats() cannot hide one in the service.
      expect(expected).toEqual({
        ordersCount: 4,
        revenue: 450.65,
        averageOrderValue: 150.22,
        firstOrderAt: '2026-03-01T10:00:00.000Z',
        lastOrderAt: '2026-03-04T10:00:00.000Z',
      });
      const body = await profile(customerId);
      // The JPY order counts as an order; its amount is listed apart, not converted and not 0.
      expect(body.stats).toEqual({
        ...expected,
        currency: 'USD',
        otherCurrencies: [{ currency: 'JPY', orders: 1, revenue: 4800 }],
      });

      const [facts] = await t.db.query<{ count: string }>(
        `SELECT count(*)::text AS count FROM customer_orders o JOIN customers c ON c.id = o.customer_uuid WHERE c.customer_id = $1`,
        [customerId],
      );
      expect(facts!.count).toBe(String(orders.length));
    });

    it('a refund without an amount takes the whole order out of revenue, but it still counts', async () => {
      const id = 'cust-full-refund';
      const order = (orderId: string, total: number, day: number): NativeEvent => ({
        messageId: uniqueId(`placed-${orderId}`),
        name: 'order.placed',
        customerId: id,
        timestamp: at(day * DAY),
        properties: { orderId, total, currency: 'USD' },
      });
      await post(order('r-1', 70, 1), order('r-2', 30.5, 2));
      await post({
        messageId: uniqueId('refund-all'),
        name: 'order.refunded',
        customerId: id,
        timestamp: at(3 * DAY),
        properties: { orderId: 'r-1' },
      });
      // A refund larger than what is left is capped at the order total.
      await post({
        messageId: uniqueId('refund-over'),
        name: 'order.refunded',
        customerId: id,
        timestamp: at(3 * DAY),
        properties: { orderId: 'r-2', total: 10, currency: 'USD' },
      });
      await post({
        messageId: uniqueId('refund-over-2'),
        name: 'order.refunded',
        customerId: id,
        timestamp: at(4 * DAY),
        properties: { orderId: 'r-2', total: 25, currency: 'USD' },
      });
      await drained();
      expect((await profile(id)).stats).toEqual({
        ordersCount: 2,
        revenue: 0,
        averageOrderValue: 0,
        currency: 'USD',
        otherCurrencies: [],
        firstOrderAt: at(1 * DAY),
        lastOrderAt: at(2 * DAY),
      });
    });

    it('applies a refund that came before its order, not one in another currency, and lists JPY apart', async () => {
      const id = 'cust-out-of-order';
      const event = (name: string, day: number, properties: Record<string, unknown>): NativeEvent => ({
        messageId: uniqueId(name),
        name,
        customerId: id,
        timestamp: at(day * DAY),
        properties,
      });
      await post(
        // The shop's refund of u-1 reaches Kizuna before the order does.
        event('order.refunded', 2, { orderId: 'u-1', total: 20.25, currency: 'USD' }),
        event('order.placed', 1, { orderId: 'u-1', total: 100, currency: 'USD' }),
        event('order.placed', 3, { orderId: 'u-2', total: 50, currency: 'USD' }),
        // A refund of u-2 in yen cannot be subtracted from dollars: recorded, not applied.
        event('order.refunded', 4, { orderId: 'u-2', total: 3000, currency: 'JPY' }),
        // The same order sent again counts once, whatever its total.
        event('order.placed', 5, { orderId: 'u-2', total: 500, currency: 'USD' }),
        event('order.placed', 6, { orderId: 'u-3', total: 6500, currency: 'JPY' }),
        event('order.refunded', 7, { orderId: 'u-3', total: 1500, currency: 'JPY' }),
      );
      await drained();
      // USD: (100 - 20.25) + 50 = 129.75 over two USD orders = 64.875, rounded 64.88.
      // JPY: 6500 - 1500 = 5000, one order, apart. Three orders in all.
      expect((await profile(id)).stats).toEqual({
        ordersCount: 3,
        revenue: 129.75,
        averageOrderValue: 64.88,
        currency: 'USD',
        otherCurrencies: [{ currency: 'JPY', orders: 1, revenue: 5000 }],
        firstOrderAt: at(1 * DAY),
        lastOrderAt: at(6 * DAY),
      });
    });

    it('are described in the OpenAPI document, other currencies included', async () => {
      const res = await fetch(`${t.baseUrl}/docs/openapi.json`);
      expect(res.status).toBe(200);
      interface Schema {
        properties: Record<string, Schema>;
        items: Schema;
      }
      const doc = (await res.json()) as {
        paths: Record<
          string,
          Record<string, { responses: Record<string, { content: Record<string, { schema: Schema }> }> }>
        >;
      };
      const schema =
        doc.paths['/v1/customers/{customerId}']!.get!.responses['200']!.content['application/json']!.schema;
      expect(Object.keys(schema.properties.stats!.properties.otherCurrencies!.items.properties)).toEqual([
        'currency',
        'orders',
        'revenue',
      ]);
    });

    it('a customer without orders has zero stats', async () => {
      await post({
        messageId: uniqueId('browse'),
        name: 'product.viewed',
        customerId: 'cust-browser',
        properties: { productId: 'p-1' },
      });
      await drained();
      expect((await profile('cust-browser')).stats).toEqual({
        ordersCount: 0,
        revenue: 0,
        averageOrderValue: 0,
        currency: 'USD',
        otherCurrencies: [],
        firstOrderAt: null,
        lastOrderAt: null,
      });
    });
  });

  describe('identity and traits', () => {
    it('puts email, timezone, locale and other traits on the profile', async () => {
      await post({
        messageId: uniqueId('traits'),
        name: 'account.updated',
        customerId: 'cust-traits',
        traits: { email: 'mika@example.com', timezone: 'Asia/Tokyo', locale: 'ja-JP', firstName: 'Mika' },
      });
      await drained();

      const body = await profile('cust-traits');
      expect(body).toEqual({
        customerId: 'cust-traits',
        email: 'mika@example.com',
        attributes: { firstName: 'Mika' },
        timezone: 'Asia/Tokyo',
        locale: 'ja-JP',
        emailConsent: 'unknown',
        emailConsentSource: null,
        emailConsentAt: null,
        stats: expect.objectContaining({ ordersCount: 0 }),
      });

      // Later traits update what they name and keep the rest.
      await post({
        messageId: uniqueId('traits-2'),
        name: 'account.updated',
        customerId: 'cust-traits',
        traits: { firstName: 'Mikako', plan: 'gold' },
      });
      await drained();
      const updated = await profile('cust-traits');
      expect(updated).toEqual(
        expect.objectContaining({
          email: 'mika@example.com',
          attributes: { firstName: 'Mikako', plan: 'gold' },
          timezone: 'Asia/Tokyo',
          locale: 'ja-JP',
        }),
      );
    });

    it('records marketing consent from traits with its source and time; an older event never overrides a newer one', async () => {
      await post({
        messageId: uniqueId('consent-yes'),
        name: 'account.created',
        customerId: 'cust-consent',
        timestamp: at(2 * DAY),
        traits: { emailConsent: 'subscribed' },
      });
      await drained();
      expect(await profile('cust-consent')).toEqual(
        expect.objectContaining({
          emailConsent: 'subscribed',
          emailConsentSource: 'event:api',
          emailConsentAt: at(2 * DAY),
          attributes: {},
        }),
      );
      // Arrives later, happened earlier: ignored.
      await post({
        messageId: uniqueId('consent-old'),
        name: 'account.updated',
        customerId: 'cust-consent',
        timestamp: at(DAY),
        traits: { emailConsent: 'unsubscribed' },
      });
      await post({
        messageId: uniqueId('consent-newer'),
        name: 'account.updated',
        customerId: 'cust-consent',
        timestamp: at(3 * DAY),
        traits: { emailConsent: 'unsubscribed' },
      });
      await drained();
      expect(await profile('cust-consent')).toEqual(
        expect.objectContaining({ emailConsent: 'unsubscribed', emailConsentAt: at(3 * DAY) }),
      );
    });

    it('joins an email-only event and a later event with customerId and the same email on one profile', async () => {
      const [anonymous] = await post({
        messageId: uniqueId('anon'),
        name: 'product.viewed',
        email: 'Ren@Example.com',
        properties: { productId: 'p-7' },
      });
      const [identified] = await post({
        messageId: uniqueId('signup'),
        name: 'account.created',
        customerId: 'cust-ren',
        email: 'ren@example.com',
        traits: { firstName: 'Ren' },
      });
      await drained();

      const rows = await t.db.query<{ id: string; customer_id: string | null; email_normalized: string | null }>(
        `SELECT id, customer_id, email_normalized FROM customers WHERE customer_id = 'cust-ren' OR email_normalized = 'ren@example.com'`,
      );
      expect(rows).toEqual([{ id: expect.any(String), customer_id: 'cust-ren', email_normalized: 'ren@example.com' }]);
      const owners = await t.db.query<{ customer_uuid: string }>(
        'SELECT customer_uuid::text FROM events WHERE id = ANY($1::uuid[])',
        [[anonymous!.eventId, identified!.eventId]],
      );
      expect(owners).toEqual([{ customer_uuid: rows[0]!.id }, { customer_uuid: rows[0]!.id }]);

      expect(await profile('cust-ren')).toEqual(
        expect.objectContaining({ customerId: 'cust-ren', email: 'ren@example.com', attributes: { firstName: 'Ren' } }),
      );
      const timeline = await get<EventPageBody>('/v1/customers/cust-ren/events');
      expect(timeline.body.events.map((e) => e.id).sort()).toEqual([anonymous!.eventId, identified!.eventId].sort());
    });

    it('answers an unknown customer with 404 CUSTOMER_NOT_FOUND', async () => {
      expectError(await get<ErrorBody>('/v1/customers/unknown'), 404, 'CUSTOMER_NOT_FOUND');
      expectError(await get<ErrorBody>('/v1/customers/unknown/events'), 404, 'CUSTOMER_NOT_FOUND');
    });

    it('does not find a profile known only by email under its email', async () => {
      await post({
        messageId: uniqueId('email-only'),
        name: 'product.viewed',
        email: 'solo@example.com',
        properties: { productId: 'p-1' },
      });
      await drained();
      expectError(await get<ErrorBody>('/v1/customers/solo%40example.com'), 404, 'CUSTOMER_NOT_FOUND');
    });
  });

  describe('event timeline (GET /v1/customers/:customerId/events)', () => {
    const customerId = 'cust-timeline';
    /** Posted in this order; timestamps deliberately not in posting order, two of them equal. */
    const offsets = [3, 1, 6, 4, 4, 0, 5];
    let posted: Array<{ id: string; timestamp: string; order: number }>;

    beforeAll(async () => {
      const events = offsets.map((hours, i) => ({
        messageId: uniqueId(`timeline-${i}`),
        name: 'page.viewed',
        customerId,
        timestamp: at(hours * 3_600_000),
        properties: { index: i },
      }));
      const results = await post(...events);
      posted = results.map((r, i) => ({ id: r.eventId, timestamp: events[i]!.timestamp, order: i }));
      await drained();
    });

    /** Newest first by timestamp; equal timestamps newest stored first. */
    const expectedOrder = (): string[] =>
      [...posted]
        .sort((a, b) => Date.parse(b.timestamp) - Date.parse(a.timestamp) || b.order - a.order)
        .map((e) => e.id);

    async function page(query: string): Promise<EventPageBody> {
      const reply = await get<EventPageBody>(`/v1/customers/${customerId}/events${query}`);
      expect(reply.status).toBe(200);
      return reply.body;
    }

    it('lists the events newest first', async () => {
      const body = await page('');
      expect(body.nextCursor).toBeNull();
      expect(body.events.map((e) => e.id)).toEqual(expectedOrder());
      expect(body.events.map((e) => e.properties.index)).toEqual([2, 6, 4, 3, 0, 1, 5]);
      const timestamps = body.events.map((e) => Date.parse(e.timestamp));
      expect(timestamps).toEqual([...timestamps].sort((a, b) => b - a));
      expect(body.events[0]).toEqual({
        id: expect.any(String),
        name: 'page.viewed',
        messageId: expect.stringMatching(/^timeline-2-/),
        source: 'api',
        timestamp: at(6 * 3_600_000),
        receivedAt: expect.any(String),
        properties: { index: 2 },
      });
    });

    it.each([1, 2, 3, 6, 7])('pages with limit=%i through every event exactly once, in order', async (limit) => {
      const seen: string[] = [];
      const sizes: number[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 20; pages++) {
        const body: EventPageBody = await page(
          `?limit=${limit}${cursor === null ? '' : `&before=${encodeURIComponent(cursor)}`}`,
        );
        seen.push(...body.events.map((e) => e.id));
        sizes.push(body.events.length);
        cursor = body.nextCursor;
        if (cursor === null) {
          break;
        }
      }
      expect(cursor).toBeNull();
      expect(seen).toEqual(expectedOrder());
      const total = offsets.length;
      const full = Math.floor(total / limit);
      expect(sizes).toEqual([...Array<number>(full).fill(limit), ...(total % limit === 0 ? [] : [total % limit])]);
    });

    it.each([
      ['not base64 at all', '!!!'],
      ['garbage', 'bm90LWEtY3Vyc29y'],
      ['a bad date', Buffer.from('yesterday|5').toString('base64url')],
      ['a non-numeric position', Buffer.from('2026-03-01T10:00:00.000Z|abc').toString('base64url')],
      ['a position beyond bigint', Buffer.from('2026-03-01T10:00:00.000Z|99999999999999999999').toString('base64url')],
      ['a date past year 9999', Buffer.from('+275760-09-13T00:00:00.000Z|5').toString('base64url')],
      ['a date in year 0', Buffer.from('0000-01-01T00:00:00.000Z|5').toString('base64url')],
      ['a date before year 0', Buffer.from('-000001-01-01T00:00:00.000Z|5').toString('base64url')],
      ['a date not in the form the API writes', Buffer.from('1|5').toString('base64url')],
    ])('refuses a cursor that is %s with 400 INVALID_CURSOR', async (_what, cursor) => {
      expectError(
        await get<ErrorBody>(`/v1/customers/${customerId}/events?before=${encodeURIComponent(cursor)}`),
        400,
        'INVALID_CURSOR',
      );
    });

    it.each(['0', '201', 'ten'])('refuses limit=%s with 400', async (limit) => {
      const body = expectError(
        await get<ErrorBody>(`/v1/customers/${customerId}/events?limit=${limit}`),
        400,
        'VALIDATION_FAILED',
      );
      expect(body.details?.issues?.map((i) => i.path)).toEqual(['limit']);
    });

    it('accepts the largest cursor position', async () => {
      const cursor = Buffer.from(`${at(100 * DAY)}|9223372036854775807`).toString('base64url');
      const body = await page(`?before=${cursor}`);
      expect(body.events.map((e) => e.id)).toEqual(expectedOrder());
    });
  });
});
