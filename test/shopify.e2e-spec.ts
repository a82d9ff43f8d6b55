import { createHmac } from 'node:crypto';
import { Role } from '@kizuna/auth';
import { type ErrorBody, type EventRow, type ProfileBody } from './support/http-bodies';
import { startTestApp, waitFor, type TestApp } from './support/test-app';

/**
 * Shopify webhooks as Shopify delivers them: JSON signed with X-Shopify-Hmac-Sha256 (base64
 * HMAC-SHA256 of the exact body bytes), identified by X-Shopify-Webhook-Id, redelivered on
 * anything but a 2xx.
 */

const SECRET = 'test-secret';

interface WebhookBody {
  status: 'accepted' | 'duplicate' | 'skipped';
  eventId?: string;
  reason?: string;
}

interface Delivery {
  topic?: string;
  webhookId?: string;
  /** The exact bytes sent; the HMAC is computed over these unless `hmac` is given. */
  raw: string;
  /** Header value to send instead of the correct one; null sends no header. */
  hmac?: string | null;
}

const hmacOf = (raw: string | Buffer, secret = SECRET): string =>
  createHmac('sha256', secret).update(raw).digest('base64');

// Shopify writes local times with an offset; these are a few minutes ago in UTC-05:00.
function shopifyTime(minutesAgo: number): string {
  const d = new Date(Date.now() - minutesAgo * 60_000 - 5 * 3_600_000);
  return `${d.toISOString().slice(0, 19)}-05:00`;
}

const customer = {
  id: 7204321456789,
  email: 'jon.snow@example.com',
  accepts_marketing: true,
  first_name: 'Jon',
  last_name: 'Snow',
  orders_count: 0,
  currency: 'USD',
};

const lineItems = [
  {
    key: 'a1b2c3',
    product_id: 632910392,
    variant_id: 39072856,
    sku: 'MUG-BLUE',
    title: 'Kizuna Mug',
    variant_title: 'Blue',
    vendor: 'Kizuna Goods',
    price: '19.99',
    quantity: 2,
    requires_shipping: true,
  },
  {
    key: 'd4e5f6',
    product_id: 921728736,
    variant_id: 49148385,
    sku: 'TEA-SENCHA',
    title: 'Sencha Tea',
    price: '12.50',
    quantity: 1,
  },
];

const expectedItems = [
  { id: '39072856', name: 'Kizuna Mug', price: 19.99, quantity: 2 },
  { id: '49148385', name: 'Sencha Tea', price: 12.5, quantity: 1 },
];

const checkoutToken = '9c2a8b5f1e3d4a6b8c0d2e4f6a8b0c2d';

const checkoutCreate = {
  id: 35291623031002,
  token: checkoutToken,
  cart_token: 'Z2NwLWFzaWEtbm9ydGhlYXN0MTowMUhZ',
  email: 'jon.snow@example.com',
  gateway: null,
  buyer_accepts_marketing: true,
  created_at: shopifyTime(10),
  updated_at: shopifyTime(10),
  landing_site: '/',
  note: null,
  note_attributes: [],
  referring_site: '',
  shipping_lines: [],
  taxes_included: false,
  total_weight: 400,
  currency: 'USD',
  completed_at: null,
  closed_at: null,
  user_id: null,
  location_id: null,
  source_identifier: null,
  source_url: null,
  device_id: null,
  phone: null,
  customer_locale: 'en-US',
  line_items: lineItems,
  name: '#35291623031002',
  source: null,
  abandoned_checkout_url: `https://kizuna-goods.myshopify.com/68123456789/checkouts/ac/${checkoutToken}/recover?key=5f1c2b3a`,
  discount_codes: [],
  tax_lines: [],
  source_name: 'web',
  presentment_currency: 'USD',
  buyer_accepts_sms: false,
  sms_marketing_phone: null,
  total_discounts: '0.00',
  total_line_items_price: '52.48',
  total_price: '52.48',
  total_tax: '0.00',
  subtotal_price: '52.48',
  total_duties: null,
  customer,
};

const orderId = 5123456789012;

