import { createHmac } from 'node:crypto';
import fc from 'fast-check';
import { discoverRoutes, type Route } from './support/routes';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from './support/test-app';

/**
 * Generated input at every route the api serves (found from the app itself, so a new route is
 * covered the day it is added): valid bodies with one part replaced by something nasty (NUL,
 * lone surrogates, prototype keys, 200 levels of nesting, huge numbers, the wrong type),
 * arbitrary JSON, wrong media types, nasty path and query values. With the admin key, and for
 * Shopify a valid HMAC. Asserts no 5xx, ever, and that a refused request stored nothing.
 *
 * Reproduce a failure with the seed printed at the start: FC_SEED=<seed> npx jest <this file>.
 * PROPERTY_RUNS sets the runs per route (default 20: 15-40 s on the 2-core development machine, depending on load).
 */

const SEED = Number(process.env.FC_SEED ?? Math.floor(Math.random() * 2 ** 31));
const RUNS = Number(process.env.PROPERTY_RUNS ?? 20);
const SHOPIFY_SECRET = 'property-secret';

const TABLES = [
  'events',
  'event_idempotency_keys',
  'customers',
  'journeys',
  'journey_versions',
  'segments',
  'templates',
  'template_versions',
  'api_keys',
  'suppressions',
  'settings',
  'outbox_messages',
];

/**
 * JSON text spliced in where a generated value holds its token: numbers JavaScript cannot hold
 * (1e400 parses to Infinity), and nesting too deep for the generator's own recursive code.
 */
const RAW_TEXTS = [
  '1e400',
  '-1e400',
  '1e-400',
  '123456789012345678901234567890',
  '{"a":'.repeat(5000) + '1' + '}'.repeat(5000),
  '['.repeat(5000) + ']'.repeat(5000),
];
const rawToken = (i: number): string => `\u0001RAW${i}\u0001`;

/** JSON text of `value`, with the raw-number tokens turned into the numbers they stand for. */
function toJsonText(value: unknown): string {
  let text = JSON.stringify(value) ?? 'null';
  RAW_TEXTS.forEach((raw, i) => {
    text = text.split(JSON.stringify(rawToken(i))).join(raw);
  });
  return text;
}

const nested = (levels: number): unknown => {
  let v: unknown = 'leaf';
  for (let i = 0; i < levels; i++) {
    v = i % 2 === 0 ? { a: v } : [v];
  }
  return v;
};

const nastyString = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 10 }),
  fc.constantFrom(
    '\u0000',
    'a\u0000b',
    '\ud800',
    'x\udc00',
    '\udbff\udfff',
    '__proto__',
    'constructor',
    'prototype',
    'toString',
    'hasOwnProperty',
    '',
    '   ',
    'x'.repeat(5000),
    '%00',
    'P999999999Y',
    'PT0S',
    '-P1D',
    '9999-12-31T23:59:59Z',
    '0001-01-01T00:00:00Z',
    '0000-01-01T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    'P9999999Y',
    '2026-02-30T25:00:00Z',
    'a@example.com',
    'order.placed',
    'xstate.init',
    '{{constructor}}',
    '{{#each this}}{{@key}}{{/each}}',
    '00000000-0000-4000-8000-000000000000',
  ),
);

const nastyNumber = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(0, -1, 1.5, 2 ** 31, 2 ** 53, -(2 ** 53), 1e15, 1e308, -1e308, Number.MIN_VALUE),
  fc.integer({ min: 0, max: 3 }).map(rawToken),
);

const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: nastyString },
  { weight: 2, arbitrary: nastyNumber },
  { weight: 1, arbitrary: fc.constantFrom(null, true, false, [], {}, [null], [1.5]) },
  { weight: 1, arbitrary: fc.constantFrom(nested(200), nested(40), rawToken(4), rawToken(5)) },
  { weight: 1, arbitrary: fc.dictionary(nastyString, fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 4 }) },
);

/** Every path to a value inside `value` (the root is []). */
function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  const out: Array<Array<string | number>> = [prefix];
  if (Array.isArray(value)) {
    value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(...pathsOf(v, [...prefix, k]));
    }
  }
  return out;
}

