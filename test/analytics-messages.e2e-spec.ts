import { Role } from '@kizuna/auth';
import { OutboxRepository } from '@kizuna/messaging';
import { DataSource } from 'typeorm';
import { VirtualClock } from '../libs/common/src/clock';
import { stableFraction } from '../libs/journeys/src/core/condition.util';
import { EmailFixtures } from './support/email-fixtures';
import { rawHeader, SmtpSink } from './support/smtp-sink';
import { startTestApp, type TestApp } from './support/test-app';
import { publishJourney } from './support/worker-process';
import { BROWSER_USER_AGENT as BROWSER, ratio as r } from './support/analytics-values';

const PUBLIC_URL = 'https://kizuna.example.test';
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const DAY = 24 * H;

/** Apple Mail Privacy Protection fetches images as the bare "Mozilla/5.0". */
const APPLE_PROXY = 'Mozilla/5.0';

/**
 * Message analytics end to end (docs/analytics.md, "Message engagement", "Machine activity",
 * "Attribution"): messages delivered to a real SMTP server, hits on the tracking URLs from the
 * received mail with chosen user agents at chosen times (a virtual clock), orders and refunds
 * posted as events, and every figure of GET /v1/analytics/messages and /journeys compared with
 * values worked out by hand below. The shop is in Tokyo: 2031-06-01T14:30Z is 23:30 on 1 June
 * there, and 40 minutes later is already 2 June (both are 1 June in UTC).
 */