const orderCreate = {
  id: orderId,
  admin_graphql_api_id: `gid://shopify/Order/${orderId}`,
  app_id: 580111,
  browser_ip: '203.0.113.7',
  buyer_accepts_marketing: true,
  cancel_reason: null,
  cancelled_at: null,
  cart_token: 'Z2NwLWFzaWEtbm9ydGhlYXN0MTowMUhZ',
  checkout_id: 35291623031002,
  checkout_token: checkoutToken,
  confirmation_number: 'XQ4TKF2KD',
  confirmed: true,
  contact_email: 'jon.snow@example.com',
  created_at: shopifyTime(5),
  currency: 'USD',
  customer_locale: 'en-US',
  email: 'jon.snow@example.com',
  financial_status: 'paid',
  fulfillment_status: null,
  name: '#1001',
  order_number: 1001,
  order_status_url: `https://kizuna-goods.myshopify.com/68123456789/orders/abc123/authenticate?key=xyz`,
  presentment_currency: 'USD',
  processed_at: shopifyTime(5),
  source_name: 'web',
  subtotal_price: '52.48',
  total_discounts: '0.00',
  total_price: '52.48',
  total_tax: '0.00',
  updated_at: shopifyTime(5),
  customer,
  line_items: lineItems.map((li, i) => ({ ...li, id: 1364471963690 + i })),
  shipping_address: { first_name: 'Jon', last_name: 'Snow', city: 'Winterfell', country_code: 'US' },
};

