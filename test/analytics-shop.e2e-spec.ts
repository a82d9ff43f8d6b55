import { randomUUID } from 'node:crypto';
import { Role } from '@kizuna/auth';
import { VirtualClock } from '../libs/common/src/clock';
import { startTestApp, TEST_ADMIN_KEY, waitFor, type TestApp } from './support/test-app';
import { ratio as r } from './support/analytics-values';

/**
 * Shop KPIs and retention cohorts (docs/analytics.md, "Shop KPIs", "Retention cohorts") on a small
 * hand-made shop in Asia/Tokyo (UTC+9, no daylight saving), events through the real ingest and
 * worker. Every expected figure is worked out by hand below from this table, never by the code.
 *
 * Orders (Tokyo shop days; USD is the shop currency):
 *
 *   ann-1  Ann  2023-01-10            $100
 *   ann-2  Ann  2024-02-01 00:00      $50   (2024-01-31T15:00Z: February in Tokyo, January in UTC)
 *   ann-3  Ann  2024-05-20            $80, refunded $30 afterwards → net $50
 *   ben-1  Ben  2023-03-05            $200
 *   ben-2  Ben  2024-06-01            $60, a $20 refund arrived BEFORE the order → net $40
 *   cho-1  Cho  2023-06-17 00:00      $40   (first instant of the trailing year)
 *   dai-1  Dai  2024-03-10            ¥5,000 JPY (another currency: reported apart)
 *   dai-2  Dai  2024-04-02            $30
 *   dup-1  Emi  2024-04-15            $70   (Fay sends the same order id later: counted once, Emi's)
 *   gin-1  Gin  2022-05-01            $90
 *   gin-2  Gin  2023-06-16 23:59:59   $90   (last instant before the trailing year)
 *   hal-1  Hal  2023-12-19 00:00      $25   (first instant of the previous 90-day window)
 *   hal-2  Hal  2024-05-01            $500, cancelled: not an order
 *   ivy-2  Ivy  2024-05-10            $60   (sent first)
 *   ivy-1  Ivy  2024-03-05            $40   (sent after ivy-2: an earlier first order arriving late)
 *
 * As of D = 2024-06-15 (the clock: 2024-06-15 12:00 in Tokyo), churn N = 90 (the default):
 *   trailing year      = 2024-06-15 − 364 days = 2023-06-17 … 2024-06-15
 *   last 90 days       = 2024-03-18 … 2024-06-15
 *   previous 90 days   = 2023-12-19 … 2024-03-17
 *   last 730 days      = 2022-06-17 … 2024-06-15; previous 365 = 2022-06-17 … 2023-06-16
 */
const TOKYO = 'Asia/Tokyo';

