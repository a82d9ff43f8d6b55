import { createHmac } from 'node:crypto';
import { nativeEventSchema } from '../event.schema';
import { EventsErrorCode, EventsException } from '../events.exception';
import { isShopifyTopic, mapShopifyWebhook, SHOPIFY_TOPICS, verifyShopifyHmac } from './shopify-webhook';

const SECRET = 'shpss_test_secret';
const sign = (body: Buffer, secret = SECRET): string => createHmac('sha256', secret).update(body).digest('base64');

describe('verifyShopifyHmac', () => {
  const body = Buffer.from('{"id":820982911946154500,"email":"jon@example.com"}', 'utf8');

  it('accepts the base64 HMAC-SHA256 of the exact body', () => {
    expect(verifyShopifyHmac(body, sign(body), SECRET)).toBe(true);
  });

  it('refuses an HMAC made with another secret', () => {
    expect(verifyShopifyHmac(body, sign(body, 'another-secret'), SECRET)).toBe(false);
  });

  it('refuses when a single byte of the body differs (no re-serialisation)', () => {
    const reformatted = Buffer.from(JSON.stringify(JSON.parse(body.toString('utf8')) as unknown, null, 2));
    expect(verifyShopifyHmac(reformatted, sign(body), SECRET)).toBe(false);
  });

  it('refuses a header of the wrong length, without throwing', () => {
    const digest = createHmac('sha256', SECRET).update(body).digest();
    expect(verifyShopifyHmac(body, digest.subarray(0, 31).toString('base64'), SECRET)).toBe(false);
    expect(verifyShopifyHmac(body, Buffer.concat([digest, Buffer.from([0])]).toString('base64'), SECRET)).toBe(false);
    expect(verifyShopifyHmac(body, 'not base64 at all!', SECRET)).toBe(false);
  });

  it('refuses a hex digest of the right value (Shopify sends base64)', () => {
    const hex = createHmac('sha256', SECRET).update(body).digest('hex');
    expect(verifyShopifyHmac(body, hex, SECRET)).toBe(false);
  });

  it('refuses a missing or empty header', () => {
    expect(verifyShopifyHmac(body, undefined, SECRET)).toBe(false);
    expect(verifyShopifyHmac(body, '', SECRET)).toBe(false);
  });
});

describe('isShopifyTopic', () => {
  it('knows exactly the supported topics', () => {
    for (const topic of SHOPIFY_TOPICS) {
      expect(isShopifyTopic(topic)).toBe(true);
    }
    expect(isShopifyTopic('products/create')).toBe(false);
    expect(isShopifyTopic('ORDERS/CREATE')).toBe(false);
    expect(isShopifyTopic(undefined)).toBe(false);
  });
});

interface ShopifyCustomer {
  id: number | null;
  email?: string | null;
  first_name?: string | null;
  last_name?: string | null;
}

const customer: ShopifyCustomer = { id: 6940095447146, email: 'jon@example.com', first_name: 'Jon', last_name: 'Snow' };

const checkout = {
  id: 35291623031002,
  token: 'b1946ac92492d2347c6235b4d2611184',
  cart_token: 'Z2NwLWFzaWEtc291dGhlYXN0MTo',
  email: 'jon@example.com',
  customer,
  customer_locale: 'en-US',
  created_at: '2026-11-20T10:00:00-05:00',
  updated_at: '2026-11-20T10:05:00-05:00',
  line_items: [
    {
      product_id: 632910392,
      variant_id: 39072856,
      sku: 'IPOD2008GREEN',
      title: 'IPod Nano - 8gb',
      price: '19.99',
      quantity: 2,
    },
    { product_id: 921728736, variant_id: null, sku: 'SOCKS', title: 'Socks', price: '5.00' },
  ],
  total_price: '44.98',
  currency: 'USD',
  abandoned_checkout_url: 'https://shop.example.com/12345/checkouts/b1946ac92492d2347c6235b4d2611184/recover?key=abc',
};

const order = {
  id: 5678901234567,
  checkout_token: 'b1946ac92492d2347c6235b4d2611184',
  email: 'jon@example.com',
  customer,
  created_at: '2026-11-20T10:10:00-05:00',
  updated_at: '2026-11-20T10:11:00-05:00',
  line_items: [
    {
      id: 466157049,
      product_id: 632910392,
      variant_id: 39072856,
      title: 'IPod Nano - 8gb',
      price: '19.99',
      quantity: 2,
    },
  ],
  total_price: '39.98',
  currency: 'USD',
  cancelled_at: null,
  cancel_reason: null,
};

function candidateOf(
  topic: string,
  payload: unknown,
  webhookId = 'wh-1',
): { input: Record<string, unknown>; path: string; messageId: string | undefined } {
  const mapped = mapShopifyWebhook(topic, webhookId, payload);
  if (!('candidate' in mapped)) {
    throw new Error(`expected a candidate, got skipped: ${mapped.skipped}`);
  }
  return {
    input: mapped.candidate.input as Record<string, unknown>,
    path: mapped.candidate.path,
    messageId: mapped.candidate.messageId,
  };
}

