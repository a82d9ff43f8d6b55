import { nativeEventSchema } from '../event.schema';
import { mapSegmentMessages, type SegmentMapping } from './segment-mapper';

const pathOf = (i: number): string => `batch[${i}]`;
const mapOne = (message: unknown): SegmentMapping => mapSegmentMessages([message], pathOf);

interface MappingCase {
  title: string;
  message: Record<string, unknown>;
  /** The native event the message must become (the candidate's `input`). */
  expected: Record<string, unknown>;
}

const mug = {
  product_id: 'p-1',
  sku: 'MUG-1',
  name: 'Mug',
  price: 12.5,
  quantity: 2,
  url: 'https://shop.example/mug',
  image_url: 'https://cdn.example/mug.jpg',
};
const mugItem = {
  id: 'p-1',
  name: 'Mug',
  price: 12.5,
  quantity: 2,
  url: 'https://shop.example/mug',
  imageUrl: 'https://cdn.example/mug.jpg',
};

const mappingCases: MappingCase[] = [
  {
    title: 'identify: traits camelCased, email lifted, context timezone and locale as traits',
    message: {
      type: 'identify',
      messageId: 'm-1',
      userId: 'u-1',
      timestamp: '2026-11-21T09:30:00.000Z',
      traits: { email: 'Ada@Example.com', first_name: 'Ada', plan: 'pro' },
      context: { timezone: 'Asia/Tokyo', locale: 'ja-JP', library: { name: 'analytics-node' } },
    },
    expected: {
      name: 'customer.identified',
      customerId: 'u-1',
      email: 'Ada@Example.com',
      messageId: 'm-1',
      timestamp: '2026-11-21T09:30:00.000Z',
      properties: {},
      traits: { email: 'Ada@Example.com', firstName: 'Ada', plan: 'pro', timezone: 'Asia/Tokyo', locale: 'ja-JP' },
    },
  },
  {
    title: 'identify: explicit traits win over context timezone/locale and over context.traits',
    message: {
      type: 'identify',
      userId: 'u-1',
      traits: { timezone: 'Europe/Paris', locale: 'fr', email: 'new@example.com' },
      context: { timezone: 'Asia/Tokyo', locale: 'ja', traits: { email: 'old@example.com', lastName: 'Lovelace' } },
    },
    expected: {
      name: 'customer.identified',
      customerId: 'u-1',
      email: 'new@example.com',
      properties: {},
      traits: { email: 'new@example.com', lastName: 'Lovelace', timezone: 'Europe/Paris', locale: 'fr' },
    },
  },
  {
    title: 'identify without traits carries no traits at all',
    message: { type: 'identify', userId: 'u-1' },
    expected: { name: 'customer.identified', customerId: 'u-1', properties: {} },
  },
  {
    title: 'numeric userId becomes a string',
    message: { type: 'track', userId: 42, event: 'Signed Up' },
    expected: { name: 'Signed Up', customerId: '42', properties: {} },
  },
  {
    title: 'track with only an email in properties, userId null',
    message: {
      type: 'track',
      userId: null,
      anonymousId: 'anon-1',
      event: 'Newsletter Joined',
      properties: { email: 'a@example.com', list: 'weekly' },
    },
    expected: {
      name: 'Newsletter Joined',
      email: 'a@example.com',
      properties: { email: 'a@example.com', list: 'weekly' },
    },
  },
  {
    title: 'track with the email in context.traits',
    message: {
      type: 'track',
      anonymousId: 'anon-1',
      event: 'Signed Up',
      context: { traits: { email: 'b@example.com' } },
    },
    expected: { name: 'Signed Up', email: 'b@example.com', properties: {}, traits: { email: 'b@example.com' } },
  },
  {
    title: 'custom event: name and properties kept as sent',
    message: { type: 'track', userId: 'u-1', event: 'Signed Up', properties: { plan_name: 'pro', trial: true } },
    expected: { name: 'Signed Up', customerId: 'u-1', properties: { plan_name: 'pro', trial: true } },
  },
  {
    title: 'Checkout Started: cart id from checkout_id, total from value, checkout_url',
    message: {
      type: 'track',
      userId: 'u-1',
      event: 'Checkout Started',
      properties: {
        checkout_id: 'chk-1',
        value: 25,
        currency: 'USD',
        checkout_url: 'https://shop.example/c/1',
        products: [mug],
      },
    },
    expected: {
      name: 'checkout.started',
      customerId: 'u-1',
      properties: {
        checkout_id: 'chk-1',
        value: 25,
        currency: 'USD',
        checkout_url: 'https://shop.example/c/1',
        products: [mug],
        cartId: 'chk-1',
        items: [mugItem],
        total: 25,
        checkoutUrl: 'https://shop.example/c/1',
      },
    },
  },
  {
    title: 'Checkout Started: cart_id wins over checkout_id and order_id; total over revenue; url as checkout url',
    message: {
      type: 'track',
      userId: 'u-1',
      event: 'Checkout Started',
      properties: {
        cart_id: 'cart-9',
        checkout_id: 'chk-9',
        order_id: 'ord-9',
        total: 30,
        revenue: 25,
        url: 'https://shop.example/c/9',
      },
    },
    expected: {
      name: 'checkout.started',
      customerId: 'u-1',
      properties: {
        cart_id: 'cart-9',
        checkout_id: 'chk-9',
        order_id: 'ord-9',
        revenue: 25,
        url: 'https://shop.example/c/9',
        cartId: 'cart-9',
        items: [],
        total: 30,
        checkoutUrl: 'https://shop.example/c/9',
      },
    },
  },
  {
    title: 'Checkout Started as the spec sends it (order_id only) uses the order id as cart id',
    message: {
      type: 'track',
      userId: 'u-1',
      event: 'Checkout Started',
      properties: { order_id: 'ord-1', revenue: 10 },
    },
    expected: {
      name: 'checkout.started',
      customerId: 'u-1',
      properties: { order_id: 'ord-1', revenue: 10, cartId: 'ord-1', items: [], total: 10 },
    },
  },
  {
    title: 'Cart Viewed becomes cart.updated',
    message: {
      type: 'track',
      userId: 'u-1',
      event: 'Cart Viewed',
      properties: { cart_id: 'c-1', products: [{ sku: 'S-1', name: 'Cup', price: 3 }] },
    },
    expected: {
      name: 'cart.updated',
      customerId: 'u-1',
      properties: {
        cart_id: 'c-1',
        products: [{ sku: 'S-1', name: 'Cup', price: 3 }],
        cartId: 'c-1',
        items: [{ id: 'S-1', name: 'Cup', price: 3, quantity: 1 }],
      },
    },
  },
  {
    title: 'Product Added: the product itself is the one item',
    message: {
      type: 'track',
      userId: 'u-1',
      event: 'Product Added',
      properties: { cart_id: 'c-1', product_id: 'p-1', name: 'Mug', price: 12.5, quantity: 3 },
    },
    expected: {
      name: 'cart.item_added',
      customerId: 'u-1',
      properties: {
        cart_id: 'c-1',
        product_id: 'p-1',
        name: 'Mug',
        price: 12.5,
        quantity: 3,
        cartId: 'c-1',
        items: [{ id: 'p-1', name: 'Mug', price: 12.5, quantity: 3 }],
      },
    },
  },
  {
    title: 'Product Removed becomes cart.item_removed',
    message: {
      type: 'track',
      userId: 'u-1',
      event: 'Product Removed',
      properties: { cart_id: 'c-1', product_id: 'p-1', name: 'Mug', price: 12.5 },
    },
    expected: {
      name: 'cart.item_removed',
      customerId: 'u-1',
      properties: {
        cart_id: 'c-1',
        product_id: 'p-1',
        name: 'Mug',
        price: 12.5,
        cartId: 'c-1',
        items: [{ id: 'p-1', name: 'Mug', price: 12.5, quantity: 1 }],
      },
    },
  },
  {
    title: 'Order Completed: order id, cart id from checkout_id, total, currency, items',
    message: {
      type: 'track',
      userId: 'u-1',
      event: 'Order Completed',
      properties: { order_id: 'ord-1', checkout_id: 'chk-1', total: 25, revenue: 20, currency: 'USD', products: [mug] },
    },
    expected: {
      name: 'order.placed',
      customerId: 'u-1',
      properties: {
        order_id: 'ord-1',
        checkout_id: 'chk-1',
        total: 25,
        revenue: 20,
        currency: 'USD',
        products: [mug],
        orderId: 'ord-1',
        cartId: 'chk-1',
        items: [mugItem],
      },
    },
  },
  {
    title: 'Order Completed without total: revenue; the order id stands in for the cart id, as at Checkout Started',
    message: {
      type: 'track',
      userId: 'u-1',
      event: 'Order Completed',
      properties: { order_id: 'ord-2', revenue: 20, currency: 'EUR' },
    },
    expected: {
      name: 'order.placed',
      customerId: 'u-1',
      properties: {
        order_id: 'ord-2',
        revenue: 20,
        currency: 'EUR',
        orderId: 'ord-2',
        cartId: 'ord-2',
        total: 20,
        items: [],
      },
    },
  },
  {
    title: 'Order Updated becomes order.updated',
    message: {
      type: 'track',
      userId: 'u-1',
      event: 'Order Updated',
      properties: { order_id: 'ord-1', value: 5, currency: 'USD' },
    },
    expected: {
      name: 'order.updated',
      customerId: 'u-1',
      properties: {
        order_id: 'ord-1',
        value: 5,
        currency: 'USD',
        orderId: 'ord-1',
        cartId: 'ord-1',
        total: 5,
        items: [],
      },
    },
  },
  {
    title: 'Order Refunded: amount from value',
    message: {
      type: 'track',
      userId: 'u-1',
      event: 'Order Refunded',
      properties: { order_id: 'ord-1', value: 12.5, currency: 'USD' },
    },
    expected: {
      name: 'order.refunded',
      customerId: 'u-1',
      properties: { order_id: 'ord-1', value: 12.5, currency: 'USD', orderId: 'ord-1', total: 12.5 },
    },
  },
  {
    title: 'Order Refunded without an amount (the whole order)',
    message: { type: 'track', userId: 'u-1', event: 'Order Refunded', properties: { order_id: 'ord-1' } },
    expected: { name: 'order.refunded', customerId: 'u-1', properties: { order_id: 'ord-1', orderId: 'ord-1' } },
  },
  {
    title: 'Order Cancelled becomes order.cancelled',
    message: {
      type: 'track',
      userId: 'u-1',
      event: 'Order Cancelled',
      properties: { order_id: 'ord-1', reason: 'changed mind' },
    },
    expected: {
      name: 'order.cancelled',
      customerId: 'u-1',
      properties: { order_id: 'ord-1', reason: 'changed mind', orderId: 'ord-1' },
    },
  },
  {
    title: 'Product Viewed: product id falls back to sku',
    message: {
      type: 'track',
      userId: 'u-1',
      event: 'Product Viewed',
      properties: { sku: 'MUG-1', name: 'Mug', price: 12.5, url: 'https://shop.example/mug' },
    },
    expected: {
      name: 'product.viewed',
      customerId: 'u-1',
      properties: { sku: 'MUG-1', name: 'Mug', price: 12.5, url: 'https://shop.example/mug', productId: 'MUG-1' },
    },
  },
  {
    title: 'null properties are not mapped to camelCase fields',
    message: {
      type: 'track',
      userId: 'u-1',
      event: 'Order Completed',
      properties: { order_id: 'ord-3', total: 1, currency: null, cart_id: null },
    },
    expected: {
      name: 'order.placed',
      customerId: 'u-1',
      properties: {
        order_id: 'ord-3',
        total: 1,
        currency: null,
        cart_id: null,
        orderId: 'ord-3',
        cartId: 'ord-3',
        items: [],
      },
    },
  },
  {
    title: 'the event name is matched exactly: other casings are custom events',
    message: { type: 'track', userId: 'u-1', event: 'order completed', properties: { order_id: 'ord-1' } },
    expected: { name: 'order completed', customerId: 'u-1', properties: { order_id: 'ord-1' } },
  },
];