describe('shop KPIs and cohorts (e2e, Asia/Tokyo)', () => {
  const clock = new VirtualClock(new Date('2024-06-15T03:00:00Z'));
  let t: TestApp;
  let ingestKey: string;
  let marketerKey: string;

  /** Posts an event as the shop and waits until the worker applied it. */
  const post = async (name: string, customerId: string, timestamp: string, properties: Record<string, unknown>) => {
    const res = await fetch(`${t.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name, customerId, messageId: randomUUID(), timestamp, properties }),
    });
    expect(res.status).toBe(202);
    const { eventId } = (await res.json()) as { eventId: string };
    await waitFor(
      async () => (await t.db.query('SELECT 1 FROM events WHERE id = $1 AND processed_at IS NOT NULL', [eventId]))[0],
      10_000,
      `${name} to be processed`,
    );
  };
  const order = (customerId: string, orderId: string, timestamp: string, total: number, currency = 'USD') =>
    post('order.placed', customerId, timestamp, { orderId, total, currency });

  const get = async <T>(path: string, key = marketerKey): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${t.baseUrl}${path}`, { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, body: (await res.json()) as T };
  };

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { SHOP_TIMEZONE: TOKYO, SHOP_CURRENCY: 'USD' } });
    ingestKey = await t.keyFor(Role.Ingest);
    marketerKey = await t.keyFor(Role.Marketer);
    // A first read builds the (empty) rollups: from here on every order below moves them in its
    // own inbox transaction (the incremental path; the last tests compare it with a rebuild).
    expect((await get('/v1/analytics/kpis')).status).toBe(200);
    expect((await t.db.query<{ time_zone: string }>(`SELECT time_zone FROM shop_rollups`))[0]!.time_zone).toBe(TOKYO);
    await order('ann', 'ann-1', '2023-01-10T03:00:00Z', 100);
    await order('ann', 'ann-2', '2024-01-31T15:00:00Z', 50);
    await order('ann', 'ann-3', '2024-05-20T03:00:00Z', 80);
    await post('order.refunded', 'ann', '2024-05-25T03:00:00Z', { orderId: 'ann-3', total: 30, currency: 'USD' });
    await order('ben', 'ben-1', '2023-03-05T03:00:00Z', 200);
    await post('order.refunded', 'ben', '2024-06-02T03:00:00Z', { orderId: 'ben-2', total: 20, currency: 'USD' });
    await order('ben', 'ben-2', '2024-06-01T03:00:00Z', 60);
    await order('cho', 'cho-1', '2023-06-16T15:00:00Z', 40);
    await order('dai', 'dai-1', '2024-03-10T03:00:00Z', 5000, 'JPY');
    await order('dai', 'dai-2', '2024-04-02T03:00:00Z', 30);
    await order('emi', 'dup-1', '2024-04-15T03:00:00Z', 70);
    await order('fay', 'dup-1', '2024-04-16T03:00:00Z', 70);
    await order('emi', 'dup-1', '2024-04-17T03:00:00Z', 999);
    await order('gin', 'gin-1', '2022-05-01T03:00:00Z', 90);
    await order('gin', 'gin-2', '2023-06-16T14:59:59Z', 90);
    await order('hal', 'hal-1', '2023-12-18T15:00:00Z', 25);
    await order('hal', 'hal-2', '2024-05-01T03:00:00Z', 500);
    await post('order.cancelled', 'hal', '2024-05-02T03:00:00Z', { orderId: 'hal-2' });
    await order('ivy', 'ivy-2', '2024-05-10T03:00:00Z', 60);
    await order('ivy', 'ivy-1', '2024-03-05T03:00:00Z', 40);
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  it('an order id counts once across customers: the second customer has no order', async () => {
    const owners = await t.db.query<{ customer_id: string; total: string }>(
      `SELECT c.customer_id, o.total::text FROM customer_orders o JOIN customers c ON c.id = o.customer_uuid
        WHERE o.order_id = 'dup-1'`,
    );
    expect(owners).toEqual([{ customer_id: 'emi', total: '70.0000' }]);
  });

  it('reports the KPIs of a period and as of a day, worked out by hand', async () => {
    const { status, body } = await get<Record<string, unknown>>(
      '/v1/analytics/kpis?asOf=2024-06-15&from=2024-02-01&to=2024-05-31',
    );
    expect(status).toBe(200);
    expect(body).toEqual({
      asOf: '2024-06-15',
      from: '2024-02-01',
      to: '2024-05-31',
      timeZone: TOKYO,
      currency: 'USD',
      churnDays: 90,
      // Period 2024-02-01 … 2024-05-31 (Tokyo): ann-2 (Feb 1 in Tokyo), ivy-1, dai-1 (JPY), dai-2,
      // dup-1, ivy-2, ann-3 = 7 orders (hal-2 was cancelled; Fay's dup-1 is Emi's); buyers Ann, Ivy,
      // Dai, Emi = 4. USD revenue 50 + 40 + 30 + 70 + 60 + 50 = 300 over 6 USD orders: AOV 50.
      period: {
        buyers: 4,
        orders: 7,
        revenue: 300,
        aov: r(300, 6),
        otherCurrencies: [{ currency: 'JPY', orders: 1, revenue: 5000 }],
      },
      // 2023-06-17 … 2024-06-15: cho-1, hal-1, ann-2, ivy-1, dai-1, dai-2, dup-1, ivy-2, ann-3, ben-2
      // = 10 orders (gin-2 is one second too early); buyers Cho, Hal, Ann, Ivy, Dai, Emi, Ben = 7.
      // USD: 40 + 25 + 50 + 40 + 30 + 70 + 60 + 50 + 40 = 405 over 9 orders; frequency 10 / 7.
      // Repeat buyers (≥ 2 orders): Ann (ann-2, ann-3), Ivy (ivy-1, ivy-2), Dai (dai-1, dai-2) = 3.
      trailingYear: {
        from: '2023-06-17',
        buyers: 7,
        orders: 10,
        revenue: 405,
        aov: r(405, 9),
        purchaseFrequency: r(10, 7),
        repeatBuyers: 3,
        repeatPurchaseRate: r(3, 7),
        otherCurrencies: [{ currency: 'JPY', orders: 1, revenue: 5000 }],
      },
      // Previous 90 days (2023-12-19 … 2024-03-17): Hal (hal-1 at its first instant), Ann (Feb 1),
      // Ivy (Mar 5), Dai (Mar 10) = 4. Last 90 days (2024-03-18 … 06-15): Dai, Emi, Ivy, Ann, Ben;
      // Hal's only later order was cancelled, so Hal lapsed: 1 of 4.
      churn: { rate: r(1, 4), lapsed: 1, previousBuyers: 4 },
      // Previous 365 days (2022-06-17 … 2023-06-16): Ann (ann-1), Ben (ben-1), Gin (gin-2 at its
      // last second) = 3 (gin-1 is before the window). Of them only Gin has no order in the last
      // 365 days: yearly churn 1/3, lifespan 3 years (under the 10-year cap).
      yearlyChurn: r(1, 3),
      // CLV = AOV 45 × frequency 10/7 × 3 years = 1350/7 ≈ 192.857.
      clv: { value: expect.closeTo(1350 / 7, 9), aov: 45, yearlyFrequency: 10 / 7, lifespanYears: 3, capped: false },
    });
  });

  it('a period as long as a kept window (365, 90 days) counts its buyers from the coverage rollup, the same as any other', async () => {
    // The trailing year as a period, 2023-06-17 … 2024-06-15 (365 days): 7 buyers, 10 orders, as above.
    const year = await get<{ period: { buyers: number; orders: number; revenue: number } }>(
      '/v1/analytics/kpis?asOf=2024-06-15&from=2023-06-17&to=2024-06-15',
    );
    expect(year.body.period).toMatchObject({ buyers: 7, orders: 10, revenue: 405 });
    // The last 90 days, 2024-03-18 … 06-15: Dai, Emi, Ivy, Ann, Ben = 5 buyers.
    const quarter = await get<{ period: { buyers: number } }>(
      '/v1/analytics/kpis?asOf=2024-06-15&from=2024-03-18&to=2024-06-15',
    );
    expect(quarter.body.period.buyers).toBe(5);
    // One day longer is counted from the orders: 2024-03-17 adds no order, so still 5.
    const longer = await get<{ period: { buyers: number } }>(
      '/v1/analytics/kpis?asOf=2024-06-15&from=2024-03-17&to=2024-06-15',
    );
    expect(longer.body.period.buyers).toBe(5);
  });

  it('counts the period in shop days: in Tokyo 2024-01-31T15:00Z is 1 February', async () => {
    const jan = await get<{ period: { orders: number; buyers: number } }>(
      '/v1/analytics/kpis?asOf=2024-01-31&from=2024-01-01&to=2024-01-31',
    );
    // No order on a Tokyo January day of 2024 (ann-2 is Feb 1 there).
    expect(jan.body.period).toMatchObject({ orders: 0, buyers: 0 });
    const feb1 = await get<{ period: { orders: number; buyers: number; revenue: number } }>(
      '/v1/analytics/kpis?from=2024-02-01&to=2024-02-01',
    );
    expect(feb1.body.period).toMatchObject({ orders: 1, buyers: 1, revenue: 50 });
  });

  it('as of a day long ago: no buyers a year before gives no churn, no lifespan, no CLV', async () => {
    // As of 2022-05-01: only gin-1 (that day). Previous 365 days (2020-05-01 … 2021-04-30): nobody.
    const { body } = await get<Record<string, unknown>>(
      '/v1/analytics/kpis?asOf=2022-05-01&from=2022-05-01&to=2022-05-01',
    );
    expect(body).toMatchObject({
      trailingYear: { buyers: 1, orders: 1, revenue: 90, purchaseFrequency: r(1, 1), repeatPurchaseRate: r(0, 1) },
      yearlyChurn: r(0, 0),
      clv: { value: null, lifespanYears: null, capped: false },
    });
  });

  it('retention cohorts by month of first order, with partial months and launch marks', async () => {
    // A journey version published 2024-03-31T15:00Z = 1 April 00:00 in Tokyo.
    const [journey] = await t.db.query<{ id: string }>(`INSERT INTO journeys (name) VALUES ('Win-back') RETURNING id`);
    await t.db.query(
      `INSERT INTO journey_versions (journey_id, version, definition, published_at) VALUES ($1, 1, '{}', $2)`,
      [journey!.id, '2024-03-31T15:00:00Z'],
    );
    const { status, body } = await get<{
      timeZone: string;
      cohorts: Array<{ month: string; customers: number; retention: unknown[] }>;
      launches: unknown[];
    }>('/v1/analytics/cohorts?from=2024-03&to=2024-05');
    expect(status).toBe(200);
    expect(body.launches).toEqual([{ month: '2024-04', journeyId: journey!.id, name: 'Win-back' }]);
    expect(body.cohorts).toEqual([
      // 2024-03: Dai (dai-1) and Ivy (ivy-1, which arrived after ivy-2 and moved her here).
      //   March: both ordered; USD revenue 40 (dai-1 is JPY)      → 2/2, 40/2 = 20
      //   April: Dai (dai-2 $30)                                    → 1/2, (40 + 30)/2 = 35
      //   May: Ivy (ivy-2 $60)                                      → 1/2, (70 + 60)/2 = 65
      //   June: nobody yet; the current month, partial              → 0/2, 65
      {
        month: '2024-03',
        customers: 2,
        retention: [
          { offset: 0, month: '2024-03', buyers: 2, share: r(2, 2), cumulativeRevenuePerCustomer: 20, partial: false },
          { offset: 1, month: '2024-04', buyers: 1, share: r(1, 2), cumulativeRevenuePerCustomer: 35, partial: false },
          { offset: 2, month: '2024-05', buyers: 1, share: r(1, 2), cumulativeRevenuePerCustomer: 65, partial: false },
          { offset: 3, month: '2024-06', buyers: 0, share: r(0, 2), cumulativeRevenuePerCustomer: 65, partial: true },
        ],
      },
      // 2024-04: Emi (dup-1 $70). May, June: nothing.
      {
        month: '2024-04',
        customers: 1,
        retention: [
          { offset: 0, month: '2024-04', buyers: 1, share: r(1, 1), cumulativeRevenuePerCustomer: 70, partial: false },
          { offset: 1, month: '2024-05', buyers: 0, share: r(0, 1), cumulativeRevenuePerCustomer: 70, partial: false },
          { offset: 2, month: '2024-06', buyers: 0, share: r(0, 1), cumulativeRevenuePerCustomer: 70, partial: true },
        ],
      },
      // 2024-05: nobody (Ivy moved to March; Hal's May order was cancelled).
      {
        month: '2024-05',
        customers: 0,
        retention: [
          {
            offset: 0,
            month: '2024-05',
            buyers: 0,
            share: r(0, 0),
            cumulativeRevenuePerCustomer: null,
            partial: false,
          },
          { offset: 1, month: '2024-06', buyers: 0, share: r(0, 0), cumulativeRevenuePerCustomer: null, partial: true },
        ],
      },
    ]);
  });

  it("a cohort's twelve months, in shop months: Ann's 1 February order is month 13, not 12", async () => {
    const { body } = await get<{
      cohorts: Array<{ month: string; customers: number; retention: Array<{ offset: number; buyers: number }> }>;
    }>('/v1/analytics/cohorts?from=2023-01&to=2023-01');
    const [ann] = body.cohorts;
    expect(ann).toMatchObject({ month: '2023-01', customers: 1 });
    // Offsets 0 … 12 (2023-01 … 2024-01): Ann ordered in month 0 only ($100 all along).
    expect(ann!.retention.map((m) => m.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    expect(ann!.retention.map((m) => m.buyers)).toEqual([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('rebuilds the rollups from the facts to the same figures', async () => {
    const before = await get<Record<string, unknown>>(
      '/v1/analytics/kpis?asOf=2024-06-15&from=2024-02-01&to=2024-05-31',
    );
    const cohortsBefore = await get<Record<string, unknown>>('/v1/analytics/cohorts?from=2023-01&to=2024-06');
    // As after a change of SHOP_TIMEZONE: the next read finds the rollups in another calendar.
    await t.db.query(`UPDATE shop_rollups SET time_zone = 'UTC'`);
    expect(await get('/v1/analytics/kpis?asOf=2024-06-15&from=2024-02-01&to=2024-05-31')).toEqual(before);
    expect(await get('/v1/analytics/cohorts?from=2023-01&to=2024-06')).toEqual(cohortsBefore);
    expect((await t.db.query<{ time_zone: string }>(`SELECT time_zone FROM shop_rollups`))[0]!.time_zone).toBe(TOKYO);
  });

  it("takes the churn window from the shop's settings (kpi.churnDays), adding its coverage", async () => {
    const put = await fetch(`${t.baseUrl}/v1/analytics/settings`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TEST_ADMIN_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ kpi: { churnDays: 30 } }),
    });
    expect(put.status).toBe(200);
    const { body } = await get<{ churnDays: number; churn: unknown }>('/v1/analytics/kpis?asOf=2024-06-15');
    // Last 30 days (2024-05-17 … 06-15): Ann (May 20), Ben (June 1). Previous 30 (2024-04-17 …
    // 05-16): Ivy (May 10) only (dup-1 is 15 April; hal-2 was cancelled). Ivy lapsed: 1 of 1.
    expect(body).toMatchObject({ churnDays: 30, churn: { rate: r(1, 1), lapsed: 1, previousBuyers: 1 } });
    const [state] = await t.db.query<{ buyer_windows: number[] }>(`SELECT buyer_windows FROM shop_rollups`);
    expect(state!.buyer_windows).toEqual([30, 60, 90, 180, 365, 730]);
  });

  it('answers a bad parameter with a 400 naming it, and refuses callers without a role', async () => {
    for (const [path, param] of [
      ['/v1/analytics/kpis?asOf=2024-02-30', 'asOf'],
      ['/v1/analytics/kpis?from=2024-06-10&to=2024-06-01', 'from'],
      ['/v1/analytics/kpis?from=2020-01-01&to=2024-06-01', 'from'],
      ['/v1/analytics/kpis?window=3', 'window'],
      ['/v1/analytics/cohorts?from=2024-13', 'from'],
      ['/v1/analytics/cohorts?from=2024-05&to=2024-01', 'from'],
    ] as const) {
      const res = await get<{ message: string; details?: unknown }>(path);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(JSON.stringify(res.body)).toContain(param);
    }
    const ingest = await get<unknown>('/v1/analytics/kpis', ingestKey);
    expect(ingest.status).toBe(403);
    expect((await get<unknown>('/v1/analytics/cohorts', await t.keyFor(Role.Ops))).status).toBe(200);
  });

  it('keeps one day per shop day: the rollups hold Tokyo days', async () => {
    const days = await t.db.query<{ day: string; orders: number }>(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, sum(orders)::int AS orders FROM order_daily
        WHERE day BETWEEN '2024-01-31' AND '2024-02-01' GROUP BY day HAVING sum(orders) <> 0 ORDER BY day`,
    );
    expect(days).toEqual([{ day: '2024-02-01', orders: 1 }]);
  });
});
