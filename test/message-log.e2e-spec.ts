import { Role } from '@kizuna/auth';
import { EmailFixtures } from './support/email-fixtures';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from './support/test-app';

/**
 * The message log as the console's ops screens read it: filters, keyset pages, the CSV export,
 * the filter choices, sending health and the suppression list's pages. The api alone: no worker
 * touches the hand-made rows.
 */
describe('the message log for ops', () => {
  let t: TestApp;
  let f: EmailFixtures;
  let ops: string;
  let customer: string;
  let other: string;
  let journeyId: string;
  const base = Date.parse('2026-03-01T00:00:00Z');
  const at = (minutes: number) => new Date(base + minutes * 60_000);

  const message = async (
    key: string,
    fields: {
      status?: string;
      template?: string;
      minutes?: number;
      subject?: string;
      reason?: string;
      journey?: string;
      who?: string;
      notBefore?: Date;
    },
  ) =>
    (
      await t.db.query<{ id: string }>(
        `INSERT INTO outbox_messages (effect_key, customer_uuid, channel, category, template_key, status,
                                      status_reason, subject, journey_id, step_id, created_at, not_before, recipient)
         VALUES ($1, $2, 'email', 'marketing', $3, $4, $5, $6, $7, $8, $9, $10, 'buyer@example.test') RETURNING id`,
        [
          key,
          fields.who ?? customer,
          fields.template ?? 'welcome',
          fields.status ?? 'sent',
          fields.reason ?? null,
          fields.subject ?? null,
          fields.journey ?? null,
          fields.journey ? 'remind' : null,
          at(fields.minutes ?? 0),
          fields.notBefore ?? at(fields.minutes ?? 0),
        ],
      )
    )[0]!.id;

  beforeAll(async () => {
    t = await startTestApp({ processes: { api: true, worker: false } });
    ops = await t.keyFor(Role.Ops);
    f = new EmailFixtures(t, TEST_ADMIN_KEY, ops);
    [{ id: customer }, { id: other }] = (await t.db.query<{ id: string }>(
      `INSERT INTO customers (customer_id, email) VALUES ('c-log', 'buyer@example.test'), ('c-other', 'o@example.test')
       RETURNING id`,
    )) as [{ id: string }, { id: string }];
    [{ id: journeyId }] = (await t.db.query<{ id: string }>(
      `INSERT INTO journeys (name) VALUES ('Cart, "abandoned"') RETURNING id`,
    )) as [{ id: string }];
  });
  afterAll(async () => {
    await t.close();
  });

  it('filters by status, template, journey, customer and period, newest first, a page at a time', async () => {
    const a = await message('f:a', { status: 'failed', template: 'reminder', minutes: 1, journey: journeyId });
    const b = await message('f:b', { status: 'sent', template: 'reminder', minutes: 2, journey: journeyId });
    const c = await message('f:c', { status: 'failed', template: 'welcome', minutes: 3 });
    const d = await message('f:d', { status: 'failed', template: 'reminder', minutes: 4, who: other });
    const e = await message('f:e', { status: 'failed', template: 'reminder', minutes: 5 });
    const ids = async (query: string) =>
      (await f.api<{ messages: Array<{ id: string }> }>('GET', `/v1/messages?${query}`, ops)).body.messages.map(
        (m) => m.id,
      );
    expect(await ids('status=failed')).toEqual([e, d, c, a]);
    expect(await ids('status=failed&templateKey=reminder')).toEqual([e, d, a]);
    expect(await ids(`journeyId=${journeyId}`)).toEqual([b, a]);
    expect(await ids('status=failed&customerId=c-other')).toEqual([d]);
    expect(await ids('customerId=nobody')).toEqual([]);
    expect(await ids(`from=${at(2).toISOString()}&to=${at(4).toISOString()}`)).toEqual([c, b]);

    // Pages of two: e d | c a, each page's cursor naming where the next starts.
    const first = await f.api<{ messages: Array<{ id: string }>; nextCursor: string }>(
      'GET',
      '/v1/messages?status=failed&limit=2',
      ops,
    );
    expect(first.body.messages.map((m) => m.id)).toEqual([e, d]);
    const second = await f.api<{ messages: Array<{ id: string }>; nextCursor: string | null }>(
      'GET',
      `/v1/messages?status=failed&limit=2&before=${first.body.nextCursor}`,
      ops,
    );
    expect(second.body.messages.map((m) => m.id)).toEqual([c, a]);
    expect(second.body.nextCursor).toBeNull();

    const bad = await f.api<{ message: string }>('GET', '/v1/messages?status=lost', ops);
    expect(bad.status).toBe(400);
    expect(bad.body.message).toContain('status');
  });

  it('offers the journeys and templates to filter by, by name', async () => {
    await f.template({
      key: 'reminder',
      description: 'Cart reminder',
      defaultLocale: 'en',
      variants: { en: { subject: 'Your cart', html: '<p>Still there</p>' } },
    });
    const res = await f.api<{ journeys: unknown[]; templates: unknown[] }>('GET', '/v1/messages/filters', ops);
    expect(res.status).toBe(200);
    expect(res.body.journeys).toContainEqual({ id: journeyId, name: 'Cart, "abandoned"', status: 'draft' });
    expect(res.body.templates).toContainEqual({ key: 'reminder', kind: 'email', description: 'Cart reminder' });
  });

  it('exports the filtered log as CSV: RFC 4180 quoting, formulas defused, every page', async () => {
    const tricky = await message('x:tricky', {
      status: 'skipped',
      template: 'export',
      minutes: 60,
      subject: 'Hello, "friend"\r\nsecond line',
      reason: '=HYPERLINK("http://evil.test","click")',
      journey: journeyId,
    });
    const plain = await message('x:plain', { status: 'skipped', template: 'export', minutes: 59, subject: '-5% off' });
    const res = await fetch(`${t.baseUrl}/v1/messages/export.csv?templateKey=export`, {
      headers: { authorization: `Bearer ${ops}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/csv; charset=utf-8; header=present');
    expect(res.headers.get('content-disposition')).toMatch(/^attachment; filename="messages-\d{8}-\d{6}\.csv"$/);
    // Decoded keeping the byte-order mark (fetch's text() drops it).
    const body = new TextDecoder('utf-8', { ignoreBOM: true }).decode(await res.arrayBuffer());
    expect(body).toBe(
      '\uFEFFid,created_at,sent_at,status,status_reason,channel,category,customer_id,recipient,journey_id,' +
        'journey_name,step_id,template_key,subject,attempts\r\n' +
        `${tricky},2026-03-01T01:00:00.000Z,,skipped,"'=HYPERLINK(""http://evil.test"",""click"")",email,marketing,` +
        `c-log,buyer@example.test,${journeyId},"Cart, ""abandoned""",remind,export,` +
        '"Hello, ""friend""\r\nsecond line",0\r\n' +
        `${plain},2026-03-01T00:59:00.000Z,,skipped,,email,marketing,c-log,buyer@example.test,,,,export,'-5% off,0\r\n`,
    );
  });

  it('exports more than one page (1,000 rows a page) without losing or repeating a row', async () => {
    // 2,500 messages of one template, 2,000 of them in one instant: the keyset must not skip any.
    await t.db.query(
      `INSERT INTO outbox_messages (effect_key, customer_uuid, channel, category, template_key, status, created_at)
       SELECT 'bulk:' || g, $1, 'email', 'marketing', 'bulk', 'sent',
              CASE WHEN g <= 2000 THEN $2::timestamptz ELSE $2::timestamptz + g * interval '1 second' END
         FROM generate_series(1, 2500) g`,
      [customer, at(120)],
    );
    const res = await fetch(`${t.baseUrl}/v1/messages/export.csv?templateKey=bulk&status=sent`, {
      headers: { authorization: `Bearer ${ops}` },
    });
    const lines = (await res.text()).split('\r\n').filter(Boolean);
    // A header and 2,500 rows, each id once.
    expect(lines).toHaveLength(2501);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[0])).size).toBe(2500);
  });

  it('refuses bad export filters with a 400 in JSON, and other roles with a 403', async () => {
    const bad = await fetch(`${t.baseUrl}/v1/messages/export.csv?from=yesterday`, {
      headers: { authorization: `Bearer ${ops}` },
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { message: string }).message).toContain('from');
    const marketer = await t.keyFor(Role.Marketer);
    const refused = await fetch(`${t.baseUrl}/v1/messages/export.csv`, {
      headers: { authorization: `Bearer ${marketer}` },
    });
    expect(refused.status).toBe(403);
  });

  it('pages the suppression list newest first, and refuses a cursor it did not give', async () => {
    for (const [i, email] of ['s1@x.test', 's2@x.test', 's3@x.test'].entries()) {
      await t.db.query(
        `INSERT INTO suppressions (email, reason, source, created_at) VALUES ($1, 'manual', 'api:test', $2)`,
        [email, at(i)],
      );
    }
    // s3 and s2 share their instant with a second reason of s2: ordered by reason then email, descending.
    await t.db.query(
      `INSERT INTO suppressions (email, reason, source, created_at) VALUES ('s2@x.test', 'complaint', 'smtp', $1)`,
      [at(1)],
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { suppressions: Array<{ email: string; reason: string }>; nextCursor: string | null } } =
        await f.api('GET', `/v1/suppressions?limit=1${cursor ? `&before=${cursor}` : ''}`, ops);
      seen.push(...page.body.suppressions.map((s) => `${s.email}/${s.reason}`));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(seen).toEqual(['s3@x.test/manual', 's2@x.test/manual', 's2@x.test/complaint', 's1@x.test/manual']);
    const bad = await f.api<{ code: string }>('GET', '/v1/suppressions?before=bm90LWEtY3Vyc29y', ops);
    expect(bad).toMatchObject({ status: 400, body: { code: 'INVALID_MESSAGE_CURSOR' } });
  });

  it('reports sending health: the queue, deferrals by reason, attempts and failure rate by the hour', async () => {
    // Its own customer and period, far from the other tests' rows (which are all sent, failed or skipped).
    const now = Date.now();
    const ago = (minutes: number) => new Date(now - minutes * 60_000);
    const due = await message('h:due', { status: 'queued', template: 'health', notBefore: ago(30) });
    await message('h:future', { status: 'queued', template: 'health', notBefore: ago(-60) });
    await message('h:cap', {
      status: 'deferred',
      reason: 'frequency cap: 1 per 1 day reached (1)',
      notBefore: ago(-5),
    });
    await message('h:quiet', { status: 'deferred', reason: 'quiet hours 21:00-08:00 Asia/Tokyo; held until 08:00' });
    await message('h:smtp', { status: 'deferred', reason: '451 4.7.1 try again later', notBefore: ago(10) });
    await message('h:smtp2', { status: 'deferred', reason: 'connect ECONNREFUSED', notBefore: ago(-1) });
    await message('h:sending', { status: 'sending' });
    const attempt = async (n: number, outcome: string, finished: Date) =>
      t.db.query(
        `INSERT INTO message_attempts (message_id, attempt, started_at, finished_at, outcome) VALUES ($1, $2, $3, $3, $4)`,
        [due, n, finished, outcome],
      );
    // The period: the 3 whole UTC hours before the current one. Attempts in its first and last hour.
    const hour = 3_600_000;
    const to = new Date(Math.floor(now / hour) * hour);
    const from = new Date(to.getTime() - 3 * hour);
    const inHour = (h: number, minute: number) => new Date(from.getTime() + h * hour + minute * 60_000);
    await attempt(1, 'sent', inHour(0, 1));
    await attempt(2, 'sent', inHour(0, 2));
    await attempt(3, 'failed', inHour(0, 3));
    await attempt(4, 'deferred', inHour(0, 4));
    await attempt(5, 'failed', inHour(2, 59));
    await attempt(6, 'unknown', inHour(2, 30));
    await attempt(7, 'sent', to); // the end is exclusive: not counted
    await attempt(8, 'failed', new Date(from.getTime() - 1)); // before the start: not counted

    const res = await f.api<Record<string, unknown>>(
      'GET',
      `/v1/messages/stats?from=${from.toISOString()}&to=${to.toISOString()}`,
      ops,
    );
    expect(res.status).toBe(200);
    const body = res.body as {
      queue: {
        queued: number;
        deferred: number;
        sending: number;
        due: number;
        oldestDueAt: string;
        lagSeconds: number;
      };
      deferredByReason: unknown;
      attempts: unknown;
      unknownAttempts: unknown;
    };
    // Queued: h:due and h:future; deferred: cap, quiet, smtp, smtp2; due: h:due (30 min ago),
    // h:quiet (not_before = created_at, 2026) and h:smtp (10 min ago); the oldest due is h:quiet's.
    expect(body.queue).toMatchObject({ queued: 2, deferred: 4, sending: 1, due: 3, oldestDueAt: at(0).toISOString() });
    expect(body.queue.lagSeconds).toBeGreaterThan((now - at(0).getTime()) / 1000 - 1);
    expect(body.deferredByReason).toEqual({ frequency_cap: 1, quiet_hours: 1, temporary_failure: 2 });
    // Hour 0: 2 sent, 1 failed, 1 deferred -> failure rate 1 / (2 + 1). Hour 1: nothing -> null.
    // Hour 2: 1 failed, 1 unknown -> 1 / (0 + 1).
    expect(body.attempts).toEqual({
      bucket: 'hour',
      buckets: [
        {
          start: from.toISOString(),
          sent: 2,
          deferred: 1,
          failed: 1,
          unknown: 0,
          failureRate: { numerator: 1, denominator: 3, value: 1 / 3 },
        },
        {
          start: inHour(1, 0).toISOString(),
          sent: 0,
          deferred: 0,
          failed: 0,
          unknown: 0,
          failureRate: { numerator: 0, denominator: 0, value: null },
        },
        {
          start: inHour(2, 0).toISOString(),
          sent: 0,
          deferred: 0,
          failed: 1,
          unknown: 1,
          failureRate: { numerator: 1, denominator: 1, value: 1 },
        },
      ],
    });
    expect(body.unknownAttempts).toEqual({ email: { total: 1, inPeriod: 1 }, webhook: { total: 0, inPeriod: 0 } });

    // Eight days: by the day, nine day buckets (the first and last partial).
    const long = await f.api<{ attempts: { bucket: string; buckets: unknown[] } }>(
      'GET',
      `/v1/messages/stats?from=${new Date(now - 8 * 86_400_000 + 1).toISOString()}&to=${new Date(now).toISOString()}`,
      ops,
    );
    expect(long.body.attempts.bucket).toBe('day');
    expect(long.body.attempts.buckets).toHaveLength(9);
    const tooLong = await f.api<{ message: string }>(
      'GET',
      '/v1/messages/stats?from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z',
      ops,
    );
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.message).toContain('from');
  });
});