describe('mapSegmentMessages: mapping', () => {
  it.each(mappingCases)('$title', ({ message, expected }) => {
    const { candidates, skipped } = mapOne(message);
    expect(skipped).toEqual([]);
    expect(candidates).toEqual([{ path: 'batch[0]', input: expected }]);
  });

  it('maps a whole spec-v2 purchase to native events that pass validation', () => {
    const messages = [
      {
        type: 'identify',
        messageId: 'a',
        userId: 'u-1',
        traits: { email: 'ada@example.com', first_name: 'Ada' },
        context: { timezone: 'Asia/Tokyo', locale: 'ja-JP' },
      },
      {
        type: 'track',
        messageId: 'b',
        userId: 'u-1',
        event: 'Checkout Started',
        properties: { checkout_id: 'chk-1', value: 25, currency: 'USD', products: [mug] },
      },
      {
        type: 'track',
        messageId: 'c',
        userId: 'u-1',
        event: 'Order Completed',
        properties: { order_id: 'ord-1', checkout_id: 'chk-1', total: 25, currency: 'USD', products: [mug] },
      },
      {
        type: 'track',
        messageId: 'd',
        userId: 'u-1',
        event: 'Order Refunded',
        properties: { order_id: 'ord-1', value: 5, currency: 'USD' },
      },
    ];
    const { candidates } = mapSegmentMessages(messages, pathOf);
    expect(candidates.map((c) => c.path)).toEqual(['batch[0]', 'batch[1]', 'batch[2]', 'batch[3]']);
    for (const candidate of candidates) {
      const parsed = nativeEventSchema.safeParse(candidate.input);
      expect({ path: candidate.path, issues: parsed.error?.issues ?? [] }).toEqual({
        path: candidate.path,
        issues: [],
      });
    }
  });
});

