import { Role } from '@kizuna/auth';
import type { ErrorBody } from './support/http-bodies';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * Every paginated list pages exactly: following nextCursor lists each row once, even when
 * thousands of rows share one millisecond. PostgreSQL keeps microseconds, a JavaScript Date
 * milliseconds; cursors cut to milliseconds skipped rows (issue #10: 3,959 of 4,000 listed).
 *
 * The rows are written straight into the tables, with created_at / occurred_at / entered_at set
 * to the microsecond: no API can produce them that densely on demand.
 */
describe('keyset paging (e2e)', () => {
  let t: TestApp;
  let ops: string;
  let marketer: string;
  let customerUuid: string;

  /** 2030-01-01T00:00:00.123Z: every row lands in this one millisecond. */
  const MILLISECOND = '2030-01-01T00:00:00.123Z';
  /** Rows per list: three per microsecond, on each of the millisecond's 1,000 microseconds. */
  const ROWS = 3000;

  beforeAll(async () => {
    t = await startTestApp({ processes: { api: true, worker: false } });
    ops = await t.keyFor(Role.Ops);
    marketer = await t.keyFor(Role.Marketer);
    const [customer] = await t.db.query<{ id: string }>(
      `INSERT INTO customers (customer_id, email, email_normalized) VALUES ('c-many', 'many@example.test', 'many@example.test')
       RETURNING id`,
    );
    customerUuid = customer!.id;
  });
  afterAll(() => t.close());

  async function get<T>(path: string, key: string): Promise<{ status: number; body: T }> {
    const res = await fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, body: (await res.json()) as T };
  }

  /** Follows nextCursor to the end; returns every listed id in order and the page sizes. */
  async function pageThrough(
    path: string,
    key: string,
    list: (body: Record<string, unknown>) => string[],
  ): Promise<{ ids: string[]; sizes: number[] }> {
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 1000; pages++) {
      const separator = path.includes('?') ? '&' : '?';
      const reply: { status: number; body: Record<string, unknown> } = await get<Record<string, unknown>>(
        cursor === null ? path : `${path}${separator}before=${encodeURIComponent(cursor)}`,
        key,
      );
      expect(reply.status).toBe(200);
      const page = list(reply.body);
      ids.push(...page);
      sizes.push(page.length);
      cursor = reply.body.nextCursor as string | null;
      if (cursor === null) {
        return { ids, sizes };
      }
    }
    throw new Error('paging did not end');
  }

  /** The expected page sizes: full pages, then the remainder. */
  const sizesFor = (total: number, limit: number) => [
    ...Array<number>(Math.floor(total / limit)).fill(limit),
    ...(total % limit === 0 ? [] : [total % limit]),
  ];

  it('the message log: status=sent, limit=200 over 3,000 messages in one millisecond lists each once', async () => {
    // Row i at microsecond i % 1000 of the millisecond; 500 queued ones in between must not show.
    const sent = await t.db.query<{ id: string }>(
      `INSERT INTO outbox_messages (effect_key, customer_uuid, channel, category, template_key, status, created_at)
       SELECT 'sent-' || i, $1, 'email', 'marketing', 'welcome', 'sent',
              $2::timestamptz + make_interval(secs => (i % 1000) / 1000000.0)
         FROM generate_series(0, $3 - 1) AS i
       RETURNING id`,
      [customerUuid, MILLISECOND, ROWS],
    );
    await t.db.query(
      `INSERT INTO outbox_messages (effect_key, customer_uuid, channel, category, template_key, status, created_at)
       SELECT 'queued-' || i, $1, 'email', 'marketing', 'welcome', 'queued',
              $2::timestamptz + make_interval(secs => (i * 2 % 1000) / 1000000.0)
         FROM generate_series(0, 499) AS i`,
      [customerUuid, MILLISECOND],
    );
    const [span] = await t.db.query<{ distinct_instants: number; millis: number }>(
      `SELECT count(DISTINCT created_at)::int AS distinct_instants,
              count(DISTINCT date_trunc('milliseconds', created_at))::int AS millis
         FROM outbox_messages WHERE status = 'sent'`,
    );
    expect(span).toEqual({ distinct_instants: 1000, millis: 1 });

    for (const limit of [200, 7]) {
      const { ids, sizes } = await pageThrough(`/v1/messages?status=sent&limit=${limit}`, ops, (body) =>
        (body.messages as Array<{ id: string }>).map((m) => m.id),
      );
      expect(sizes).toEqual(sizesFor(ROWS, limit));
      expect(new Set(ids).size).toBe(ROWS);
      expect([...ids].sort()).toEqual(sent.map((r) => r.id).sort());
    }
  }, 120_000);

  it("a customer's events: 3,000 in one millisecond, each listed once, newest first", async () => {
    const inserted = await t.db.query<{ id: string }>(
      `INSERT INTO events (source, message_id, name, customer_key, customer_id, occurred_at, customer_uuid, processed_at)
       SELECT 'api', 'm-' || i, 'page.viewed', 'id:c-many', 'c-many',
              $2::timestamptz + make_interval(secs => (i % 1000) / 1000000.0), $1, now()
         FROM generate_series(0, $3 - 1) AS i
       RETURNING id`,
      [customerUuid, MILLISECOND, ROWS],
    );
    // The same order the list promises, from the table: newest first, then latest stored first.
    const expected = await t.db.query<{ id: string }>(
      `SELECT id FROM events WHERE customer_uuid = $1 ORDER BY occurred_at DESC, seq DESC`,
      [customerUuid],
    );
    const { ids, sizes } = await pageThrough(`/v1/customers/c-many/events?limit=200`, marketer, (body) =>
      (body.events as Array<{ id: string }>).map((e) => e.id),
    );
    expect(sizes).toEqual(sizesFor(ROWS, 200));
    expect(ids).toEqual(expected.map((r) => r.id));
    expect(new Set(ids)).toEqual(new Set(inserted.map((r) => r.id)));
  }, 120_000);

  it("a segment's members: 3,000 entries in one millisecond, each listed once", async () => {
    const [segment] = await t.db.query<{ id: string }>(
      `INSERT INTO segments (key, name, rule, ready) VALUES ('many', 'Many', '{"all": []}'::jsonb, true) RETURNING id`,
    );
    const segmentId = segment!.id;
    const entries = await t.db.query<{ customer_uuid: string }>(
      `WITH c AS (
         INSERT INTO customers (customer_id)
         SELECT 'member-' || lpad(i::text, 4, '0') FROM generate_series(0, $3 - 1) AS i
         RETURNING id, customer_id)
       INSERT INTO segment_memberships (customer_uuid, segment_id, entered_at)
       SELECT c.id, $1, $2::timestamptz + make_interval(secs => (substr(c.customer_id, 8)::int % 1000) / 1000000.0)
         FROM c
       RETURNING customer_uuid`,
      [segmentId, MILLISECOND, ROWS],
    );
    expect(entries).toHaveLength(ROWS);
    const members = await t.db.query<{ customer_id: string }>(
      `SELECT customer_id FROM customers WHERE customer_id LIKE 'member-%'`,
    );
    const { ids, sizes } = await pageThrough(`/v1/segments/${segmentId}/members?limit=200`, marketer, (body) =>
      (body.members as Array<{ customerId: string }>).map((m) => m.customerId),
    );
    expect(sizes).toEqual(sizesFor(ROWS, 200));
    expect(new Set(ids).size).toBe(ROWS);
    expect([...ids].sort()).toEqual(members.map((m) => m.customer_id).sort());

    const offset = await get<ErrorBody>(`/v1/segments/${segmentId}/members?offset=200`, marketer);
    expect(offset.status).toBe(400);
    expect(offset.body.details?.issues?.map((i) => i.path)).toEqual(['offset']);
    const garbage = await get<ErrorBody>(`/v1/segments/${segmentId}/members?before=garbage`, marketer);
    expect(garbage.status).toBe(400);
    expect(garbage.body.code).toBe('INVALID_SEGMENT_CURSOR');
  }, 120_000);

  it('refuses a cursor for a date the calendar has not with 400, not a database error', async () => {
    const cursor = Buffer.from(`2030-02-31T00:00:00.123456Z|1`).toString('base64url');
    const reply = await get<ErrorBody>(`/v1/customers/c-many/events?before=${cursor}`, marketer);
    expect(reply.status).toBe(400);
    expect(reply.body.code).toBe('INVALID_CURSOR');
  });
});