describe('message analytics (e2e)', () => {
  let sink: SmtpSink;
  let t: TestApp;
  let f: EmailFixtures;
  let marketerKey: string;
  let ingestKey: string;
  let journeyId: string;
  const T0 = new Date('2031-06-01T14:30:00Z');
  const clock = new VirtualClock(T0);

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({
      clock,
      env: {
        SMTP_URL: sink.url,
        PUBLIC_URL,
        MAIL_FROM: 'shop@kizuna-tea.example',
        UNSUBSCRIBE_MAILTO: 'unsubscribe@kizuna-tea.example',
        SHOP_TIMEZONE: 'Asia/Tokyo',
        SHOP_CURRENCY: 'USD',
      },
    });
    marketerKey = await t.keyFor(Role.Marketer);
    ingestKey = await t.keyFor(Role.Ingest);
    f = new EmailFixtures(t, marketerKey, ingestKey);
    await f.template({
      key: 'promo',
      defaultLocale: 'en',
      variants: {
        en: {
          subject: 'New tea',
          html: '<p><a href="https://shop.example.test/a">Sencha</a> <a href="https://shop.example.test/b">Matcha</a></p>',
        },
      },
    });
    journeyId = await publishJourney(t.db, {
      name: 'welcome',
      entry: { event: 'signed.up' },
      holdout: 0.5,
      steps: [
        {
          id: 'ab',
          type: 'split',
          paths: [
            { weight: 1, next: 'p0' },
            { weight: 1, next: 'p1' },
          ],
        },
        { id: 'p0', type: 'send', template: 'promo', category: 'marketing', next: 'rest' },
        { id: 'p1', type: 'send', template: 'promo', category: 'marketing', next: 'rest' },
        { id: 'rest', type: 'wait', duration: 'P30D' },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const api = async <T>(path: string, key = marketerKey) => f.api<T>('GET', path, key);

  /** An email of journey `welcome`, step `remind`, created now on the clock, through the real outbox. */
  async function enqueue(customerUuid: string, name: string): Promise<string> {
    const effectKey = `analytics:${name}`;
    await t.app.get(DataSource).transaction((tx) =>
      t.app.get(OutboxRepository, { strict: false }).enqueue(tx, [
        {
          effectKey,
          customerUuid,
          channel: 'email',
          templateKey: 'promo',
          category: 'marketing',
          payload: {},
          origin: { journeyId, journeyVersion: 1, instanceId: crypto.randomUUID(), stepId: 'remind' },
          createdAt: clock.now(),
        },
      ]),
    );
    const [row] = await t.db.query<{ id: string }>('SELECT id FROM outbox_messages WHERE effect_key = $1', [effectKey]);
    return row!.id;
  }

  /** The tracking URLs in the mail a customer received: the pixel and the two shop links. */
  function links(email: string): { pixel: string; a: string; b: string; unsubscribe: string } {
    const [{ mail }] = sink.to(email) as [(typeof sink.received)[number]];
    const html = String(mail.html);
    const hrefs = [...html.matchAll(/href="([^"]+)"/g)].map((m) => f.local(m[1]!.replace(/&amp;/g, '&')));
    const clicks = hrefs.filter((h) => h.includes('/t/c/'));
    const unsubscribe = /<(https:\/\/[^>]+\/u\/[\w.-]+)>/.exec(rawHeader(mail, 'List-Unsubscribe') ?? '');
    return {
      pixel: f.local(html.match(/<img src="([^"]+\/t\/o\/[^"]+)"/)![1]!),
      a: clicks[0]!,
      b: clicks[1]!,
      unsubscribe: f.local(unsubscribe![1]!),
    };
  }

  const hit = (url: string, userAgent: string | null, method = 'GET') =>
    fetch(url, { method, redirect: 'manual', headers: userAgent === null ? {} : { 'user-agent': userAgent } });

  const order = (customerId: string, orderId: string, total: number, at: Date, extra: Record<string, unknown> = {}) =>
    f.event({
      name: 'order.placed',
      customerId,
      messageId: `order-${orderId}-${at.getTime()}-${total}`,
      timestamp: at.toISOString(),
      properties: { orderId, total, currency: 'USD', ...extra },
    });

  it('counts every message, hit and order as worked out by hand', async () => {
    // --- Messages -----------------------------------------------------------------------------
    // A at T0 (Tokyo 1 June 23:30): day 2031-06-01.
    const alice = await f.customer('alice', 'alice@example.test');
    const mA = await enqueue(alice, 'a');
    await f.settled(mA, ['sent']);

    // 40 minutes later (Tokyo 2 June 00:10): B, C and the journey's entrants. Day 2031-06-02.
    clock.advance(40 * MIN);
    const ts = clock.now();
    const bob = await f.customer('bob', 'bob@example.test');
    const carol = await f.customer('carol', 'carol@example.test');
    const mB = await enqueue(bob, 'b');
    const mC = await enqueue(carol, 'c');
    // One entrant held out and one treated, chosen by the journey's own stable assignment.
    let held: { id: string; uuid: string } | undefined;
    let treated: { id: string; uuid: string } | undefined;
    for (let i = 0; !held || !treated; i++) {
      const id = `entrant-${i}`;
      const uuid = await f.customer(id, `${id}@example.test`);
      if (stableFraction(uuid, journeyId, 'holdout') < 0.5) {
        held ??= { id, uuid };
      } else {
        treated ??= { id, uuid };
      }
    }
    for (const c of [held, treated]) {
      await f.event({ name: 'signed.up', customerId: c.id, messageId: `signup-${c.id}`, timestamp: ts.toISOString() });
    }
    const [mT] = await t.db.query<{ id: string; split_path: string | null; step_id: string }>(
      `SELECT id, split_path, step_id FROM outbox_messages WHERE customer_uuid = $1`,
      [treated.uuid],
    );
    // The split's path is the stable bucket of (customer, journey, split): under 0.5 the first,
    // named A by default (B the second); the message records `<split>:<name>`.
    const index = stableFraction(treated.uuid, journeyId, 'ab') < 0.5 ? 0 : 1;
    const path = index === 0 ? 'A' : 'B';
    expect(mT).toEqual({ id: mT!.id, split_path: `ab:${path}`, step_id: `p${index}` });
    // Held out: no message at all, so nothing to credit.
    expect(await t.db.query(`SELECT 1 FROM outbox_messages WHERE customer_uuid = $1`, [held.uuid])).toEqual([]);
    for (const id of [mB, mC, mT!.id]) {
      await f.settled(id, ['sent']);
    }
    const sentAt = await t.db.query<{ id: string; sent_at: Date }>(
      `SELECT id, sent_at FROM outbox_messages WHERE id = ANY ($1::uuid[])`,
      [[mA, mB, mC]],
    );
    // Sent on the clock: A at T0, B and C at ts.
    expect(new Map(sentAt.map((m) => [m.id, m.sent_at.getTime()]))).toEqual(
      new Map([
        [mA, T0.getTime()],
        [mB, ts.getTime()],
        [mC, ts.getTime()],
      ]),
    );

    // --- Hits -----------------------------------------------------------------------------------
    const la = links('alice@example.test');
    const lb = links('bob@example.test');
    const lc = links('carol@example.test');
    // A: Apple's proxy fetches the pixel (machine open, proxy-user-agent). A HEAD on a link is no click.
    expect((await hit(la.pixel, APPLE_PROXY)).status).toBe(200);
    expect((await hit(la.a, BROWSER, 'HEAD')).status).toBe(302);
    // 2 s after sending: B's and C's pixels in a browser, too soon for a person (< 5 s).
    clock.advance(2 * S);
    await hit(lb.pixel, BROWSER);
    await hit(lc.pixel, BROWSER);
    // 30 s after sending: C's gateway follows both links 500 ms apart (a burst: scanner clicks).
    clock.advance(28 * S);
    await hit(lc.a, BROWSER);
    clock.advance(500);
    await hit(lc.b, BROWSER);
    // 60 s after sending: Bob clicks (a person), then unsubscribes with one click.
    clock.advance(29_500);
    const tc = clock.now();
    expect((await hit(lb.a, BROWSER)).headers.get('location')).toBe('https://shop.example.test/a');
    const unsubscribed = await fetch(lb.unsubscribe, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': BROWSER },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribed.status).toBe(200);

    const summaries = await t.db.query<{ id: string; opened: string; clicked: string; unsubscribed: boolean }>(
      `SELECT id, opened, clicked, unsubscribed FROM outbox_messages WHERE id = ANY ($1::uuid[]) ORDER BY id`,
      [[mA, mB, mC]],
    );
    const summary = new Map(summaries.map(({ id, ...s }) => [id, s]));
    expect(summary.get(mA)).toEqual({ opened: 'machine', clicked: 'none', unsubscribed: false });
    // B's too-soon open is a machine's, but a person clicked: read, and clicked.
    expect(summary.get(mB)).toEqual({ opened: 'human', clicked: 'human', unsubscribed: true });
    expect(summary.get(mC)).toEqual({ opened: 'machine', clicked: 'machine', unsubscribed: false });
    // Every hit is kept with its user agent; the HEAD is not.
    const hits = await t.db.query<{ message_id: string; kind: string; user_agent: string | null }>(
      `SELECT message_id, kind, user_agent FROM message_engagements ORDER BY message_id, seq`,
    );
    expect(hits.filter((h) => h.message_id === mA)).toEqual([
      { message_id: mA, kind: 'open', user_agent: APPLE_PROXY },
    ]);
    expect(hits.filter((h) => h.message_id === mC).map((h) => h.kind)).toEqual(['open', 'click', 'click']);

    // --- Orders -------------------------------------------------------------------------------
    clock.set(new Date(tc.getTime() + 6 * DAY));
    // a1: a day after A was sent; no click → credited to A as received. 100.
    await order('alice', 'a1', 100, new Date(T0.getTime() + DAY));
    // b1: exactly 5 days after Bob's click (both ends included) → credited to B as clicked. 80.
    await order('bob', 'b1', 80, new Date(tc.getTime() + 5 * DAY));
    // The same order id again, another total: changes nothing.
    await order('bob', 'b1', 999, new Date(tc.getTime() + 5 * DAY));
    // b2: 5 days + 1 ms after the click (and later still after B was sent) → not credited.
    await order('bob', 'b2', 70, new Date(tc.getTime() + 5 * DAY + 1));
    // Refund 30 of b1: B's credited revenue 80 − 30 = 50.
    await f.event({
      name: 'order.refunded',
      customerId: 'bob',
      messageId: 'refund-b1',
      timestamp: new Date(tc.getTime() + 5 * DAY + H).toISOString(),
      properties: { orderId: 'b1', total: 30, currency: 'USD' },
    });
    // c1: an hour after C was sent; its clicks were a scanner's → credited as received. 40.
    await order('carol', 'c1', 40, new Date(ts.getTime() + H));
    // The held-out entrant buys too: never credited (no message of theirs exists).
    await order(held.id, 'h1', 60, new Date(ts.getTime() + H));

    const credits = await t.db.query<{
      order_id: string;
      message_id: string | null;
      touch: string | null;
      touched_at: Date | null;
    }>(`SELECT order_id, message_id, touch, touched_at FROM order_attributions ORDER BY order_id`);
    expect(credits).toEqual([
      { order_id: 'a1', message_id: mA, touch: 'received', touched_at: T0 },
      { order_id: 'b1', message_id: mB, touch: 'clicked', touched_at: tc },
      { order_id: 'b2', message_id: null, touch: null, touched_at: null },
      { order_id: 'c1', message_id: mC, touch: 'received', touched_at: ts },
      { order_id: 'h1', message_id: null, touch: null, touched_at: null },
    ]);

    // --- The report -----------------------------------------------------------------------------
    type Row = Record<string, unknown>;
    const byDay = await api<{ timeZone: string; rows: Row[] }>(
      '/v1/analytics/messages?from=2031-06-01&to=2031-06-02&interval=day',
    );
    expect(byDay.status).toBe(200);
    expect(byDay.body.timeZone).toBe('Asia/Tokyo');
    // 1 June (Tokyo): A only. Sent 1; its only open a proxy's; a1 credited: 1 order, 100.
    expect(byDay.body.rows[0]).toMatchObject({
      day: '2031-06-01',
      created: 1,
      sent: 1,
      uniqueOpens: 0,
      machineOpens: 1,
      uniqueClicks: 0,
      scannerClicks: 0,
      conversions: 1,
      convertedMessages: 1,
      attributedRevenue: 100,
      openRate: r(0, 1),
    });
    // 2 June (Tokyo): B, C and the journey's message T. Sent 3.
    // Unique opens 1 (B: its click), machine opens 1 (C: too soon, nobody clicked).
    // Unique clicks 1 (B), scanner clicks 1 (C). Unsubscribes 1 (B).
    // Conversions 2 (b1 → B, c1 → C), revenue 50 + 40 = 90; per recipient 90 / 3.
    expect(byDay.body.rows[1]).toMatchObject({
      day: '2031-06-02',
      created: 3,
      sent: 3,
      failed: 0,
      suppressed: 0,
      skipped: 0,
      deferred: 0,
      uniqueOpens: 1,
      machineOpens: 1,
      uniqueClicks: 1,
      scannerClicks: 1,
      unsubscribes: 1,
      complaints: 0,
      openRate: r(1, 3),
      clickRate: r(1, 3),
      clickToOpen: r(1, 1),
      unsubscribeRate: r(1, 3),
      complaintRate: r(0, 3),
      conversions: 2,
      convertedMessages: 2,
      conversionRate: r(2, 3),
      attributedRevenue: 90,
      revenuePerRecipient: r(90, 3),
      otherCurrencies: [],
    });
    expect(byDay.body.rows).toHaveLength(2);

    // Shop-wide over both days: sent 1 + 3 = 4; opens 1 / 4; machine opens 1 + 1 = 2; clicks 1 / 4;
    // 3 converted messages of 4 (a1, b1, c1); revenue 100 (a1) + 50 (b1 net) + 40 (c1) = 190.
    const shop = await api<{ rows: Row[] }>('/v1/analytics/messages?from=2031-06-01&to=2031-06-02');
    expect(shop.body.rows).toEqual([
      expect.objectContaining({
        created: 4,
        sent: 4,
        uniqueOpens: 1,
        machineOpens: 2,
        uniqueClicks: 1,
        scannerClicks: 1,
        unsubscribes: 1,
        openRate: r(1, 4),
        clickRate: r(1, 4),
        conversions: 3,
        convertedMessages: 3,
        conversionRate: r(3, 4),
        attributedRevenue: 190,
        revenuePerRecipient: r(190, 4),
      }),
    ]);
    // A range of 2 June alone leaves A out (it is 1 June in Tokyo, though 2 June 00:10 is
    // still 1 June in UTC).
    const june2 = await api<{ rows: Row[] }>('/v1/analytics/messages?from=2031-06-02&to=2031-06-02');
    expect(june2.body.rows[0]).toMatchObject({ created: 3, sent: 3, attributedRevenue: 90 });

    // Per split path: T alone on its path; A, B and C before any split (step remind).
    const paths = await api<{ rows: Row[] }>(
      `/v1/analytics/messages?from=2031-06-01&to=2031-06-02&groupBy=path&journeyId=${journeyId}`,
    );
    expect(paths.body.rows.map((row) => [row.stepId, row.splitPath, row.sent, row.journeyName])).toEqual([
      [`p${index}`, `ab:${path}`, 1, 'welcome'],
      ['remind', null, 3, 'welcome'],
    ]);

    // The journeys list: 2 entries on 2 June (one held out), both waiting in `rest`; sent 4,
    // conversions 3 (converted messages 3 of 4), revenue 190, 190 / 4 per recipient.
    const journeys = await api<{ journeys: Row[] }>('/v1/analytics/journeys?from=2031-06-01&to=2031-06-02');
    expect(journeys.body.journeys).toEqual([
      {
        journeyId,
        name: 'welcome',
        status: 'active',
        entered: 2,
        activeNow: 2,
        sent: 4,
        conversions: 3,
        conversionRate: r(3, 4),
        attributedRevenue: 190,
        revenuePerRecipient: r(190, 4),
      },
    ]);
    // Entries are dated by the shop's day too: 1 June alone has none.
    const june1 = await api<{ journeys: Row[] }>('/v1/analytics/journeys?from=2031-06-01&to=2031-06-01');
    expect(june1.body.journeys[0]).toMatchObject({ entered: 0, activeNow: 2, sent: 1, attributedRevenue: 100 });
  }, 120_000);

  it('answers bad parameters with a 400 naming them, an unknown journey with 404', async () => {
    const bad = async (query: string, param: string) => {
      const res = await api<{ message: string }>(`/v1/analytics/messages?${query}`);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).toContain(param);
    };
    await bad('from=2031-13-01', 'from');
    await bad('from=2031-06-02&to=2031-06-01', 'to');
    await bad('groupBy=country', 'groupBy');
    await bad('interval=week', 'interval');
    await bad('journeyId=nope', 'journeyId');
    await bad('color=red', 'color');
    const unknown = await api(`/v1/analytics/messages?journeyId=${crypto.randomUUID()}`);
    expect(unknown.status).toBe(404);
    expect((await api('/v1/analytics/journeys?to=2031-02-30')).status).toBe(400);
    // The ingest role may not read reports.
    expect((await api('/v1/analytics/journeys', ingestKey)).status).toBe(403);
  });
});