/** A copy of `base` with one change: a value replaced, or a field (of any name) added. */
function mutate(base: unknown, pick: number, kind: 'replace' | 'addField', key: string, value: unknown): unknown {
  const copy = structuredClone<unknown>(base);
  const paths = pathsOf(copy);
  const path = paths[pick % paths.length]!;
  if (path.length === 0) {
    return kind === 'replace' ? value : addField(copy, key, value);
  }
  let parent = copy as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) {
    parent = parent[part] as Record<string | number, unknown>;
  }
  const last = path[path.length - 1]!;
  if (kind === 'replace') {
    Object.defineProperty(parent, last, { value, enumerable: true, writable: true, configurable: true });
  } else {
    parent[last] = addField(parent[last], key, value);
  }
  return copy;
}

function addField(target: unknown, key: string, value: unknown): unknown {
  if (target === null || typeof target !== 'object' || Array.isArray(target)) {
    return target;
  }
  // defineProperty: `__proto__` becomes a field of the JSON, as JSON.parse would make it.
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  return target;
}

/**
 * Percent-encoding that also sends what encodeURIComponent refuses: a lone surrogate goes out as
 * its 3-byte form (%ED%A0%80), bytes that are not UTF-8, as a careless client would send them.
 */
function encodePart(value: string): string {
  return value.replace(/[\s\S]/gu, (char) =>
    char.length === 1 && char >= '\ud800' && char <= '\udfff'
      ? [
          ...Buffer.from([
            0xe0 | (char.charCodeAt(0) >> 12),
            0x80 | ((char.charCodeAt(0) >> 6) & 0x3f),
            0x80 | (char.charCodeAt(0) & 0x3f),
          ]),
        ]
          .map((b) => `%${b.toString(16).toUpperCase()}`)
          .join('')
      : encodeURIComponent(char),
  );
}

const now = new Date().toISOString();
const lineItem = { id: 'sku-1', name: 'Mug', price: 19.99, quantity: 2 };
const nativeEvent = {
  name: 'order.placed',
  customerId: 'prop-1',
  messageId: 'prop-m-1',
  timestamp: now,
  properties: { orderId: 'o-1', total: 39.98, currency: 'USD', items: [lineItem], cartId: 'cart-1' },
  traits: { email: 'prop@example.com', timezone: 'Asia/Tokyo', locale: 'ja', firstName: 'Aki' },
};
const segmentTrack = {
  type: 'track',
  userId: 'prop-2',
  event: 'Order Completed',
  messageId: 'prop-s-1',
  timestamp: now,
  properties: { order_id: 'o-2', total: 10, currency: 'USD', products: [{ product_id: 'p', name: 'n', price: 10 }] },
  context: { traits: { email: 'seg@example.com' }, locale: 'en-US', library: { name: 'analytics-node' } },
};
const journey = {
  name: 'Generated',
  entry: {
    event: ['checkout.started', 'cart.updated'],
    key: 'cartId',
    where: { property: 'total', op: 'gte', value: 1 },
  },
  exit: [{ event: 'order.placed', sameKey: 'cartId' }],
  goal: { event: 'order.placed', sameKey: 'cartId', within: 'P7D' },
  steps: [
    { id: 'wait', type: 'wait', duration: 'PT1H', next: 'check' },
    {
      id: 'check',
      type: 'branch',
      branches: [
        {
          when: {
            all: [
              { stat: 'ordersCount', op: 'eq', value: 0 },
              { attribute: 'vip', op: 'exists' },
            ],
          },
          next: 'mail',
        },
      ],
      otherwise: 'mail',
    },
    { id: 'mail', type: 'send', template: 'prop-template', category: 'marketing', next: 'later' },
    { id: 'later', type: 'waitForEvent', event: 'email.clicked', timeout: 'P1D', onEvent: 'end', onTimeout: 'end' },
    { id: 'end', type: 'exit' },
  ],
};
const rule = {
  all: [
    { field: 'stats.ordersCount', op: 'gte', value: 1 },
    { field: 'stats.lastOrderAt', op: 'notWithin', value: { cycles: 2, fallback: 'P90D' } },
    { event: 'email.opened', within: 'P30D' },
    { not: { field: 'attributes.tier', op: 'in', value: ['gold'] } },
  ],
};
const template = {
  defaultLocale: 'en',
  variants: { en: { subject: 'Hi {{customer.firstName}}', html: '<p>{{money total}}</p>' } },
};
const shopifyCheckout = {
  id: 1,
  token: 'tok-1',
  email: 'shop@example.com',
  customer: { id: 7, email: 'shop@example.com', first_name: 'Jo' },
  line_items: [{ key: 'k', product_id: 1, variant_id: 2, sku: 'S', title: 'Mug', price: '19.99', quantity: 1 }],
  total_price: '19.99',
  currency: 'USD',
  abandoned_checkout_url: 'https://shop.example.com/c/1',
  updated_at: now,
};

