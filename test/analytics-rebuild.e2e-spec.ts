import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import { Role } from '@kizuna/auth';
import { OutboxRepository } from '@kizuna/messaging';
import { DataSource } from 'typeorm';
import { CliAnalyticsModule, rebuildAnalytics, type RebuildSummary } from '../apps/cli/src/analytics-rebuild';
import { VirtualClock } from '../libs/common/src/clock';
import { stableFraction } from '../libs/journeys/src/core/condition.util';
import { EmailFixtures } from './support/email-fixtures';
import { SmtpSink } from './support/smtp-sink';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from './support/test-app';
import { publishJourney } from './support/worker-process';
import { BROWSER_USER_AGENT as BROWSER, ratio as r } from './support/analytics-values';

const PUBLIC_URL = 'https://kizuna.example.test';
const S = 1000;
const MIN = 60 * S;
const H = 60 * MIN;
const DAY = 24 * H;

/**
 * `kizuna analytics rebuild` end to end (docs/analytics.md, "Reading, rebuilding, scaling"). A
 * shop runs in UTC with the default analytics settings: three emails are sent and clicked through
 * the real tracking links, two journey entrants (one held out) enter through the engine, four
 * orders are applied by the worker. Then the engine is restarted on the same database with
 * SHOP_TIMEZONE=Asia/Tokyo, the settings are changed over HTTP (touch `clicked`, a 7-day window,
 * clicks sooner than 60 s a scanner's), and the operator command's own code (its Nest host and
 * phases) rebuilds. Every report figure before and after is worked out by hand below; a second
 * rebuild changes nothing.
 *
 * Instants: Ta = 2031-06-01T10:00Z is 1 June in UTC and 19:00 on 1 June in Tokyo (UTC+9);
 * Tb = 2031-06-01T16:00Z is 1 June in UTC but 01:00 on 2 June in Tokyo.
 */