describe('Shopify webhooks', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ env: { SHOPIFY_WEBHOOK_SECRET: SECRET } });
  });
  afterAll(() => t.close());

  const deliver = async (delivery: Delivery): Promise<{ status: number; body: unknown }> => {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'Shopify-Captain-Hook',
      'x-shopify-shop-domain': 'kizuna-goods.myshopify.com',
      'x-shopify-api-version': '2025-10',
    };
    if (delivery.topic !== undefined) {
      headers['x-shopify-topic'] = delivery.topic;
    }
    if (delivery.webhookId !== undefined) {
      headers['x-shopify-webhook-id'] = delivery.webhookId;
    }
    const hmac = delivery.hmac === undefined ? hmacOf(delivery.raw) : delivery.hmac;
    if (hmac !== null) {
      headers['x-shopify-hmac-sha256'] = hmac;
    }
    const res = await fetch(`${t.baseUrl}/v1/webhooks/shopify`, { method: 'POST', headers, body: delivery.raw });
    return { status: res.status, body: await res.json() };
  };

  const rowsFor = (webhookId: string): Promise<EventRow[]> =>
    t.db.query<EventRow>('SELECT * FROM events WHERE source = $1 AND message_id = $2 ORDER BY seq', [
      'shopify',
      webhookId,
    ]);

  const shopifyCount = async (): Promise<number> =>
    (await t.db.query<{ n: number }>("SELECT count(*)::int AS n FROM events WHERE source = 'shopify'"))[0]!.n;

  describe('signed deliveries', () => {
    let checkoutEventId: string | undefined;

    it('checkouts/create: 200, stored as checkout.started keyed by the checkout token', async () => {
      const res = await deliver({
        topic: 'checkouts/create',
        webhookId: 'wh-checkout-1',
        raw: JSON.stringify(checkoutCreate),
      });
      expect(res.status).toBe(200);
      const body = res.body as WebhookBody;
      expect(body.status).toBe('accepted');
      checkoutEventId = body.eventId;

      const rows = await rowsFor('wh-checkout-1');
      expect(rows).toHaveLength(1);
      const row = rows[0]!;
      expect(row.id).toBe(checkoutEventId);
      expect(row).toMatchObject({
        name: 'checkout.started',
        customer_id: String(customer.id),
        email: 'jon.snow@example.com',
      });
      expect(row.occurred_at.toISOString()).toBe(new Date(checkoutCreate.updated_at).toISOString());
      expect(row.properties).toEqual({
        cartId: checkoutToken,
        items: expectedItems,
        total: 52.48,
        currency: 'USD',
        checkoutUrl: checkoutCreate.abandoned_checkout_url,
      });
      expect(row.traits).toEqual({ firstName: 'Jon', lastName: 'Snow', locale: 'en-US' });
    });

    it('orders/create: stored as order.placed with the order id as a string and the checkout token as cart id', async () => {
      const res = await deliver({ topic: 'orders/create', webhookId: 'wh-order-1', raw: JSON.stringify(orderCreate) });
      expect(res.status).toBe(200);
      expect((res.body as WebhookBody).status).toBe('accepted');
      const [row] = await rowsFor('wh-order-1');
      expect(row).toMatchObject({ name: 'order.placed', customer_id: String(customer.id) });
      expect(row!.properties).toEqual({
        orderId: String(orderId),
        cartId: checkoutToken,
        total: 52.48,
        currency: 'USD',
        items: expectedItems,
      });
    });

    it('verifies the HMAC over the bytes as sent, not over re-serialised JSON', async () => {
      const pretty = JSON.stringify({ ...checkoutCreate, token: 'pretty-printed-token' }, null, 2);
      const ok = await deliver({ topic: 'checkouts/update', webhookId: 'wh-pretty', raw: pretty });
      expect(ok.status).toBe(200);
      expect(await rowsFor('wh-pretty')).toHaveLength(1);

      const compactHmac = hmacOf(JSON.stringify(JSON.parse(pretty) as unknown));
      const refused = await deliver({
        topic: 'checkouts/update',
        webhookId: 'wh-pretty-2',
        raw: pretty,
        hmac: compactHmac,
      });
      expect(refused.status).toBe(401);
    });

    it('signs non-ASCII bodies byte for byte', async () => {
      const payload = { ...checkoutCreate, token: 'utf8-token', customer: { ...customer, first_name: 'Jōn 🐺' } };
      const res = await deliver({ topic: 'checkouts/update', webhookId: 'wh-utf8', raw: JSON.stringify(payload) });
      expect(res.status).toBe(200);
      expect((await rowsFor('wh-utf8'))[0]?.traits).toMatchObject({ firstName: 'Jōn 🐺' });
    });

    it('accepts an order with a custom line item (no product or variant), e.g. from a draft order', async () => {
      const draftOrder = {
        ...orderCreate,
        id: orderId + 1,
        checkout_token: null,
        source_name: 'shopify_draft_order',
        total_price: '4.00',
        line_items: [
          {
            id: 1364471963999,
            product_id: null,
            variant_id: null,
            sku: null,
            title: 'Gift wrapping',
            price: '4.00',
            quantity: 1,
          },
        ],
      };
      const res = await deliver({
        topic: 'orders/create',
        webhookId: 'wh-draft-order',
        raw: JSON.stringify(draftOrder),
      });
      expect(res.status).toBe(200);
      const [row] = await rowsFor('wh-draft-order');
      expect(row?.properties).toEqual({
        orderId: String(orderId + 1),
        total: 4,
        currency: 'USD',
        items: [{ id: '1364471963999', name: 'Gift wrapping', price: 4, quantity: 1 }],
      });
    });

    it('a redelivery with the same X-Shopify-Webhook-Id is acknowledged as a duplicate, stored once', async () => {
      const res = await deliver({
        topic: 'checkouts/create',
        webhookId: 'wh-checkout-1',
        raw: JSON.stringify(checkoutCreate),
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'duplicate', eventId: checkoutEventId });
      expect(await rowsFor('wh-checkout-1')).toHaveLength(1);
    });

    it('a checkout with neither customer nor email is acknowledged (200) and skipped', async () => {
      const before = await shopifyCount();
      const guest = { ...checkoutCreate, token: 'no-contact-yet', email: null, customer: null };
      const res = await deliver({ topic: 'checkouts/create', webhookId: 'wh-no-contact', raw: JSON.stringify(guest) });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ status: 'skipped', reason: 'no customer and no email yet: nobody to message' });
      expect(await shopifyCount()).toBe(before);
    });

    it('applies the checkout and the order to the customer profile', async () => {
      await waitFor(
        async () =>
          (await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE processed_at IS NULL'))[0]!
            .n === 0
            ? true
            : undefined,
        15_000,
        'the worker to process the webhooks',
      );
      const errors = await t.db.query<{ processing_error: string | null }>('SELECT processing_error FROM events');
      expect(errors.map((e) => e.processing_error)).toEqual(errors.map(() => null));

      const marketer = await t.keyFor(Role.Marketer);
      const res = await fetch(`${t.baseUrl}/v1/customers/${customer.id}`, {
        headers: { authorization: `Bearer ${marketer}` },
      });
      expect(res.status).toBe(200);
      const profile = (await res.json()) as ProfileBody;
      expect(profile).toMatchObject({
        customerId: String(customer.id),
        email: 'jon.snow@example.com',
        locale: 'en-US',
        attributes: { lastName: 'Snow' },
      });
      expect(profile.stats).toMatchObject({ ordersCount: 2, revenue: 56.48, currency: 'USD' });
    });
  });

  describe('refused deliveries', () => {
    it('an invalid HMAC: 401 INVALID_SIGNATURE, nothing stored', async () => {
      const before = await shopifyCount();
      const raw = JSON.stringify({ ...orderCreate, id: 1 });
      const res = await deliver({
        topic: 'orders/create',
        webhookId: 'wh-forged',
        raw,
        hmac: hmacOf(raw, 'not-the-secret'),
      });
      expect(res.status).toBe(401);
      expect((res.body as ErrorBody).code).toBe('INVALID_SIGNATURE');
      expect(await shopifyCount()).toBe(before);
      expect(await t.db.query('SELECT 1 FROM event_idempotency_keys WHERE message_id = $1', ['wh-forged'])).toEqual([]);
    });

    it('a body altered after signing: 401', async () => {
      const signed = JSON.stringify(orderCreate);
      const tampered = JSON.stringify({ ...orderCreate, total_price: '0.01' });
      const res = await deliver({
        topic: 'orders/create',
        webhookId: 'wh-tampered',
        raw: tampered,
        hmac: hmacOf(signed),
      });
      expect(res.status).toBe(401);
      expect((res.body as ErrorBody).code).toBe('INVALID_SIGNATURE');
      expect(await rowsFor('wh-tampered')).toEqual([]);
    });

    it('a missing HMAC header: 401 INVALID_SIGNATURE', async () => {
      const res = await deliver({
        topic: 'orders/create',
        webhookId: 'wh-unsigned',
        raw: JSON.stringify(orderCreate),
        hmac: null,
      });
      expect(res.status).toBe(401);
      expect((res.body as ErrorBody).code).toBe('INVALID_SIGNATURE');
      expect(await rowsFor('wh-unsigned')).toEqual([]);
    });

    it('an API key is no substitute for the signature', async () => {
      const ingestKey = await t.keyFor(Role.Ingest);
      const res = await fetch(`${t.baseUrl}/v1/webhooks/shopify`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${ingestKey}`,
          'x-shopify-topic': 'orders/create',
          'x-shopify-webhook-id': 'wh-key',
        },
        body: JSON.stringify(orderCreate),
      });
      expect(res.status).toBe(401);
    });

    it('an unsupported topic, validly signed: 400 UNSUPPORTED_WEBHOOK_TOPIC', async () => {
      const res = await deliver({
        topic: 'products/create',
        webhookId: 'wh-product',
        raw: JSON.stringify({ id: 632910392, title: 'Kizuna Mug' }),
      });
      expect(res.status).toBe(400);
      const body = res.body as ErrorBody;
      expect(body.code).toBe('UNSUPPORTED_WEBHOOK_TOPIC');
      expect(body.message).toContain('products/create');
      expect(await rowsFor('wh-product')).toEqual([]);
    });

    it('no topic header: 400 UNSUPPORTED_WEBHOOK_TOPIC', async () => {
      const res = await deliver({ webhookId: 'wh-no-topic', raw: JSON.stringify(orderCreate) });
      expect(res.status).toBe(400);
      expect((res.body as ErrorBody).code).toBe('UNSUPPORTED_WEBHOOK_TOPIC');
    });

    it('a missing X-Shopify-Webhook-Id: 400, nothing stored', async () => {
      const before = await shopifyCount();
      const raw = JSON.stringify({ ...orderCreate, id: 999 });
      const res = await deliver({ topic: 'orders/create', raw });
      expect(res.status).toBe(400);
      const body = res.body as ErrorBody;
      expect(body.code).toBe('VALIDATION_FAILED');
      expect(body.message).toContain('X-Shopify-Webhook-Id');
      const blank = await deliver({ topic: 'orders/create', webhookId: '   ', raw });
      expect(blank.status).toBe(400);
      expect(await shopifyCount()).toBe(before);
    });

    it('a signed body that is not a JSON object: 400', async () => {
      const res = await deliver({ topic: 'orders/create', webhookId: 'wh-array', raw: '[1,2,3]' });
      expect(res.status).toBe(400);
      expect((res.body as ErrorBody).code).toBe('VALIDATION_FAILED');
      expect(await rowsFor('wh-array')).toEqual([]);
    });
  });
});

describe('Shopify webhooks without SHOPIFY_WEBHOOK_SECRET', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ processes: { api: true, worker: false } });
  });
  afterAll(() => t.close());

  it('answers 503 SIGNATURE_NOT_CONFIGURED and stores nothing, whatever the signature', async () => {
    const raw = JSON.stringify(orderCreate);
    const res = await fetch(`${t.baseUrl}/v1/webhooks/shopify`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-shopify-topic': 'orders/create',
        'x-shopify-webhook-id': 'wh-unconfigured',
        'x-shopify-hmac-sha256': hmacOf(raw),
      },
      body: raw,
    });
    expect(res.status).toBe(503);
    const body = (await res.json()) as ErrorBody;
    expect(body.code).toBe('SIGNATURE_NOT_CONFIGURED');
    expect(body.message).toContain('SHOPIFY_WEBHOOK_SECRET');
    expect(body.statusCode).toBe(503);
    expect(await t.db.query('SELECT 1 FROM events')).toEqual([]);
  });
});