/** A body the route would accept, so mutations get past the first check and reach the code behind it. */
function validBody(route: Route): unknown {
  switch (`${route.method} ${route.path}`) {
    case 'POST /v1/events':
      return nativeEvent;
    case 'POST /v1/events/batch':
      return { events: [nativeEvent, { ...nativeEvent, messageId: 'prop-m-2', name: 'cart.updated' }] };
    case 'POST /v1/track':
      return segmentTrack;
    case 'POST /v1/identify':
      return { userId: 'prop-3', traits: { email: 'id@example.com', first_name: 'A', plan: 'pro' } };
    case 'POST /v1/batch':
      return { batch: [segmentTrack, { type: 'identify', userId: 'prop-4', traits: { email: 'b@example.com' } }] };
    case 'POST /v1/webhooks/shopify':
      return shopifyCheckout;
    case 'POST /v1/journeys':
    case 'POST /v1/journeys/validate':
    case 'PUT /v1/journeys/:id':
      return journey;
    case 'POST /v1/journeys/:id/publish':
      return { migrate: { wait: 'wait' } };
    case 'POST /v1/journeys/:id/simulate':
      return {
        customer: { attributes: { vip: true }, ordersCount: 1, segments: ['fixture'] },
        events: [{ name: 'checkout.started', at: now, properties: { cartId: 'c', total: 5, items: [] } }],
      };
    case 'POST /v1/segments':
      return { key: 'prop-segment', name: 'Generated', rule };
    case 'POST /v1/segments/preview':
      return { rule };
    case 'PATCH /v1/segments/:id':
      return { name: 'Renamed', rule };
    case 'POST /v1/templates':
      return { key: 'prop-template', kind: 'email', ...template };
    case 'PUT /v1/templates/:id':
      return template;
    case 'POST /v1/templates/:id/preview':
      return { customerId: 'prop-1', payload: { total: 5, items: [lineItem] } };
    case 'POST /v1/templates/:id/test-send':
      return { customerId: 'prop-1', to: 'qa@example.com', payload: { total: 5 } };
    case 'POST /v1/api-keys':
      return { name: 'generated', role: 'ops' };
    case 'POST /v1/suppressions':
      return { email: 'sup@example.com', reason: 'manual', note: 'generated' };
    case 'POST /v1/sending/pause':
      return { reason: 'generated' };
    case 'POST /v1/reference/install':
      return { durationScale: 0.5 };
    default:
      return {};
  }
}

const MEDIA_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  'application/x-www-form-urlencoded',
  'application/yaml',
  'multipart/form-data; boundary=x',
  'application/octet-stream',
];

interface Attempt {
  body:
    | { kind: 'mutated'; pick: number; change: 'replace' | 'addField'; key: string; value: unknown }
    | { kind: 'any'; value: unknown }
    | { kind: 'none' };
  /** Index into MEDIA_TYPES, or -1 for JSON. */
  mediaType: number;
  params: unknown[];
  query: Array<[string, string]>;
}

const attempt: fc.Arbitrary<Attempt> = fc.record({
  body: fc.oneof(
    {
      weight: 6,
      arbitrary: fc.record({
        kind: fc.constant('mutated' as const),
        pick: fc.nat(),
        change: fc.constantFrom('replace' as const, 'addField' as const),
        key: nastyString,
        value: nastyValue,
      }),
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('any' as const), value: nastyValue }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
  ),
  mediaType: fc.oneof(
    { weight: 8, arbitrary: fc.constant(-1) },
    { weight: 2, arbitrary: fc.nat(MEDIA_TYPES.length - 1) },
  ),
  params: fc.array(fc.oneof(nastyString, fc.constantFrom('{fixture}', '{fixture}', 'prop-1')), {
    minLength: 3,
    maxLength: 3,
  }),
  query: fc.array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom(
          'limit',
          'before',
          'offset',
          'version',
          'customerId',
          'email',
          'status',
          'from',
          'kind',
          'reason',
        ),
        nastyString,
      ),
      nastyString,
    ),
    { maxLength: 3 },
  ),
});

