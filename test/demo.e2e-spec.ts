import { loadConfig } from '@kizuna/config';
import { ShopDemo, type DemoSummary } from '@kizuna/reference';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The core of `npm run demo` (apps/cli/src/demo.ts), smaller and faster: a simulated shop on the
 * real engine, so the demo cannot rot. Mail goes to files (no SMTP_URL), as in the demo.
 *
 * The production sending policy, with quiet hours that cover the moment the test runs: the demo
 * once kept both on the real clock, and an evening run sent no marketing email and had no NPS
 * answers. The demo's own policy (ShopDemo.sendingPolicyEnv) must make it fire at any hour.
 */
describe('demo shop', () => {
  const DAY_MS = 40;
  let t: TestApp;

  /** Three hours of quiet around now, in the customers' (default) time zone. */
  const hour = new Date().getUTCHours();
  const hh = (h: number) => `${String((h + 24) % 24).padStart(2, '0')}:00`;
  const production = {
    DEFAULT_TIMEZONE: 'UTC',
    FREQUENCY_CAP_RULES: '1/PT16H,3/P7D',
    QUIET_HOURS: `${hh(hour - 1)}-${hh(hour + 2)}`,
  };

  beforeAll(async () => {
    const policy = ShopDemo.sendingPolicyEnv(loadConfig(production), DAY_MS);
    // 16 h and 7 days at 40 ms a day.
    expect(policy).toEqual({ FREQUENCY_CAP_RULES: '1/PT0.027S,3/PT0.280S', QUIET_HOURS: '' });
    t = await startTestApp({ env: { ...production, ...policy } });
  });
  afterAll(() => t.close());

  // 90 days last 3.6 s; the quiet 360 days (14.4 s) leave customers who bought in the first month
  // well past their crossing (rechecks run every second), with room for a loaded machine.
  const run = () => t.app.get(ShopDemo).run({ customers: 60, days: 30, quietDays: 360, dayMs: DAY_MS, seed: 7 });

  function expectEveryJourneyFired(summary: DemoSummary): void {
    expect(summary.customers).toBeGreaterThan(20);
    expect(summary.customers).toBeLessThanOrEqual(60);
    expect(summary.orders).toBeGreaterThan(10);
    // Counted from the database, equal to what this run sent: nothing left from another run.
    expect(summary.orders).toBe(summary.sent.orders);
    const entered = Object.fromEntries(summary.journeys.map((j) => [j.name, j.entered]));
    expect(entered['Cart abandonment']).toBeGreaterThan(10);
    expect(entered['Cart abandonment']).toBeLessThanOrEqual(summary.sent.checkouts);
    expect(entered['Post-purchase follow-up']).toBe(summary.orders);
    expect(entered['Win-back (dormant 90 days)']).toBeGreaterThan(0);
    const sent = (key: string) =>
      summary.emails.filter((e) => e.templateKey === key && e.status === 'sent').reduce((n, e) => n + e.count, 0);
    // Marketing email from each journey, in the middle of the configured quiet hours.
    for (const key of ['cart-reminder-1', 'order-thank-you', 'review-request', 'win-back-we-miss-you']) {
      expect({ key, sent: sent(key) > 0 }).toEqual({ key, sent: true });
    }
    expect(summary.nps.promoters + summary.nps.passives + summary.nps.detractors).toBeGreaterThan(0);
    expect(summary.segments.find((s) => s.key === 'dormant-90d')!.members).toBeGreaterThan(0);
  }

  it('trades, and every reference journey fires at any hour: carts, orders, NPS answers, dormant customers', async () => {
    expectEveryJourneyFired(await run());
  }, 120_000);

  it('a second run counts only itself: it starts from an empty database', async () => {
    expectEveryJourneyFired(await run());
    const runs = await t.db.query<{ n: number }>(
      `SELECT count(DISTINCT split_part(message_id, ':', 2))::int AS n FROM events WHERE message_id LIKE 'demo:%'`,
    );
    expect(runs).toEqual([{ n: 1 }]);
  }, 120_000);

  it('refuses to empty a database that has customers of its own', async () => {
    await t.db.query(`DELETE FROM settings WHERE key = 'demo'`);
    await expect(run()).rejects.toThrow('the demo runs only in a database of its own');
    expect(await t.db.query(`SELECT 1 AS one FROM customers LIMIT 1`)).toEqual([{ one: 1 }]);
  });
});
