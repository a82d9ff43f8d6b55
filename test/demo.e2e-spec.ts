import { ShopDemo } from '@kizuna/reference';
import { startTestApp, type TestApp } from './support/test-app';

/**
 * The core of `npm run demo` (apps/cli/src/demo.ts), smaller and faster: a simulated shop on the
 * real engine, so the demo cannot rot. Mail goes to files (no SMTP_URL), as in the demo.
 */
describe('demo shop', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('trades, and every reference journey fires: carts, orders, NPS answers, dormant customers', async () => {
    // 90 days last 3.6 s; the quiet 160 days leave customers who bought in the first month
    // well past their crossing (rechecks run every second) before the demo ends.
    const summary = await t.app.get(ShopDemo).run({ customers: 60, days: 30, quietDays: 160, dayMs: 40, seed: 7 });
    expect(summary.customers).toBeGreaterThan(20);
    expect(summary.orders).toBeGreaterThan(10);
    const entered = Object.fromEntries(summary.journeys.map((j) => [j.name, j.entered]));
    expect(entered['Cart abandonment']).toBeGreaterThan(10);
    expect(entered['Post-purchase follow-up']).toBe(summary.orders);
    expect(entered['Win-back (dormant 90 days)']).toBeGreaterThan(0);
    const sent = (key: string) =>
      summary.emails.filter((e) => e.templateKey === key && e.status === 'sent').reduce((n, e) => n + e.count, 0);
    for (const key of ['cart-reminder-1', 'order-thank-you', 'review-request', 'win-back-we-miss-you']) {
      expect({ key, sent: sent(key) > 0 }).toEqual({ key, sent: true });
    }
    expect(summary.nps.promoters + summary.nps.passives + summary.nps.detractors).toBeGreaterThan(0);
    expect(summary.segments.find((s) => s.key === 'dormant-90d')!.members).toBeGreaterThan(0);
  }, 120_000);
});