describe(`generated input at every route (seed ${SEED}, ${RUNS} runs per route)`, () => {
  let t: TestApp;
  let routes: Route[];
  const fixtures = new Map<string, string>();

  beforeAll(async () => {
    process.stdout.write(`untrusted-input property test: FC_SEED=${SEED} PROPERTY_RUNS=${RUNS}\n`);
    t = await startTestApp({
      processes: { api: true, worker: false },
      env: { SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET },
    });
    routes = discoverRoutes(t);
    const create = async (path: string, body: unknown): Promise<string> => {
      const res = await fetch(`${t.baseUrl}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(201);
      return ((await res.json()) as { id: string }).id;
    };
    fixtures.set('templates', await create('/v1/templates', { key: 'prop-template', kind: 'email', ...template }));
    fixtures.set('journeys', await create('/v1/journeys', journey));
    fixtures.set('segments', await create('/v1/segments', { key: 'fixture', name: 'Fixture', rule }));
    fixtures.set('api-keys', await create('/v1/api-keys', { name: 'fixture', role: 'ops' }));
    const ingest = await fetch(`${t.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify(nativeEvent),
    });
    expect(ingest.status).toBe(202);
  });
  afterAll(() => t.close());

  const rowCounts = async (): Promise<string> => {
    const [row] = await t.db.query<Record<string, string>>(
      `SELECT ${TABLES.map((table) => `(SELECT count(*) FROM ${table}) AS ${table}`).join(', ')}`,
    );
    return JSON.stringify(row);
  };

  function urlOf(route: Route, a: Attempt): string {
    let i = 0;
    const area = route.path.split('/')[2] ?? '';
    const path = route.path.replace(/:(\w+)/g, () => {
      const given = a.params[i++] as string;
      const value = given === '{fixture}' ? (fixtures.get(area) ?? 'prop-1') : given;
      return encodePart(value);
    });
    const query = a.query.map(([k, v]) => `${encodePart(k)}=${encodePart(v)}`).join('&');
    return `${t.baseUrl}${path}${query ? `?${query}` : ''}`;
  }

  it('answers every route without a 5xx, and a refused request stores nothing', async () => {
    const seen: string[] = [];
    for (const [index, route] of routes.entries()) {
      await fc.assert(
        fc.asyncProperty(attempt, async (a) => {
          const base = validBody(route);
          const value =
            a.body.kind === 'mutated'
              ? mutate(base, a.body.pick, a.body.change, a.body.key, a.body.value)
              : a.body.kind === 'any'
                ? a.body.value
                : undefined;
          const raw = value === undefined ? undefined : toJsonText(value);
          const headers: Record<string, string> = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
          if (raw !== undefined) {
            headers['content-type'] = a.mediaType < 0 ? 'application/json' : MEDIA_TYPES[a.mediaType]!;
          }
          if (route.path === '/v1/webhooks/shopify') {
            headers['x-shopify-topic'] = a.params[0] === '{fixture}' ? 'orders/create' : 'checkouts/create';
            headers['x-shopify-webhook-id'] = `wh-${String(a.params[1]).length}`;
            headers['x-shopify-hmac-sha256'] = createHmac('sha256', SHOPIFY_SECRET)
              .update(raw ?? '')
              .digest('base64');
          }
          const before = await rowCounts();
          const res = await fetch(urlOf(route, a), {
            method: route.method,
            headers,
            ...(raw === undefined || route.method === 'GET' ? {} : { body: raw }),
          });
          const text = await res.text();
          if (res.status >= 500) {
            throw new Error(`${route.method} ${route.path} answered ${res.status}: ${text.slice(0, 300)}`);
          }
          if (res.status >= 400) {
            expect({ route: `${route.method} ${route.path}`, counts: await rowCounts() }).toEqual({
              route: `${route.method} ${route.path}`,
              counts: before,
            });
          }
        }),
        // Each route its own seed derived from the printed one, so a failure replays alone.
        { seed: SEED + index, numRuns: RUNS },
      );
      seen.push(`${route.method} ${route.path}`);
    }
    // Every route was exercised: as many as the app serves (the access matrix lists them all).
    expect(seen).toHaveLength(routes.length);
    expect(routes.length).toBeGreaterThan(50);
  }, 300_000);
});
