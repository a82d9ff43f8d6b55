import { createHmac } from 'node:crypto';
import { type ErrorBody } from './support/http-bodies';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from './support/test-app';

/**
 * Inputs that once answered 500 (issue #10): each now gets a 4xx naming the field (or, for the
 * Segment and Shopify senders that cannot fix their data, is stored with the text repaired), and
 * a refused request stores nothing. The generated-input companion is untrusted-input.property.e2e-spec.ts.
 */

const SHOPIFY_SECRET = 'untrusted-input-secret';

/** `levels` nested objects around `leaf`, as JSON text. */
const nested = (levels: number, leaf = '1'): string => '{"a":'.repeat(levels) + leaf + '}'.repeat(levels);

/** A native event body with `extra` spliced in as raw JSON members. */
const event = (extra: string, name = 'custom.thing'): string =>
  `{"name":${JSON.stringify(name)},"customerId":"c-1","messageId":"m-${Math.random()}",${extra}}`;

const NUL = '\\u0000';
const LONE = '\\ud800';

interface Case {
  cause: string;
  method: string;
  path: string;
  /** Raw body text; sent as `type` (JSON unless said otherwise). */
  body?: string;
  type?: string;
  /** Headers besides authorization and content type. */
  headers?: Record<string, string>;
  status: number;
  /** What the error message must name (the field, the media type). */
  names?: string[];
}

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
];

