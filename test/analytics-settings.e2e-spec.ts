import { Role } from '@kizuna/auth';
import { startTestApp, type TestApp } from './support/test-app';

/** The shop's analytics settings (docs/analytics.md, "Settings"): defaults, partial changes, refusals. */
describe('GET/PUT /v1/analytics/settings', () => {
  let t: TestApp;
  let admin: string;
  let marketer: string;

  beforeAll(async () => {
    t = await startTestApp({ processes: { api: true, worker: false }, env: { SHOP_TIMEZONE: 'Asia/Tokyo' } });
    admin = await t.keyFor(Role.Admin);
    marketer = await t.keyFor(Role.Marketer);
  });
  afterAll(() => t.close());

  const call = (key: string, method = 'GET', body?: unknown) =>
    fetch(`${t.baseUrl}/v1/analytics/settings`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('shows the defaults of docs/analytics.md with the shop zone and currency from the environment', async () => {
    const res = await call(marketer);
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, Record<string, unknown>>;
    expect(body).toMatchObject({
      timeZone: 'Asia/Tokyo',
      currency: 'USD',
      attribution: { touch: 'clicked-else-received', windowDays: 5 },
      engagement: { minOpenSeconds: 5, minClickSeconds: 10, burstWindowMs: 1000, burstLinks: 2 },
      lift: { confidence: 0.95, power: 0.8, minimumDetectableLift: 0.2, fallbackBaseline: 0.02 },
      kpi: { churnDays: 90 },
    });
    expect(body.engagement!.proxyUserAgents).toEqual(['^Mozilla\\/5\\.0$', 'YahooMailProxy']);
  });

  it('changes only the fields given, and two changes to different groups both stay', async () => {
    expect((await call(admin, 'PUT', { attribution: { windowDays: 7 } })).status).toBe(200);
    expect((await call(admin, 'PUT', { kpi: { churnDays: 120 } })).status).toBe(200);
    const body = (await (await call(marketer)).json()) as Record<string, Record<string, unknown>>;
    expect(body.attribution).toEqual({ touch: 'clicked-else-received', windowDays: 7 });
    expect(body.kpi).toEqual({ churnDays: 120 });
  });

  it('refuses a marketer, and bad values with a 400 naming the field, changing nothing', async () => {
    expect((await call(marketer, 'PUT', { kpi: { churnDays: 30 } })).status).toBe(403);
    const bad = await call(admin, 'PUT', { engagement: { scannerUserAgents: ['(unclosed'] }, kpi: { churnDays: 3 } });
    expect(bad.status).toBe(400);
    const { message } = (await bad.json()) as { message: string };
    expect(message).toContain('engagement.scannerUserAgents[0]');
    expect(message).toContain('kpi.churnDays');
    const unknown = await call(admin, 'PUT', { attribution: { window: 3 } });
    expect(unknown.status).toBe(400);
    const body = (await (await call(marketer)).json()) as Record<string, Record<string, unknown>>;
    expect(body.kpi).toEqual({ churnDays: 120 });
  });
});
