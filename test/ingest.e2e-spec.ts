import { Role } from '@kizuna/auth';
import { type ErrorBody, type EventRow, type IngestResultBody, type Reply } from './support/http-bodies';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * POST /v1/events and /v1/events/batch against the real app and a real PostgreSQL: what is
 * stored, what is deduplicated, and how every refusal looks on the wire.
 */

interface BatchResultBody {
  accepted: number;
  duplicates: number;
  results: IngestResultBody[];
}

interface KeyRow {
  message_id: string;
  event_id: string;
}

interface Counts {
  events: number;
  keys: number;
}

let sequence = 0;
/** A messageId no other test in this file uses. */
const uniqueId = (label: string): string => `${label}-${++sequence}-${Date.now().toString(36)}`;

/** A valid native event; `overrides` replace or add top-level fields. */
function anEvent(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    messageId: uniqueId('msg'),
    name: 'product.viewed',
    customerId: 'cust-ingest',
    properties: { productId: 'p-1', name: 'Kettle', price: 39.5 },
    ...overrides,
  };
}

async function storedCounts(t: TestApp): Promise<Counts> {
  const [row] = await t.db.query<{ events: string; keys: string }>(
    `SELECT (SELECT count(*) FROM events)::text AS events, (SELECT count(*) FROM event_idempotency_keys)::text AS keys`,
  );
  return { events: Number(row!.events), keys: Number(row!.keys) };
}

async function eventRows(t: TestApp, messageId: string): Promise<EventRow[]> {
  return t.db.query<EventRow>('SELECT * FROM events WHERE message_id = $1 ORDER BY seq', [messageId]);
}

async function keyRows(t: TestApp, messageId: string): Promise<KeyRow[]> {
  return t.db.query<KeyRow>('SELECT message_id, event_id::text FROM event_idempotency_keys WHERE message_id = $1', [
    messageId,
  ]);
}

/** Checks the shape every error shares, and that requestId is the one in X-Request-Id. */
function expectError(reply: Reply<ErrorBody>, statusCode: number, code: string): ErrorBody {
  expect({ status: reply.status, code: reply.body.code }).toEqual({ status: statusCode, code });
  expect(reply.body).toEqual(
    expect.objectContaining({ statusCode, code, message: expect.any(String), requestId: expect.any(String) }),
  );
  expect(reply.body.message.length).toBeGreaterThan(0);
  expect(reply.body.requestId.length).toBeGreaterThan(0);
  expect(reply.body.requestId).toBe(reply.headers.get('x-request-id'));
  return reply.body;
}

const issuePaths = (body: ErrorBody): string[] => (body.details?.issues ?? []).map((i) => i.path);

function makeClient(t: TestApp, key: string) {
  const send = async <T>(path: string, body: string, headers: Record<string, string> = {}): Promise<Reply<T>> => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
      body,
    });
    return { status: res.status, headers: res.headers, body: (await res.json()) as T };
  };
  return {
    send,
    postEvent: <T = IngestResultBody>(event: unknown, headers: Record<string, string> = {}) =>
      send<T>('/v1/events', JSON.stringify(event), headers),
    postBatch: <T = BatchResultBody>(events: unknown[]) => send<T>('/v1/events/batch', JSON.stringify({ events })),
  };
}