describe('mapShopifyWebhook', () => {
  it('checkouts/create: checkout.started keyed by the checkout token', () => {
    const c = candidateOf('checkouts/create', checkout, 'wh-checkout-1');
    expect(c.path).toBe('(body)');
    expect(c.messageId).toBe('wh-checkout-1');
    expect(c.input).toEqual({
      name: 'checkout.started',
      customerId: '6940095447146',
      email: 'jon@example.com',
      timestamp: '2026-11-20T10:05:00-05:00',
      properties: {
        cartId: 'b1946ac92492d2347c6235b4d2611184',
        items: [
          { id: '39072856', name: 'IPod Nano - 8gb', price: 19.99, quantity: 2 },
          { id: '921728736', name: 'Socks', price: 5, quantity: 1 },
        ],
        total: 44.98,
        currency: 'USD',
        checkoutUrl: checkout.abandoned_checkout_url,
      },
      traits: { firstName: 'Jon', lastName: 'Snow', locale: 'en-US' },
    });
  });

  it('checkouts/update: cart.updated, and no checkoutUrl when Shopify sends none', () => {
    const c = candidateOf('checkouts/update', { ...checkout, abandoned_checkout_url: null });
    expect(c.input.name).toBe('cart.updated');
    expect(c.input.properties).not.toHaveProperty('checkoutUrl');
    expect((c.input.properties as { cartId: string }).cartId).toBe(checkout.token);
  });

  it('orders/create: order.placed with the order id as a string and the checkout token as cart id', () => {
    const c = candidateOf('orders/create', order);
    expect(c.input).toEqual({
      name: 'order.placed',
      customerId: '6940095447146',
      email: 'jon@example.com',
      timestamp: '2026-11-20T10:11:00-05:00',
      properties: {
        orderId: '5678901234567',
        total: 39.98,
        currency: 'USD',
        items: [{ id: '39072856', name: 'IPod Nano - 8gb', price: 19.99, quantity: 2 }],
        cartId: 'b1946ac92492d2347c6235b4d2611184',
      },
      traits: { firstName: 'Jon', lastName: 'Snow' },
    });
  });

  it("orders/create in a multi-currency shop: the total in shop money, the buyer's amount beside it", () => {
    // A EUR shop selling to a Japanese buyer: total_price/currency are the buyer's (JPY 6,480),
    // shop_money is what the shop settles (EUR 39.98), and revenue is counted in the shop currency.
    const c = candidateOf('orders/create', {
      ...order,
      total_price: '6480',
      currency: 'JPY',
      total_price_set: {
        shop_money: { amount: '39.98', currency_code: 'EUR' },
        presentment_money: { amount: '6480', currency_code: 'JPY' },
      },
    });
    expect(c.input.properties).toMatchObject({
      total: 39.98,
      currency: 'EUR',
      presentmentTotal: 6480,
      presentmentCurrency: 'JPY',
    });
    expect(nativeEventSchema.safeParse(c.input).success).toBe(true);
    // One currency on both sides: nothing extra.
    const same = candidateOf('orders/create', {
      ...order,
      total_price_set: { shop_money: { amount: '39.98', currency_code: 'USD' }, presentment_money: null },
    });
    expect(same.input.properties).not.toHaveProperty('presentmentTotal');
    expect(same.input.properties).toMatchObject({ total: 39.98, currency: 'USD' });
  });

  it('orders/create without a checkout (e.g. a POS order) has no cart id', () => {
    const c = candidateOf('orders/create', { ...order, checkout_token: null });
    expect(c.input.properties).not.toHaveProperty('cartId');
  });

  it('orders/paid: order.paid with the order reference and amount', () => {
    const c = candidateOf('orders/paid', order);
    expect(c.input.name).toBe('order.paid');
    expect(c.input.properties).toEqual({ orderId: '5678901234567', total: 39.98, currency: 'USD' });
  });

  it('orders/cancelled: order.cancelled at cancelled_at, with the reason', () => {
    const c = candidateOf('orders/cancelled', {
      ...order,
      cancelled_at: '2026-11-20T12:00:00-05:00',
      cancel_reason: 'customer',
    });
    expect(c.input.name).toBe('order.cancelled');
    expect(c.input.timestamp).toBe('2026-11-20T12:00:00-05:00');
    expect(c.input.properties).toEqual({ orderId: '5678901234567', reason: 'customer' });
  });

  it('orders/cancelled without a reason leaves the reason out rather than null', () => {
    const c = candidateOf('orders/cancelled', { ...order, cancelled_at: '2026-11-20T12:00:00-05:00' });
    expect(c.input.properties).toEqual({ orderId: '5678901234567' });
  });

  it('takes the email from contact_email or the customer when the top-level email is empty', () => {
    expect(
      candidateOf('checkouts/create', { ...checkout, email: '', contact_email: 'contact@example.com' }).input.email,
    ).toBe('contact@example.com');
    expect(
      candidateOf('checkouts/create', {
        ...checkout,
        email: null,
        customer: { ...customer, email: 'cust@example.com' },
      }).input.email,
    ).toBe('cust@example.com');
  });

  it('maps a guest checkout (email, no customer) by email only', () => {
    const c = candidateOf('checkouts/create', { ...checkout, customer: null });
    expect(c.input).not.toHaveProperty('customerId');
    expect(c.input.email).toBe('jon@example.com');
    expect(c.input.traits).toEqual({ locale: 'en-US' });
  });

  it('falls back to presentment_currency, created_at, product_id and sku', () => {
    const c = candidateOf('checkouts/create', {
      token: 't-1',
      email: 'a@example.com',
      created_at: '2026-11-20T10:00:00Z',
      presentment_currency: 'JPY',
      line_items: [
        { product_id: 1, title: 'A', price: 100 },
        { sku: 'SKU-B', name: 'B', price: '200', quantity: 3 },
      ],
    });
    expect(c.input.timestamp).toBe('2026-11-20T10:00:00Z');
    expect(c.input.properties).toEqual({
      cartId: 't-1',
      items: [
        { id: '1', name: 'A', price: 100, quantity: 1 },
        { id: 'SKU-B', name: 'B', price: 200, quantity: 3 },
      ],
      currency: 'JPY',
    });
  });

  it('identifies a custom line item (no product, variant or sku) by its own id or key', () => {
    const custom = { product_id: null, variant_id: null, sku: '', title: 'Gift wrapping', price: '4.00', quantity: 1 };
    const placed = candidateOf('orders/create', { ...order, line_items: [{ ...custom, id: 1364471963690 }] });
    expect((placed.input.properties as { items: unknown[] }).items).toEqual([
      { id: '1364471963690', name: 'Gift wrapping', price: 4, quantity: 1 },
    ]);
    expect(nativeEventSchema.safeParse(placed.input).success).toBe(true);
    const started = candidateOf('checkouts/create', {
      ...checkout,
      line_items: [{ ...custom, sku: null, key: 'c0ffee' }],
    });
    expect((started.input.properties as { items: unknown[] }).items).toEqual([
      { id: 'c0ffee', name: 'Gift wrapping', price: 4, quantity: 1 },
    ]);
  });

  it('prefers the variant, then the product, then the sku over the line id', () => {
    const line = { id: 1, key: 'k', product_id: 2, variant_id: 3, sku: 'S', title: 'T', price: '1' };
    const idOf = (li: Record<string, unknown>): unknown =>
      (
        candidateOf('orders/create', { ...order, line_items: [li] }).input.properties as {
          items: Array<{ id: string }>;
        }
      ).items[0]?.id;
    expect(idOf(line)).toBe('3');
    expect(idOf({ ...line, variant_id: null })).toBe('2');
    expect(idOf({ ...line, variant_id: null, product_id: null })).toBe('S');
  });

  it('produces events that pass native validation for every topic', () => {
    const payloads: Record<string, unknown> = {
      'checkouts/create': checkout,
      'checkouts/update': checkout,
      'orders/create': order,
      'orders/paid': order,
      'orders/cancelled': { ...order, cancelled_at: '2026-11-20T12:00:00-05:00', cancel_reason: 'customer' },
    };
    for (const topic of SHOPIFY_TOPICS) {
      const parsed = nativeEventSchema.safeParse(candidateOf(topic, payloads[topic]).input);
      expect({ topic, issues: parsed.error?.issues ?? [] }).toEqual({ topic, issues: [] });
    }
  });

  it.each([
    { title: 'no customer and no email', payload: { ...checkout, customer: null, email: null } },
    {
      title: 'a customer without an id and empty emails',
      payload: { ...checkout, customer: { id: null, email: '' }, email: '', contact_email: '' },
    },
    { title: 'an empty body', payload: {} },
  ])('skips a webhook with nobody to message: $title', ({ payload }) => {
    expect(mapShopifyWebhook('checkouts/create', 'wh-1', payload)).toEqual({
      skipped: 'no customer and no email yet: nobody to message',
    });
  });

  it.each(['products/create', 'orders/updated', '', undefined])('refuses the unsupported topic %p', (topic) => {
    let thrown: unknown;
    try {
      mapShopifyWebhook(topic, 'wh-1', checkout);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(EventsException);
    expect((thrown as EventsException).code).toBe(EventsErrorCode.UnsupportedWebhookTopic);
    expect((thrown as EventsException).message).toContain(`"${topic ?? ''}"`);
    expect((thrown as EventsException).message).toContain(SHOPIFY_TOPICS.join(', '));
  });
});