describe('untrusted input: no 5xx, the field named, nothing stored', () => {
  let t: TestApp;
  let journeyId: string;
  let segmentId: string;
  let templateId: string;

  const send = (c: Pick<Case, 'method' | 'path' | 'body' | 'type' | 'headers'>) =>
    fetch(`${t.baseUrl}${c.path}`, {
      method: c.method,
      headers: {
        authorization: `Bearer ${TEST_ADMIN_KEY}`,
        ...(c.body === undefined ? {} : { 'content-type': c.type ?? 'application/json' }),
        ...c.headers,
      },
      ...(c.body === undefined ? {} : { body: c.body }),
    });

  const rowCounts = async (): Promise<Record<string, number>> => {
    const [row] = await t.db.query<Record<string, string>>(
      `SELECT ${TABLES.map((table) => `(SELECT count(*) FROM ${table}) AS ${table}`).join(', ')}`,
    );
    return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
  };

  const shopify = (topic: string, raw: string): Pick<Case, 'method' | 'path' | 'body' | 'headers'> => ({
    method: 'POST',
    path: '/v1/webhooks/shopify',
    body: raw,
    headers: {
      'x-shopify-topic': topic,
      'x-shopify-webhook-id': `wh-${Math.random()}`,
      'x-shopify-hmac-sha256': createHmac('sha256', SHOPIFY_SECRET).update(raw).digest('base64'),
    },
  });

  beforeAll(async () => {
    t = await startTestApp({
      processes: { api: true, worker: false },
      env: { SHOPIFY_WEBHOOK_SECRET: SHOPIFY_SECRET },
    });
    const journey = await send({
      method: 'POST',
      path: '/v1/journeys',
      body: JSON.stringify({
        name: 'Fixture',
        entry: { event: 'fixture.started' },
        steps: [{ id: 'done', type: 'exit' }],
      }),
    });
    expect(journey.status).toBe(201);
    journeyId = ((await journey.json()) as { id: string }).id;
    const segment = await send({
      method: 'POST',
      path: '/v1/segments',
      body: JSON.stringify({ key: 'fixture', name: 'Fixture', rule: { field: 'locale', op: 'exists' } }),
    });
    expect(segment.status).toBe(201);
    segmentId = ((await segment.json()) as { id: string }).id;
    const template = await send({
      method: 'POST',
      path: '/v1/templates',
      body: JSON.stringify({
        key: 'fixture',
        defaultLocale: 'en',
        variants: { en: { subject: 'Hi', html: '<p>Hi</p>' } },
      }),
    });
    expect(template.status).toBe(201);
    templateId = ((await template.json()) as { id: string }).id;
  });
  afterAll(() => t.close());

  const refused = (): Case[] => [
    // Native events: text PostgreSQL refuses, depth, prototype keys, numbers.
    {
      cause: 'NUL in customerId',
      method: 'POST',
      path: '/v1/events',
      body: `{"name":"x","customerId":"a${NUL}b","messageId":"m1"}`,
      status: 400,
      names: ['customerId', 'NUL'],
    },
    {
      cause: 'NUL in messageId',
      method: 'POST',
      path: '/v1/events',
      body: `{"name":"x","customerId":"c","messageId":"m${NUL}"}`,
      status: 400,
      names: ['messageId'],
    },
    {
      cause: 'NUL in a property',
      method: 'POST',
      path: '/v1/events',
      body: event(`"properties":{"note":"a${NUL}"}`),
      status: 400,
      names: ['properties.note'],
    },
    {
      cause: 'NUL in a property name',
      method: 'POST',
      path: '/v1/events',
      body: event(`"properties":{"a${NUL}":1}`),
      status: 400,
      names: ['properties', 'field name'],
    },
    {
      cause: 'NUL in traits',
      method: 'POST',
      path: '/v1/events',
      body: event(`"traits":{"firstName":"J${NUL}"}`),
      status: 400,
      names: ['traits.firstName'],
    },
    {
      cause: 'NUL in the event name',
      method: 'POST',
      path: '/v1/events',
      body: event('"properties":{}', 'a\u0000b'),
      status: 400,
      names: ['name'],
    },
    {
      cause: 'lone surrogate in a property',
      method: 'POST',
      path: '/v1/events',
      body: event(`"properties":{"note":"${LONE}"}`),
      status: 400,
      names: ['properties.note', 'surrogate'],
    },
    {
      cause: 'lone surrogate in customerId',
      method: 'POST',
      path: '/v1/events',
      body: `{"name":"x","customerId":"${LONE}","messageId":"m2"}`,
      status: 400,
      names: ['customerId'],
    },
    {
      cause: 'lone low surrogate in traits',
      method: 'POST',
      path: '/v1/events',
      body: event(`"traits":{"city":"\\udc00x"}`),
      status: 400,
      names: ['traits.city'],
    },
    {
      cause: 'properties 5,000 levels deep',
      method: 'POST',
      path: '/v1/events',
      body: event(`"properties":${nested(5000)}`),
      status: 400,
      names: ['properties', 'nested deeper'],
    },
    {
      cause: 'traits 5,000 levels deep',
      method: 'POST',
      path: '/v1/events',
      body: event(`"traits":${nested(5000)}`),
      status: 400,
      names: ['traits'],
    },
    {
      cause: '__proto__ as a property name',
      method: 'POST',
      path: '/v1/events',
      body: event('"properties":{"__proto__":{"x":1}}'),
      status: 400,
      names: ['properties.__proto__'],
    },
    {
      cause: 'constructor as a trait name',
      method: 'POST',
      path: '/v1/events',
      body: event('"traits":{"constructor":"x"}'),
      status: 400,
      names: ['traits.constructor'],
    },
    {
      cause: 'a number beyond double range',
      method: 'POST',
      path: '/v1/events',
      body: event('"properties":{"n":1e400}'),
      status: 400,
      names: ['properties.n'],
    },
    {
      cause: 'an order total beyond numeric(20,4)',
      method: 'POST',
      path: '/v1/events',
      body: event('"properties":{"orderId":"o1","total":1e300,"currency":"USD"}', 'order.placed'),
      status: 400,
      names: ['properties.total'],
    },
    {
      cause: 'NUL inside a batch',
      method: 'POST',
      path: '/v1/events/batch',
      body: `{"events":[${event('"properties":{}')},${event(`"properties":{"x":"${NUL}"}`)}]}`,
      status: 400,
      names: ['events[1].properties.x'],
    },
    // Segment: structure is refused (an SDK drops a 400, it does not retry).
    {
      cause: 'Segment properties 5,000 levels deep',
      method: 'POST',
      path: '/v1/track',
      body: `{"userId":"u1","event":"Viewed","properties":${nested(5000)}}`,
      status: 400,
      names: ['properties'],
    },
    {
      cause: 'Segment __proto__ in traits',
      method: 'POST',
      path: '/v1/identify',
      body: '{"userId":"u1","traits":{"__proto__":{"admin":true}}}',
      status: 400,
      names: ['traits.__proto__'],
    },
    // Shopify: a valid HMAC over a payload of the wrong shape.
    {
      cause: 'Shopify line_items: 1.5',
      ...shopify('checkouts/create', '{"token":"t1","email":"a@example.com","line_items":1.5}'),
      status: 400,
      names: ['line_items'],
    },
    {
      cause: 'Shopify line_items: [null]',
      ...shopify(
        'orders/create',
        '{"id":1,"email":"a@example.com","total_price":"1.00","currency":"USD","line_items":[null]}',
      ),
      status: 400,
      names: ['line_items[0]'],
    },
    {
      cause: 'Shopify customer: "x"',
      ...shopify('orders/create', '{"id":1,"total_price":"1.00","currency":"USD","customer":"x"}'),
      status: 400,
      names: ['customer'],
    },
    {
      cause: 'Shopify payload 5,000 levels deep',
      ...shopify('orders/create', `{"id":1,"email":"a@example.com","note_attributes":${nested(5000)}}`),
      status: 400,
      names: ['note_attributes'],
    },
    // Path parameters and query strings.
    {
      cause: 'NUL in a customer id (path)',
      method: 'GET',
      path: '/v1/customers/a%00b',
      status: 400,
      names: ['path.customerId'],
    },
    {
      cause: 'NUL in a customer id (events)',
      method: 'GET',
      path: '/v1/customers/a%00b/events',
      status: 400,
      names: ['path.customerId'],
    },
    {
      cause: 'NUL in a customer id (journeys)',
      method: 'GET',
      path: '/v1/customers/a%00b/journeys',
      status: 400,
      names: ['path.customerId'],
    },
    { cause: 'bytes that are not UTF-8 in a path', method: 'GET', path: '/v1/customers/%ED%A0%80', status: 400 },
    { cause: 'NUL in a journey id', method: 'GET', path: '/v1/journeys/%00', status: 400, names: ['path.id'] },
    {
      cause: 'NUL in an email (path)',
      method: 'DELETE',
      path: '/v1/suppressions/a%00@example.com',
      status: 400,
      names: ['path.email'],
    },
    {
      cause: 'NUL in a cursor',
      method: 'GET',
      path: '/v1/customers/c/events?before=%00',
      status: 400,
      names: ['query.before'],
    },
    {
      cause: 'NUL in a message filter',
      method: 'GET',
      path: '/v1/messages?customerId=%00',
      status: 400,
      names: ['query.customerId'],
    },
    {
      cause: 'NUL in a suppression lookup',
      method: 'GET',
      path: '/v1/suppressions?email=a%00',
      status: 400,
      names: ['query.email'],
    },
    {
      cause: 'a template version beyond integer',
      method: 'GET',
      path: '/v1/templates/{template}?version=99999999999',
      status: 400,
      names: ['version'],
    },
    // Journeys, segments, templates and the rest of the admin API.
    {
      cause: 'NUL in a journey name',
      method: 'POST',
      path: '/v1/journeys',
      body: `{"name":"J${NUL}","entry":{"event":"a"},"steps":[{"id":"x","type":"exit"}]}`,
      status: 400,
      names: ['name'],
    },
    {
      cause: 'journey condition 5,000 levels deep',
      method: 'POST',
      path: '/v1/journeys/validate',
      body: `{"name":"J","entry":{"event":"a","where":${'{"not":'.repeat(5000)}{"property":"p"}${'}'.repeat(5000)}},"steps":[{"id":"x","type":"exit"}]}`,
      status: 400,
      names: ['entry.where'],
    },
    {
      cause: 'YAML with a NUL escape',
      method: 'POST',
      path: '/v1/journeys',
      type: 'application/yaml',
      body: 'name: "J\\0"\nentry: { event: a }\nsteps: [{ id: x, type: exit }]\n',
      status: 400,
      names: ['name'],
    },
    {
      cause: 'YAML 5,000 levels deep',
      method: 'POST',
      path: '/v1/journeys/validate',
      type: 'application/yaml',
      body: `name: J\nentry: { event: a, where: ${'{ not: '.repeat(5000)}{ property: p }${' }'.repeat(5000)} }\nsteps: [{ id: x, type: exit }]\n`,
      status: 400,
    },
    {
      cause: 'NUL in a draft',
      method: 'PUT',
      path: '/v1/journeys/{journey}',
      body: `{"name":"J","description":"${NUL}","entry":{"event":"a"},"steps":[{"id":"x","type":"exit"}]}`,
      status: 400,
      names: ['description'],
    },
    {
      cause: 'simulation properties 5,000 levels deep',
      method: 'POST',
      path: '/v1/journeys/{journey}/simulate',
      body: `{"events":[{"name":"fixture.started","at":"2026-01-01T00:00:00Z","properties":${nested(5000)}}]}`,
      status: 400,
      names: ['events[0].properties'],
    },
    {
      cause: 'segment rule 5,000 levels deep',
      method: 'POST',
      path: '/v1/segments',
      body: `{"key":"deep","name":"Deep","rule":${'{"not":'.repeat(5000)}{"field":"locale","op":"exists"}${'}'.repeat(5000)}}`,
      status: 400,
      names: ['rule'],
    },
    {
      cause: 'segment preview 5,000 levels deep',
      method: 'POST',
      path: '/v1/segments/preview',
      body: `{"rule":${'{"all":['.repeat(5000)}{"field":"locale","op":"exists"}${']}'.repeat(5000)}}`,
      status: 400,
      names: ['rule'],
    },
    {
      cause: 'a wait of a billion years',
      method: 'POST',
      path: '/v1/journeys/validate',
      body: '{"name":"J","entry":{"event":"a"},"steps":[{"id":"w","type":"wait","duration":"P999999999Y"}]}',
      status: 400,
      names: ['steps[0].duration'],
    },
    {
      cause: 'a goal window of a billion years',
      method: 'POST',
      path: '/v1/journeys/validate',
      body: '{"name":"J","entry":{"event":"a"},"goal":{"event":"b","within":"P999999999Y"},"steps":[{"id":"x","type":"exit"}]}',
      status: 400,
      names: ['goal.within'],
    },
    {
      cause: 'a segment window of a billion years',
      method: 'POST',
      path: '/v1/segments/preview',
      body: '{"rule":{"event":"email.opened","within":"P999999999Y"}}',
      status: 400,
      names: ['rule.within'],
    },
    {
      cause: 'NUL in a segment name',
      method: 'PATCH',
      path: '/v1/segments/{segment}',
      body: `{"name":"S${NUL}"}`,
      status: 400,
      names: ['name'],
    },
    {
      cause: 'NUL in template html',
      method: 'POST',
      path: '/v1/templates',
      body: `{"key":"nul","defaultLocale":"en","variants":{"en":{"html":"<p>${NUL}</p>"}}}`,
      status: 400,
      names: ['variants.en.html'],
    },
    {
      cause: 'lone surrogate in a template subject',
      method: 'PUT',
      path: '/v1/templates/{template}',
      body: `{"defaultLocale":"en","variants":{"en":{"subject":"${LONE}","html":"x"}}}`,
      status: 400,
      names: ['variants.en.subject'],
    },
    {
      cause: 'NUL in a preview customer',
      method: 'POST',
      path: '/v1/templates/{template}/preview',
      body: `{"customerId":"c${NUL}"}`,
      status: 400,
      names: ['customerId'],
    },
    {
      cause: 'NUL in an API key name',
      method: 'POST',
      path: '/v1/api-keys',
      body: `{"name":"k${NUL}","role":"ops"}`,
      status: 400,
      names: ['name'],
    },
    {
      cause: 'NUL in a suppressed address',
      method: 'POST',
      path: '/v1/suppressions',
      body: `{"email":"a${NUL}@example.com"}`,
      status: 400,
      names: ['email'],
    },
    {
      cause: 'NUL in a pause reason',
      method: 'POST',
      path: '/v1/sending/pause',
      body: `{"reason":"${NUL}"}`,
      status: 400,
      names: ['reason'],
    },
    // Unknown fields are named, not ignored.
    {
      cause: 'an unknown install option',
      method: 'POST',
      path: '/v1/reference/install',
      body: '{"durationScle":0.001}',
      status: 400,
      names: ['durationScle'],
    },
    {
      cause: 'a durationScale above 1',
      method: 'POST',
      path: '/v1/reference/install',
      body: '{"durationScale":5}',
      status: 400,
      names: ['durationScale'],
    },
    {
      cause: 'options to pause a journey',
      method: 'POST',
      path: '/v1/journeys/{journey}/pause',
      body: '{"force":true}',
      status: 400,
      names: ['force'],
    },
    {
      cause: 'options to resume sending',
      method: 'POST',
      path: '/v1/sending/resume',
      body: '{"now":true}',
      status: 400,
      names: ['now'],
    },
    {
      cause: 'an unknown query parameter',
      method: 'GET',
      path: '/v1/customers/c/events?limt=5',
      status: 400,
      names: ['limt'],
    },
    // Bodies of a type the route does not read: 415 naming what it reads.
    {
      cause: 'text/plain event',
      method: 'POST',
      path: '/v1/events',
      type: 'text/plain',
      body: event('"properties":{}'),
      status: 415,
      names: ['text/plain', 'application/json'],
    },
    {
      cause: 'form-encoded segment',
      method: 'POST',
      path: '/v1/segments',
      type: 'application/x-www-form-urlencoded',
      body: 'key=a&name=b',
      status: 415,
      names: ['application/x-www-form-urlencoded', 'application/json'],
    },
    {
      cause: 'text/plain journey',
      method: 'POST',
      path: '/v1/journeys',
      type: 'text/plain',
      body: 'name: J',
      status: 415,
      names: ['application/json', 'application/yaml'],
    },
    {
      cause: 'YAML event',
      method: 'POST',
      path: '/v1/events',
      type: 'application/yaml',
      body: 'name: x',
      status: 415,
      names: ['application/yaml', 'application/json'],
    },
    {
      cause: 'text/plain Segment batch',
      method: 'POST',
      path: '/v1/batch',
      type: 'text/plain',
      body: '{"batch":[]}',
      status: 415,
      names: ['application/json'],
    },
  ];

  const withIds = (path: string): string =>
    path.replace('{journey}', journeyId).replace('{segment}', segmentId).replace('{template}', templateId);

  it.each(refused().map((c) => [c.cause, c] as const))('%s: refused with a 4xx naming it', async (_cause, c) => {
    const before = await rowCounts();
    const res = await send({ ...c, path: withIds(c.path) });
    const body = (await res.json()) as ErrorBody;
    expect({ status: res.status, code: body.code }).toEqual({
      status: c.status,
      code: c.status === 415 ? 'UNSUPPORTED_MEDIA_TYPE' : expect.any(String),
    });
    for (const name of c.names ?? []) {
      expect(body.message).toContain(name);
    }
    expect(await rowCounts()).toEqual(before);
  });

  describe('names a lookup must not take from Object.prototype', () => {
    it.each(['constructor', '__proto__', 'toString', 'hasOwnProperty'])('accepts an event named %s', async (name) => {
      const res = await send({ method: 'POST', path: '/v1/events', body: event('"properties":{"x":1}', name) });
      expect(res.status).toBe(202);
      const [row] = await t.db.query<{ name: string; properties: unknown }>(
        'SELECT name, properties FROM events WHERE name = $1',
        [name],
      );
      expect(row).toEqual({ name, properties: { x: 1 } });
    });

    it('keeps a Segment track event named constructor as it is', async () => {
      const res = await send({
        method: 'POST',
        path: '/v1/track',
        body: '{"userId":"seg-1","event":"constructor","messageId":"seg-constructor","properties":{"a":1}}',
      });
      expect(res.status).toBe(200);
      const [row] = await t.db.query<{ name: string }>("SELECT name FROM events WHERE message_id = 'seg-constructor'");
      expect(row).toEqual({ name: 'constructor' });
    });

    it('saves a journey whose exit and waits use such names', async () => {
      const res = await send({
        method: 'POST',
        path: '/v1/journeys/validate',
        body: JSON.stringify({
          name: 'Names',
          entry: { event: 'toString' },
          exit: [{ event: 'constructor' }, { event: '__proto__' }],
          steps: [
            { id: 'constructor', type: 'waitForEvent', event: 'hasOwnProperty', timeout: 'P1D', onEvent: 'end' },
            { id: 'end', type: 'exit' },
          ],
        }),
      });
      expect(res.status).toBe(200);
    });

    it('previews a segment counting events named constructor', async () => {
      const res = await send({
        method: 'POST',
        path: '/v1/segments/preview',
        body: '{"rule":{"event":"constructor","within":"P30D"}}',
      });
      expect(res.status).toBe(200);
    });
  });

  describe('Segment and Shopify: NUL and lone surrogates are repaired, not refused', () => {
    it('stores a Segment track with U+FFFD where the NUL and the lone surrogate were', async () => {
      const res = await send({
        method: 'POST',
        path: '/v1/track',
        body: `{"userId":"seg-2","event":"Note Taken","messageId":"seg-nul","properties":{"text":"a${NUL}b${LONE}c"},"context":{"traits":{"city":"Ky${NUL}oto"}}}`,
      });
      expect(res.status).toBe(200);
      const [row] = await t.db.query<{ properties: unknown; traits: unknown }>(
        "SELECT properties, traits FROM events WHERE message_id = 'seg-nul'",
      );
      expect(row).toEqual({ properties: { text: 'a\ufffdb\ufffdc' }, traits: { city: 'Ky\ufffdoto' } });
    });

    it('stores a Shopify checkout with U+FFFD in the customer name', async () => {
      const res = await send(
        shopify(
          'checkouts/create',
          `{"token":"tok-nul","email":"nul@example.com","customer":{"id":77,"first_name":"Jo${NUL}n"},"line_items":[],"total_price":"0.00","currency":"USD"}`,
        ),
      );
      expect(res.status).toBe(200);
      const [row] = await t.db.query<{ traits: unknown }>(
        "SELECT traits FROM events WHERE source = 'shopify' AND properties->>'cartId' = 'tok-nul'",
      );
      expect(row).toEqual({ traits: { firstName: 'Jo\ufffdn' } });
    });
  });

  describe('POST /v1/reference/install', () => {
    it('installs with the durationScale asked for, as the CLI does', async () => {
      const res = await send({ method: 'POST', path: '/v1/reference/install', body: '{"durationScale":0.001}' });
      expect(res.status).toBe(200);
      // cart-abandonment.yaml waits PT1H before its first reminder: 3,600 s × 0.001 = 3.6 s.
      const [row] = await t.db.query<{ duration: string }>(
        `SELECT s->>'duration' AS duration
           FROM journey_versions v JOIN journeys j ON j.id = v.journey_id,
                jsonb_array_elements(v.definition->'steps') s
          WHERE j.name = 'Cart abandonment' AND s->>'type' = 'wait'
          ORDER BY v.version LIMIT 1`,
      );
      expect(row).toEqual({ duration: 'PT3.6S' });
    });
  });
});