describe('event ingest (POST /v1/events, /v1/events/batch)', () => {
  let t: TestApp;
  let client: ReturnType<typeof makeClient>;

  beforeAll(async () => {
    t = await startTestApp();
    client = makeClient(t, await t.keyFor(Role.Ingest));
  });
  afterAll(() => t.close());

  describe('one event', () => {
    it('accepts an event with 202 and stores it in the inbox', async () => {
      const event = anEvent({
        name: 'order.placed',
        customerId: 'cust-accept',
        email: 'Buyer@Example.COM',
        timestamp: '2026-01-15T09:30:00.000Z',
        properties: { orderId: 'o-100', total: 42.5, currency: 'USD' },
        traits: { firstName: 'Aiko' },
      });
      const reply = await client.postEvent(event);

      expect(reply.status).toBe(202);
      expect(reply.body).toEqual({ messageId: event.messageId, eventId: expect.any(String), status: 'accepted' });
      expect(reply.headers.get('idempotent-replayed')).toBeNull();

      const rows = await eventRows(t, String(event.messageId));
      expect(rows).toHaveLength(1);
      expect(rows[0]).toEqual(
        expect.objectContaining({
          id: reply.body.eventId,
          source: 'api',
          name: 'order.placed',
          customer_key: 'id:cust-accept',
          customer_id: 'cust-accept',
          email: 'buyer@example.com',
          traits: { firstName: 'Aiko' },
        }),
      );
      expect(rows[0]!.occurred_at.toISOString()).toBe('2026-01-15T09:30:00.000Z');
      // order.placed properties are normalised: items defaults to an empty list.
      expect(rows[0]!.properties).toEqual({ orderId: 'o-100', total: 42.5, currency: 'USD', items: [] });
      expect(await keyRows(t, String(event.messageId))).toEqual([
        { message_id: event.messageId, event_id: reply.body.eventId },
      ]);
    });

    it('answers the same messageId again as a duplicate with the first eventId, storing nothing new', async () => {
      const event = anEvent();
      const first = await client.postEvent(event);
      expect(first.status).toBe(202);
      expect(first.body.status).toBe('accepted');
      const before = await storedCounts(t);

      const again = await client.postEvent(event);

      expect(again.status).toBe(202);
      expect(again.body).toEqual({ messageId: event.messageId, eventId: first.body.eventId, status: 'duplicate' });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await eventRows(t, String(event.messageId))).toHaveLength(1);
      expect(await keyRows(t, String(event.messageId))).toHaveLength(1);
      expect(await storedCounts(t)).toEqual(before);
    });

    it('treats a retry whose object keys come in another order as the same event', async () => {
      const messageId = uniqueId('reordered');
      const first = await client.send<IngestResultBody>(
        '/v1/events',
        `{"messageId":"${messageId}","name":"product.viewed","customerId":"cust-order","properties":{"productId":"p-9","price":3}}`,
      );
      const again = await client.send<IngestResultBody>(
        '/v1/events',
        `{"properties":{"price":3,"productId":"p-9"},"customerId":"cust-order","name":"product.viewed","messageId":"${messageId}"}`,
      );
      expect(first.body.status).toBe('accepted');
      expect(again.status).toBe(202);
      expect(again.body).toEqual({ messageId, eventId: first.body.eventId, status: 'duplicate' });
      expect(await eventRows(t, messageId)).toHaveLength(1);
    });

    it('stores exactly one event when ~20 identical requests race', async () => {
      const event = anEvent({ customerId: 'cust-race' });
      const replies = await Promise.all(Array.from({ length: 20 }, () => client.postEvent(event)));

      expect(replies.map((r) => r.status)).toEqual(Array(20).fill(202));
      const eventIds = new Set(replies.map((r) => r.body.eventId));
      expect(eventIds.size).toBe(1);
      expect(replies.filter((r) => r.body.status === 'accepted')).toHaveLength(1);
      expect(replies.filter((r) => r.body.status === 'duplicate')).toHaveLength(19);
      for (const reply of replies) {
        expect(reply.headers.get('idempotent-replayed')).toBe(reply.body.status === 'duplicate' ? 'true' : null);
      }
      const rows = await eventRows(t, String(event.messageId));
      expect(rows.map((r) => r.id)).toEqual([...eventIds]);
      expect(await keyRows(t, String(event.messageId))).toHaveLength(1);
    });

    it('uses the Idempotency-Key header when the body has no messageId', async () => {
      const key = uniqueId('header-key');
      const { messageId: _none, ...body } = anEvent({ customerId: 'cust-header' });

      const first = await client.postEvent(body, { 'Idempotency-Key': key });
      expect(first.status).toBe(202);
      expect(first.body).toEqual({ messageId: key, eventId: expect.any(String), status: 'accepted' });
      const rows = await eventRows(t, key);
      expect(rows.map((r) => r.id)).toEqual([first.body.eventId]);

      const again = await client.postEvent(body, { 'Idempotency-Key': key });
      expect(again.status).toBe(202);
      expect(again.body).toEqual({ messageId: key, eventId: first.body.eventId, status: 'duplicate' });
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(await eventRows(t, key)).toHaveLength(1);
    });

    it('refuses a body messageId that differs from the Idempotency-Key header', async () => {
      const before = await storedCounts(t);
      const reply = await client.postEvent<ErrorBody>(anEvent({ messageId: 'body-key' }), {
        'Idempotency-Key': 'header-key',
      });
      const body = expectError(reply, 400, 'VALIDATION_FAILED');
      expect(issuePaths(body)).toEqual(['(body).messageId']);
      expect(await storedCounts(t)).toEqual(before);
    });

    it('refuses the same key with a different body with 409 IDEMPOTENCY_CONFLICT and stores nothing', async () => {
      const event = anEvent({ properties: { productId: 'p-1', price: 10 } });
      const first = await client.postEvent(event);
      expect(first.body.status).toBe('accepted');
      const before = await storedCounts(t);

      const reply = await client.postEvent<ErrorBody>({
        ...event,
        properties: { productId: 'p-1', price: 11 },
      });

      const body = expectError(reply, 409, 'IDEMPOTENCY_CONFLICT');
      expect(body.message).toContain(String(event.messageId));
      expect(await storedCounts(t)).toEqual(before);
      expect((await eventRows(t, String(event.messageId))).map((r) => r.properties)).toEqual([
        { productId: 'p-1', price: 10 },
      ]);
      expect(await keyRows(t, String(event.messageId))).toEqual([
        { message_id: event.messageId, event_id: first.body.eventId },
      ]);
    });

    it('accepts an email in place of a customerId', async () => {
      const event = anEvent({ customerId: undefined, email: 'Only.Email@Example.com' });
      const reply = await client.postEvent(event);
      expect(reply.status).toBe(202);
      const [row] = await eventRows(t, String(event.messageId));
      expect(row).toEqual(expect.objectContaining({ customer_key: 'email:only.email@example.com', customer_id: null }));
    });

    it('accepts a timestamp within the allowed clock skew', async () => {
      const timestamp = new Date(Date.now() + 60_000).toISOString();
      const event = anEvent({ timestamp });
      const reply = await client.postEvent(event);
      expect(reply.status).toBe(202);
      expect(reply.body.status).toBe('accepted');
      expect((await eventRows(t, String(event.messageId)))[0]!.occurred_at.toISOString()).toBe(timestamp);
    });
  });

  it('accepts the earliest timestamp PostgreSQL stores', async () => {
    const event = anEvent({ timestamp: '0001-01-01T00:00:00Z' });
    const reply = await client.postEvent(event);
    expect(reply.status).toBe(202);
    expect((await eventRows(t, String(event.messageId)))[0]!.occurred_at.toISOString()).toBe(
      '0001-01-01T00:00:00.000Z',
    );
  });

  describe('dedup window', () => {
    it('accepts a key again as a new event once its first use is older than the window (72 h)', async () => {
      const event = anEvent({ customerId: 'cust-window' });
      const first = await client.postEvent(event);
      expect(first.body.status).toBe('accepted');
      await t.db.query(
        `UPDATE event_idempotency_keys SET created_at = now() - interval '100 hours' WHERE message_id = $1`,
        [event.messageId],
      );

      const again = await client.postEvent(event);

      expect(again.status).toBe(202);
      expect(again.body).toEqual({ messageId: event.messageId, eventId: expect.any(String), status: 'accepted' });
      expect(again.body.eventId).not.toBe(first.body.eventId);
      expect(again.headers.get('idempotent-replayed')).toBeNull();
      expect((await eventRows(t, String(event.messageId))).map((r) => r.id)).toEqual([
        first.body.eventId,
        again.body.eventId,
      ]);
      expect(await keyRows(t, String(event.messageId))).toEqual([
        { message_id: event.messageId, event_id: again.body.eventId },
      ]);
      const [fresh] = await t.db.query<{ age_s: number }>(
        `SELECT extract(epoch FROM now() - created_at)::float8 AS age_s FROM event_idempotency_keys WHERE message_id = $1`,
        [event.messageId],
      );
      expect(fresh!.age_s).toBeLessThan(60);

      // The taken-over key now deduplicates against the new event.
      const third = await client.postEvent(event);
      expect(third.body).toEqual({ messageId: event.messageId, eventId: again.body.eventId, status: 'duplicate' });
    });

    it('still deduplicates a key used 71 hours ago', async () => {
      const event = anEvent({ customerId: 'cust-window' });
      const first = await client.postEvent(event);
      await t.db.query(
        `UPDATE event_idempotency_keys SET created_at = now() - interval '71 hours' WHERE message_id = $1`,
        [event.messageId],
      );
      const again = await client.postEvent(event);
      expect(again.body).toEqual({ messageId: event.messageId, eventId: first.body.eventId, status: 'duplicate' });
      expect(await eventRows(t, String(event.messageId))).toHaveLength(1);
    });

    it('lets an expired key carry different content without a conflict', async () => {
      const event = anEvent({ customerId: 'cust-window', properties: { productId: 'old' } });
      await client.postEvent(event);
      await t.db.query(
        `UPDATE event_idempotency_keys SET created_at = now() - interval '100 hours' WHERE message_id = $1`,
        [event.messageId],
      );
      const again = await client.postEvent({ ...event, properties: { productId: 'new' } });
      expect(again.status).toBe(202);
      expect(again.body.status).toBe('accepted');
      expect((await eventRows(t, String(event.messageId))).map((r) => r.properties.productId)).toEqual(['old', 'new']);
    });
  });

  describe('batch', () => {
    it('returns accepted and duplicate results in request order', async () => {
      const seen = anEvent({ customerId: 'cust-batch' });
      const firstOfSeen = await client.postEvent(seen);
      expect(firstOfSeen.body.status).toBe('accepted');
      const a = anEvent({ customerId: 'cust-batch' });
      const b = anEvent({ customerId: 'cust-batch-2', name: 'newsletter.opened', properties: {} });
      const before = await storedCounts(t);

      const reply = await client.postBatch([a, seen, b, a]);

      expect(reply.status).toBe(202);
      expect(reply.body.accepted).toBe(2);
      expect(reply.body.duplicates).toBe(2);
      expect(reply.body.results.map((r) => [r.messageId, r.status])).toEqual([
        [a.messageId, 'accepted'],
        [seen.messageId, 'duplicate'],
        [b.messageId, 'accepted'],
        [a.messageId, 'duplicate'],
      ]);
      const [ra, rseen, rb, ra2] = reply.body.results;
      expect(rseen!.eventId).toBe(firstOfSeen.body.eventId);
      expect(ra2!.eventId).toBe(ra!.eventId);
      expect(new Set([ra!.eventId, rb!.eventId, firstOfSeen.body.eventId]).size).toBe(3);
      expect(await storedCounts(t)).toEqual({ events: before.events + 2, keys: before.keys + 2 });
      expect((await eventRows(t, String(a.messageId))).map((r) => r.id)).toEqual([ra!.eventId]);
      expect((await eventRows(t, String(b.messageId))).map((r) => r.id)).toEqual([rb!.eventId]);

      // The whole batch again: every result a duplicate of the same event.
      const replay = await client.postBatch([a, seen, b, a]);
      expect(replay.body.accepted).toBe(0);
      expect(replay.body.duplicates).toBe(4);
      expect(replay.body.results.map((r) => r.eventId)).toEqual(reply.body.results.map((r) => r.eventId));
      expect(await storedCounts(t)).toEqual({ events: before.events + 2, keys: before.keys + 2 });
    });

    it('refuses a batch with one invalid event, naming events[i].<field>, and stores none of it', async () => {
      const before = await storedCounts(t);
      const events = [anEvent(), anEvent(), anEvent({ timestamp: 'yesterday' }), anEvent()];

      const reply = await client.postBatch<ErrorBody>(events);

      const body = expectError(reply, 400, 'VALIDATION_FAILED');
      expect(body.message).toContain('events[2].timestamp');
      expect(issuePaths(body)).toEqual(['events[2].timestamp']);
      expect(await storedCounts(t)).toEqual(before);
      const stored = await t.db.query('SELECT 1 FROM events WHERE message_id = ANY($1::text[])', [
        events.map((e) => e.messageId),
      ]);
      expect(stored).toHaveLength(0);
    });

    it('names every invalid event of a batch', async () => {
      const before = await storedCounts(t);
      const reply = await client.postBatch<ErrorBody>([
        anEvent({ name: 5 }),
        anEvent(),
        anEvent({ customerId: undefined }),
        anEvent({ messageId: undefined }),
      ]);
      const body = expectError(reply, 400, 'VALIDATION_FAILED');
      expect(issuePaths(body)).toEqual(['events[0].name', 'events[2].customerId', 'events[3].messageId']);
      expect(await storedCounts(t)).toEqual(before);
    });

    it('accepts exactly 1000 events', async () => {
      const before = await storedCounts(t);
      const events = Array.from({ length: 1000 }, (_, i) => anEvent({ customerId: `cust-bulk-${i % 7}` }));
      const reply = await client.postBatch(events);
      expect(reply.status).toBe(202);
      expect(reply.body.accepted).toBe(1000);
      expect(reply.body.results.map((r) => r.messageId)).toEqual(events.map((e) => e.messageId));
      expect(await storedCounts(t)).toEqual({ events: before.events + 1000, keys: before.keys + 1000 });
    });

    it('refuses 1001 events with 413 BATCH_TOO_LARGE and stores none', async () => {
      const before = await storedCounts(t);
      const reply = await client.postBatch<ErrorBody>(Array.from({ length: 1001 }, () => anEvent()));
      const body = expectError(reply, 413, 'BATCH_TOO_LARGE');
      expect(body.details).toEqual({ limit: 1000, received: 1001 });
      expect(await storedCounts(t)).toEqual(before);
    });

    it('refuses an empty batch', async () => {
      const reply = await client.postBatch<ErrorBody>([]);
      const body = expectError(reply, 400, 'VALIDATION_FAILED');
      expect(issuePaths(body)).toEqual(['events']);
    });

    it('refuses a batch reusing a stored key with a different body with 409, storing none of it', async () => {
      const stored = anEvent({ properties: { productId: 'p-stored' } });
      const first = await client.postEvent(stored);
      expect(first.body.status).toBe('accepted');
      const before = await storedCounts(t);
      const fresh = anEvent();

      const reply = await client.postBatch<ErrorBody>([fresh, { ...stored, properties: { productId: 'p-other' } }]);

      const body = expectError(reply, 409, 'IDEMPOTENCY_CONFLICT');
      expect(body.details).toEqual({ messageId: stored.messageId });
      expect(await storedCounts(t)).toEqual(before);
      expect(await eventRows(t, String(fresh.messageId))).toHaveLength(0);
      expect(await keyRows(t, String(fresh.messageId))).toHaveLength(0);
      // The key the batch claimed was rolled back, so the valid event can be sent on its own.
      const retry = await client.postEvent(fresh);
      expect(retry.body.status).toBe('accepted');
    });

    it('refuses a batch repeating a key with different content with 409, storing none of it', async () => {
      const before = await storedCounts(t);
      const event = anEvent({ properties: { productId: 'p-a' } });
      const reply = await client.postBatch<ErrorBody>([
        anEvent(),
        event,
        { ...event, properties: { productId: 'p-b' } },
      ]);
      const body = expectError(reply, 409, 'IDEMPOTENCY_CONFLICT');
      expect(body.details).toEqual({ messageId: event.messageId });
      expect(await storedCounts(t)).toEqual(before);
    });

    it('stores each event once when overlapping batches race in different orders', async () => {
      // Retries of one batch may arrive reordered (and a sender may split them differently):
      // concurrent requests sharing keys must neither deadlock nor store anything twice.
      for (let round = 0; round < 5; round++) {
        const events = Array.from({ length: 200 }, () => anEvent({ customerId: 'cust-overlap' }));
        const reversed = [...events].reverse();
        const before = await storedCounts(t);

        const replies = await Promise.all(
          Array.from({ length: 8 }, (_, i) => client.postBatch(i % 2 === 0 ? events : reversed)),
        );

        expect(replies.map((r) => r.status)).toEqual(Array(8).fill(202));
        expect(replies.reduce((sum, r) => sum + r.body.accepted, 0)).toBe(200);
        const idOf = new Map<string, string>();
        for (const reply of replies) {
          for (const r of reply.body.results) {
            expect(idOf.get(r.messageId) ?? r.eventId).toBe(r.eventId);
            idOf.set(r.messageId, r.eventId);
          }
        }
        expect(idOf.size).toBe(200);
        expect(await storedCounts(t)).toEqual({ events: before.events + 200, keys: before.keys + 200 });
      }
    });
  });

  describe('refusals', () => {
    let before: Counts;
    beforeEach(async () => {
      before = await storedCounts(t);
    });
    afterEach(async () => {
      expect(await storedCounts(t)).toEqual(before);
    });

    it('refuses malformed JSON with 400 MALFORMED_JSON', async () => {
      const reply = await client.send<ErrorBody>('/v1/events', '{"name": "product.viewed", "customerId": ');
      expectError(reply, 400, 'MALFORMED_JSON');
    });

    it('refuses malformed JSON on the batch route too', async () => {
      const reply = await client.send<ErrorBody>('/v1/events/batch', '{"events": [}');
      expectError(reply, 400, 'MALFORMED_JSON');
    });

    it('refuses a JSON body that is not an object', async () => {
      const reply = await client.send<ErrorBody>('/v1/events', '[]');
      const body = expectError(reply, 400, 'VALIDATION_FAILED');
      expect(body.message).toContain('JSON object');
    });

    it('refuses an event without customerId or email, saying customerId is needed', async () => {
      const reply = await client.postEvent<ErrorBody>(anEvent({ customerId: undefined }));
      const body = expectError(reply, 400, 'VALIDATION_FAILED');
      expect(body.message).toContain('customerId');
      expect(issuePaths(body)).toEqual(['(body).customerId']);
    });

    it.each<{ what: string; overrides: Record<string, unknown>; path: string }>([
      { what: 'a numeric name', overrides: { name: 5 }, path: '(body).name' },
      { what: 'string properties', overrides: { properties: 'x' }, path: '(body).properties' },
      {
        what: 'an order total that is not a number',
        overrides: { name: 'order.placed', properties: { orderId: 'o-1', total: 'abc', currency: 'USD' } },
        path: '(body).properties.total',
      },
      {
        what: 'an order without orderId',
        overrides: { name: 'order.placed', properties: { total: 10, currency: 'USD' } },
        path: '(body).properties.orderId',
      },
      {
        what: 'a lower-case currency',
        overrides: { name: 'order.placed', properties: { orderId: 'o-1', total: 10, currency: 'usd' } },
        path: '(body).properties.currency',
      },
      {
        what: 'a negative total',
        overrides: { name: 'order.placed', properties: { orderId: 'o-1', total: -1, currency: 'USD' } },
        path: '(body).properties.total',
      },
      { what: 'a malformed email', overrides: { email: 'not-an-email' }, path: '(body).email' },
      {
        what: 'an unknown time zone',
        overrides: { traits: { timezone: 'Mars/Olympus' } },
        path: '(body).traits.timezone',
      },
      {
        what: 'a timestamp without a time zone',
        overrides: { timestamp: '2026-01-15T09:30:00' },
        path: '(body).timestamp',
      },
      { what: 'a timestamp in year 0', overrides: { timestamp: '0000-06-01T00:00:00Z' }, path: '(body).timestamp' },
      {
        what: 'a timestamp an hour before year 1',
        overrides: { timestamp: '0001-01-01T00:00:00+01:00' },
        path: '(body).timestamp',
      },
      { what: 'a numeric timestamp', overrides: { timestamp: 1768469400000 }, path: '(body).timestamp' },
      { what: 'an unknown top-level field', overrides: { userId: 'u-1' }, path: '(body)' },
      { what: 'a blank messageId', overrides: { messageId: '   ' }, path: '(body).messageId' },
    ])('refuses $what with 400 naming $path', async ({ overrides, path }) => {
      const reply = await client.postEvent<ErrorBody>(anEvent(overrides));
      const body = expectError(reply, 400, 'VALIDATION_FAILED');
      expect(issuePaths(body)).toEqual([path]);
      expect(body.message).toContain(`${path}:`);
    });

    it('refuses a timestamp far in the future', async () => {
      const reply = await client.postEvent<ErrorBody>(
        anEvent({ timestamp: new Date(Date.now() + 3_600_000).toISOString() }),
      );
      const body = expectError(reply, 400, 'VALIDATION_FAILED');
      expect(body.message).toContain('timestamp');
      expect(issuePaths(body)).toEqual(['(body).timestamp']);
    });

    it('refuses an event with neither messageId nor Idempotency-Key header', async () => {
      const reply = await client.postEvent<ErrorBody>(anEvent({ messageId: undefined }));
      const body = expectError(reply, 400, 'VALIDATION_FAILED');
      expect(issuePaths(body)).toEqual(['(body).messageId']);
      expect(body.message).toContain('Idempotency-Key');
    });

    it('refuses a blank Idempotency-Key header as no key at all', async () => {
      const reply = await client.postEvent<ErrorBody>(anEvent({ messageId: undefined }), {
        'Idempotency-Key': '   ',
      });
      const body = expectError(reply, 400, 'VALIDATION_FAILED');
      expect(issuePaths(body)).toEqual(['(body).messageId']);
    });

    it('refuses a body over the default 2 MiB limit with 413 PAYLOAD_TOO_LARGE', async () => {
      const event = anEvent({ properties: { productId: 'p-1', padding: 'x'.repeat(2 * 1024 * 1024) } });
      const reply = await client.postEvent<ErrorBody>(event);
      const body = expectError(reply, 413, 'PAYLOAD_TOO_LARGE');
      expect(body.message).toContain(String(2 * 1024 * 1024));
    });

    it('refuses without a key, before looking at the body', async () => {
      const res = await fetch(`${t.baseUrl}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(anEvent()),
      });
      expect(res.status).toBe(401);
    });
  });
});

describe('event ingest with BODY_LIMIT_BYTES=2000', () => {
  let t: TestApp;
  let client: ReturnType<typeof makeClient>;

  beforeAll(async () => {
    t = await startTestApp({ processes: { api: true, worker: false }, env: { BODY_LIMIT_BYTES: '2000' } });
    client = makeClient(t, await t.keyFor(Role.Ingest));
  });
  afterAll(() => t.close());

  /** A serialised event of exactly `bytes` bytes. */
  function bodyOfSize(bytes: number): { messageId: string; json: string } {
    const messageId = uniqueId('sized');
    const base = JSON.stringify({
      messageId,
      name: 'note.added',
      customerId: 'cust-size',
      properties: { padding: '' },
    });
    const json = JSON.stringify({
      messageId,
      name: 'note.added',
      customerId: 'cust-size',
      properties: { padding: 'x'.repeat(bytes - base.length) },
    });
    expect(Buffer.byteLength(json)).toBe(bytes);
    return { messageId, json };
  }

  it('accepts a body of exactly the limit', async () => {
    const { messageId, json } = bodyOfSize(2000);
    const reply = await client.send<IngestResultBody>('/v1/events', json);
    expect(reply.status).toBe(202);
    expect(reply.body.status).toBe('accepted');
    expect(await eventRows(t, messageId)).toHaveLength(1);
  });

  it('refuses a body one byte over the limit with 413 PAYLOAD_TOO_LARGE, storing nothing', async () => {
    const before = await storedCounts(t);
    const { messageId, json } = bodyOfSize(2001);
    const reply = await client.send<ErrorBody>('/v1/events', json);
    const body = expectError(reply, 413, 'PAYLOAD_TOO_LARGE');
    expect(body.message).toContain('2000 bytes');
    expect(await eventRows(t, messageId)).toHaveLength(0);
    expect(await storedCounts(t)).toEqual(before);
  });

  it('applies the limit to batches too', async () => {
    const events = Array.from({ length: 30 }, () => anEvent());
    const reply = await client.postBatch<ErrorBody>(events);
    expectError(reply, 413, 'PAYLOAD_TOO_LARGE');
    expect(
      await t.db.query('SELECT 1 FROM events WHERE message_id = ANY($1::text[])', [events.map((e) => e.messageId)]),
    ).toHaveLength(0);
  });
});