describe('mapSegmentMessages: skipped and invalid messages', () => {
  it.each(['page', 'screen', 'group', 'alias'])('acknowledges "%s" messages without storing them', (type) => {
    const { candidates, skipped } = mapOne({ type, messageId: 'm-9', userId: 'u-1' });
    expect(candidates).toEqual([]);
    expect(skipped).toEqual([{ index: 0, messageId: 'm-9', reason: `"${type}" messages are not used by Kizuna` }]);
  });

  it.each([
    {
      title: 'anonymousId only',
      message: { type: 'track', anonymousId: 'anon-1', event: 'Product Viewed', properties: { sku: 'S' } },
    },
    {
      title: 'null userId and a blank email',
      message: { type: 'identify', userId: null, anonymousId: 'anon-1', traits: { email: '  ' } },
    },
    {
      title: 'an email that is not a string',
      message: { type: 'track', anonymousId: 'anon-1', event: 'X', properties: { email: 42 } },
    },
  ])('skips a message with no customer: $title', ({ message }) => {
    const { candidates, skipped } = mapSegmentMessages([{ type: 'identify', userId: 'u-1' }, message], pathOf);
    expect(candidates.map((c) => c.path)).toEqual(['batch[0]']);
    expect(skipped).toEqual([
      { index: 1, messageId: undefined, reason: 'no userId or email: an anonymous visitor cannot be messaged' },
    ]);
  });

  it.each([
    { title: 'an unknown type', message: { type: 'bogus', userId: 'u-1' }, path: 'batch[1].type' },
    { title: 'no type', message: { userId: 'u-1', event: 'X' }, path: 'batch[1].type' },
    {
      title: 'an empty messageId',
      message: { type: 'track', messageId: '', userId: 'u-1', event: 'X' },
      path: 'batch[1].messageId',
    },
    {
      title: 'properties that are not an object',
      message: { type: 'track', userId: 'u-1', event: 'X', properties: ['a'] },
      path: 'batch[1].properties',
    },
    {
      title: 'a userId that is an object',
      message: { type: 'track', userId: { id: 1 }, event: 'X' },
      path: 'batch[1].userId',
    },
    { title: 'a message that is not an object', message: 'track', path: 'batch[1]' },
  ])('reports $title at its path, as a candidate with issues', ({ message, path }) => {
    const { candidates, skipped } = mapSegmentMessages([{ type: 'identify', userId: 'u-1' }, message], pathOf);
    expect(skipped).toEqual([]);
    expect(candidates).toHaveLength(2);
    const invalid = candidates[1]!;
    expect(invalid.path).toBe('batch[1]');
    expect(invalid.input).toEqual(message);
    expect(invalid.issues?.map((i) => i.path)).toEqual([path]);
  });

  it('names the allowed types when the type is unknown', () => {
    const { candidates } = mapOne({ type: 'bogus', userId: 'u-1' });
    expect(candidates[0]?.issues).toEqual([
      { path: 'batch[0].type', message: 'must be one of track, identify, page, screen, group, alias' },
    ]);
  });

  it('keeps request order in candidates and indexes in skipped', () => {
    const { candidates, skipped } = mapSegmentMessages(
      [
        { type: 'page', userId: 'u-1' },
        { type: 'track', userId: 'u-1', event: 'A' },
        { type: 'track', anonymousId: 'x', event: 'B' },
        { type: 'track', userId: 'u-2', event: 'C' },
      ],
      pathOf,
    );
    expect(candidates.map((c) => [c.path, (c.input as { name: string }).name])).toEqual([
      ['batch[1]', 'A'],
      ['batch[3]', 'C'],
    ]);
    expect(skipped.map((s) => s.index)).toEqual([0, 2]);
  });
});