describe('analytics rebuild (e2e)', () => {
  const Ta = new Date('2031-06-01T10:00:00Z');
  const Tb = new Date('2031-06-01T16:00:00Z');
  const clock = new VirtualClock(Ta);
  let sink: SmtpSink;
  let t: TestApp;
  let f: EmailFixtures;
  let marketerKey: string;
  let ingestKey: string;
  let journeyId: string;
  const env = () => ({
    SMTP_URL: sink.url,
    PUBLIC_URL,
    MAIL_FROM: 'shop@kizuna-tea.example',
    UNSUBSCRIBE_MAILTO: 'unsubscribe@kizuna-tea.example',
    SHOP_CURRENCY: 'USD',
  });

  beforeAll(async () => {
    sink = await SmtpSink.start();
    t = await startTestApp({ clock, env: { ...env(), SHOP_TIMEZONE: 'UTC' } });
    marketerKey = await t.keyFor(Role.Marketer);
    ingestKey = await t.keyFor(Role.Ingest);
    f = new EmailFixtures(t, marketerKey, ingestKey);
    await f.template({
      key: 'promo',
      defaultLocale: 'en',
      variants: { en: { subject: 'New tea', html: '<p><a href="https://shop.example.test/a">Sencha</a></p>' } },
    });
    journeyId = await publishJourney(t.db, {
      name: 'welcome',
      entry: { event: 'signed.up' },
      holdout: 0.5,
      goal: { event: 'order.placed', within: 'P2D' },
      steps: [
        { id: 'hello', type: 'send', template: 'promo', category: 'marketing', next: 'rest' },
        { id: 'rest', type: 'wait', duration: 'P30D' },
      ],
    });
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    await sink?.close();
  });

  const get = async <T>(path: string): Promise<T> => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      headers: { authorization: `Bearer ${marketerKey}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };

  /** An email created now on the clock, through the real outbox, outside any journey. */
  async function enqueue(customerUuid: string, name: string): Promise<string> {
    const effectKey = `rebuild:${name}`;
    await t.app.get(DataSource).transaction((tx) =>
      t.app.get(OutboxRepository, { strict: false }).enqueue(tx, [
        {
          effectKey,
          customerUuid,
          channel: 'email',
          templateKey: 'promo',
          category: 'marketing',
          payload: {},
          createdAt: clock.now(),
        },
      ]),
    );
    const [row] = await t.db.query<{ id: string }>('SELECT id FROM outbox_messages WHERE effect_key = $1', [effectKey]);
    return row!.id;
  }

  /** The click-tracking URL of the one link in the mail a customer received. */
  function link(email: string): string {
    const [{ mail }] = sink.to(email) as [(typeof sink.received)[number]];
    const hrefs = [...String(mail.html).matchAll(/href="([^"]+)"/g)].map((m) => f.local(m[1]!.replace(/&amp;/g, '&')));
    return hrefs.find((h) => h.includes('/t/c/'))!;
  }

  const click = async (url: string) => {
    const res = await fetch(url, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
    expect(res.headers.get('location')).toBe('https://shop.example.test/a');
  };

  const order = async (customerId: string, orderId: string, total: number, at: Date) => {
    clock.set(at);
    await f.event({
      name: 'order.placed',
      customerId,
      messageId: `order-${orderId}`,
      timestamp: at.toISOString(),
      properties: { orderId, total, currency: 'USD' },
    });
  };

  type Row = Record<string, unknown>;
  const messagesByDay = () =>
    get<{ timeZone: string; rows: Row[] }>('/v1/analytics/messages?from=2031-06-01&to=2031-06-02&interval=day');
  const lift = (day: string) =>
    get<Record<string, unknown>>(`/v1/analytics/journeys/${journeyId}/lift?from=${day}&to=${day}`);
  const journeysOn = async (day: string) =>
    (await get<{ journeys: Row[] }>(`/v1/analytics/journeys?from=${day}&to=${day}`)).journeys[0];

  /** Everything the rebuild writes, as stored (decision times aside), to compare two runs. */
  const stored = async () => ({
    messageDaily: await t.db.query(`SELECT * FROM message_daily ORDER BY journey_id, step_id, day, slot`),
    entryDaily: await t.db.query(`SELECT * FROM entry_daily ORDER BY journey_id, held_out, day, slot`),
    messages: await t.db.query(
      `SELECT id, created_day::text, opened, clicked, credited_orders, credited_revenue, credited_other
         FROM outbox_messages ORDER BY id`,
    ),
    attributions: await t.db.query(
      `SELECT customer_uuid, order_id, message_id, touch, touched_at, credited_orders, revenue
         FROM order_attributions ORDER BY customer_uuid, order_id`,
    ),
    entries: await t.db.query(`SELECT instance_id, entered_day::text FROM journey_entries ORDER BY instance_id`),
  });

  /** The operator command's phases, in its own Nest host, with the restarted engine's configuration. */
  async function rebuild(): Promise<{ summary: RebuildSummary; lines: string[] }> {
    const host: INestApplicationContext = await NestFactory.createApplicationContext(
      CliAnalyticsModule.forRoot(t.config, t.db.url),
      { logger: false },
    );
    const lines: string[] = [];
    try {
      return { summary: await rebuildAnalytics(host, (line) => lines.push(line)), lines };
    } finally {
      await host.close();
    }
  }

  it('re-keys days, reclassifies clicks and re-decides credits as worked out by hand; a second run changes nothing', async () => {
    // --- The shop in UTC, default settings (clicks under 10 s a scanner's, last click else
    // last message received, 5 days) ---------------------------------------------------------------
    // mA to Alice, created and sent at Ta; she clicks 30 s later (≥ 10 s: a person).
    const alice = await f.customer('alice', 'alice@example.test');
    clock.set(Ta);
    const mA = await enqueue(alice, 'a');
    await f.settled(mA, ['sent']);
    clock.advance(30 * S);
    await click(link('alice@example.test'));

    // At Tb: mB to Bob, and two entrants of `welcome` (one held out, one treated, by the
    // journey's own stable assignment); the treated one is sent mT by the engine.
    const bob = await f.customer('bob', 'bob@example.test');
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
    clock.set(Tb);
    const mB = await enqueue(bob, 'b');
    for (const c of [held, treated]) {
      await f.event({ name: 'signed.up', customerId: c.id, messageId: `signup-${c.id}`, timestamp: Tb.toISOString() });
    }
    const [mT] = await t.db.query<{ id: string }>(`SELECT id FROM outbox_messages WHERE customer_uuid = $1`, [
      treated.uuid,
    ]);
    expect(await t.db.query(`SELECT 1 FROM outbox_messages WHERE customer_uuid = $1`, [held.uuid])).toEqual([]);
    await f.settled(mB, ['sent']);
    await f.settled(mT!.id, ['sent']);
    // Bob clicks 2 minutes after Tb, the treated entrant 5 minutes after: people under both thresholds.
    clock.set(new Date(Tb.getTime() + 2 * MIN));
    await click(link('bob@example.test'));
    clock.set(new Date(Tb.getTime() + 5 * MIN));
    await click(link(`${treated.id}@example.test`));

    // Orders, each applied at its own time with the settings of the time:
    // t1 (treated, 50) and h1 (held out, 60) an hour after entry: both converted, in their 2-day
    //   goal windows; t1 is credited to mT (its click, 55 min before);
    // a1 (Alice, 100) a day after Ta: credited to mA (her click);
    // b1 (Bob, 80) 6 days after Tb: mB's send and click are more than 5 days back → no credit.
    await order(treated.id, 't1', 50, new Date(Tb.getTime() + H));
    await order(held.id, 'h1', 60, new Date(Tb.getTime() + H));
    await order('alice', 'a1', 100, new Date(Ta.getTime() + DAY));
    await order('bob', 'b1', 80, new Date(Tb.getTime() + 6 * DAY));

    // --- Restarted in Tokyo: the past keeps its UTC days and old verdicts ------------------------
    t = await t.restart({ SHOP_TIMEZONE: 'Asia/Tokyo' });
    // Before the rebuild, all three messages are on 1 June (UTC days): sent 3; three people's
    // clicks (each a human open too); credits a1 → mA (100) and t1 → mT (50): 2 conversions, 150.
    const before = { created: 3, sent: 3, uniqueOpens: 3, uniqueClicks: 3, scannerClicks: 0, conversions: 2 };
    const old = await messagesByDay();
    expect(old.timeZone).toBe('Asia/Tokyo');
    expect(old.rows).toEqual([
      expect.objectContaining({ day: '2031-06-01', ...before, attributedRevenue: 150, openRate: r(3, 3) }),
    ]);
    // Both entries on 1 June; counted (1 June ends, in Tokyo, at 1 June 15:00 UTC; + 2 days is long
    // past the clock, 7 June 16:00 UTC). Treated: 1 entrant, converted, 50; control: 1, converted, 60.
    expect(await lift('2031-06-01')).toMatchObject({
      treated: { entrants: 1, converted: 1, revenue: 50 },
      control: { entrants: 1, converted: 1, revenue: 60 },
      inProgress: 0,
    });
    expect(await lift('2031-06-02')).toMatchObject({ treated: { entrants: 0 }, control: { entrants: 0 } });
    expect(await journeysOn('2031-06-02')).toMatchObject({ entered: 0, sent: 0, conversions: 0 });

    // The settings change applies from the change on: the past is as it was.
    const put = await fetch(`${t.baseUrl}/v1/analytics/settings`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        attribution: { touch: 'clicked', windowDays: 7 },
        engagement: { minClickSeconds: 60 },
      }),
    });
    expect(put.status).toBe(200);
    expect((await messagesByDay()).rows).toEqual(old.rows);

    // --- The rebuild ------------------------------------------------------------------------------
    const first = await rebuild();
    // Messages: mA (19:00 on 1 June in Tokyo) stays on 1 June; mB and mT (01:00 on 2 June) move:
    // 2 re-keyed of 3. mA's click, 30 s after sending, is now sooner than 60 s: a scanner's, and
    // with no other hit mA is neither opened nor clicked by a person: 1 reclassified (mB's 120 s
    // and mT's 300 s are still a person's).
    // Orders (4, of 4 customers), touch `clicked` within 7 days:
    //   a1: mA has no person's click any more → no credit (moved);
    //   b1: Bob's click at Tb + 2 min is 6 days − 2 min before b1, inside 7 days → mB, 80 (moved);
    //   t1: mT's click → mT, as before; h1: the held out have no message → none, as before.
    // Entries: both at Tb, 2 June in Tokyo: 2 re-keyed; entry_daily: the journey as a whole, one
    // row per group (same day; held-out and treated are different rows): 2 rows.
    expect(first.summary).toMatchObject({
      messages: { read: 3, rekeyed: 2, reclassified: 1 },
      orders: { customers: 4, orders: 4, moved: 2 },
      entries: { rekeyed: 2, rows: 2 },
      shopRollups: { rebuilt: true },
    });
    expect(first.lines).toEqual(
      expect.arrayContaining([
        '  messages re-keyed      2 of 3',
        '  messages reclassified  1',
        '  orders re-attributed   4 (credits moved: 2)',
        '  entries re-keyed       2',
        '  entry_daily rows       2',
      ]),
    );

    // 1 June (Tokyo): mA alone. Sent 1; no person's open or click; one scanner click; no credit.
    // 2 June (Tokyo): mB and mT. Sent 2; two people's clicks (and so opens); b1 → mB (80) and
    // t1 → mT (50): 2 conversions of 2 messages, 130, 65 per recipient.
    const now = await messagesByDay();
    expect(now.rows).toEqual([
      expect.objectContaining({
        day: '2031-06-01',
        created: 1,
        sent: 1,
        uniqueOpens: 0,
        machineOpens: 0,
        uniqueClicks: 0,
        scannerClicks: 1,
        conversions: 0,
        convertedMessages: 0,
        attributedRevenue: 0,
        clickRate: r(0, 1),
      }),
      expect.objectContaining({
        day: '2031-06-02',
        created: 2,
        sent: 2,
        uniqueOpens: 2,
        machineOpens: 0,
        uniqueClicks: 2,
        scannerClicks: 0,
        conversions: 2,
        convertedMessages: 2,
        conversionRate: r(2, 2),
        attributedRevenue: 130,
        revenuePerRecipient: r(130, 2),
      }),
    ]);
    const credits = await t.db.query<{ order_id: string; message_id: string | null; touch: string | null }>(
      `SELECT order_id, message_id, touch FROM order_attributions ORDER BY order_id`,
    );
    expect(credits).toEqual([
      { order_id: 'a1', message_id: null, touch: null },
      { order_id: 'b1', message_id: mB, touch: 'clicked' },
      { order_id: 'h1', message_id: null, touch: null },
      { order_id: 't1', message_id: mT!.id, touch: 'clicked' },
    ]);
    // The entries are on 2 June now, with the same outcomes; 1 June has none. Counted through
    // 5 June: as of the clock, 7 June 16:00 UTC, 5 June (Tokyo) ended at 5 June 15:00 UTC and its
    // 2-day windows at 7 June 15:00 UTC, passed; 6 June's end at 8 June 15:00 UTC, not yet.
    expect(await lift('2031-06-01')).toMatchObject({
      treated: { entrants: 0, converted: 0, revenue: 0 },
      control: { entrants: 0, converted: 0, revenue: 0 },
      inProgress: 0,
    });
    expect(await lift('2031-06-02')).toMatchObject({
      status: 'not-enough-data',
      countedThrough: '2031-06-05',
      treated: { entrants: 1, converted: 1, rate: r(1, 1), revenue: 50 },
      control: { entrants: 1, converted: 1, rate: r(1, 1), revenue: 60 },
      inProgress: 0,
    });
    // The journeys list on 2 June: 2 entries; the journey's one message mT, sent, credited t1 (50).
    expect(await journeysOn('2031-06-02')).toMatchObject({
      entered: 2,
      sent: 1,
      conversions: 1,
      attributedRevenue: 50,
    });

    // --- A second run: nothing left to change ----------------------------------------------------
    // Alice is held by another transaction (as an inbox batch would hold her) while it starts: the
    // rebuild skips her in her page, then waits for her alone, and still decides her order.
    const rebuilt = await stored();
    await t.db.query('BEGIN');
    await t.db.query(`SELECT 1 FROM customers WHERE customer_id = 'alice' FOR UPDATE`);
    let finished = false;
    const running = rebuild().finally(() => (finished = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    const waited = !finished;
    await t.db.query('COMMIT');
    const second = await running;
    expect(waited).toBe(true);
    expect(second.summary).toMatchObject({
      messages: { read: 3, rekeyed: 0, reclassified: 0 },
      orders: { customers: 4, orders: 4, moved: 0 },
      entries: { rekeyed: 0, rows: 2 },
      shopRollups: { rebuilt: false },
    });
    expect(await stored()).toEqual(rebuilt);
    expect((await messagesByDay()).rows).toEqual(now.rows);
  }, 180_000);
});
