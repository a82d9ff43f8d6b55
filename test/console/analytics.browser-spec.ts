import { ConsoleUserService, Role } from '@kizuna/auth';
import type { Browser, Locator, Page } from 'playwright-core';
import type { Language } from '../../apps/console/src/i18n/catalog';
import { EmailFixtures } from '../support/email-fixtures';
import { rawHeader, SmtpSink } from '../support/smtp-sink';
import { startTestApp, TEST_ADMIN_KEY, waitFor, waitForInboxDrained, type TestApp } from '../support/test-app';
import { launchChromium, openConsole, screenshot, seriousAccessibilityViolations, text } from './browser';
import { BROWSER_USER_AGENT as BROWSER } from '../support/analytics-values';

const PASSWORD = 'correct horse battery';
const PUBLIC_URL = 'https://kizuna.example.test';
/** Apple Mail Privacy Protection fetches images as the bare "Mozilla/5.0": a machine open. */
const APPLE_PROXY = 'Mozilla/5.0';

/**
 * The Overview, Shop analytics and Settings → Analytics screens on a real engine and PostgreSQL:
 * a small shop built through the API (emails delivered to a real SMTP server, tracking hits,
 * orders across three months, NPS answers), and every figure on screen compared with values
 * worked out by hand below. The shop is in UTC; "now" is the real clock (the console counts
 * its periods back from the browser's today in the shop's zone).
 */
describe('analytics screens in a browser', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let f: EmailFixtures;
  const now = new Date();
  /** Month `back` months before this one (UTC), day `day` at noon. */
  const monthsAgo = (back: number, day: number) =>
    new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, day, 12));
  const monthKey = (d: Date) => d.toISOString().slice(0, 7);
  const monthLabel = (language: Language, d: Date) =>
    new Intl.DateTimeFormat(language, { year: 'numeric', month: 'short', timeZone: 'UTC' }).format(d);

  beforeAll(async () => {
    sink = await SmtpSink.start();
    [t, browser] = await Promise.all([
      startTestApp({
        env: {
          SMTP_URL: sink.url,
          PUBLIC_URL,
          MAIL_FROM: 'shop@kizuna-tea.example',
          UNSUBSCRIBE_MAILTO: 'unsubscribe@kizuna-tea.example',
          SHOP_TIMEZONE: 'UTC',
          SHOP_CURRENCY: 'USD',
        },
      }),
      launchChromium(),
    ]);
    const ingestKey = await t.keyFor(Role.Ingest);
    f = new EmailFixtures(t, TEST_ADMIN_KEY, ingestKey);
    const users = t.app.get(ConsoleUserService);
    await users.create({ email: 'admin@shop.test', role: Role.Admin, password: PASSWORD }, 'test');
    await users.create({ email: 'mia@shop.test', role: Role.Marketer, password: PASSWORD }, 'test');
    // Opens and clicks right after sending count as a person's here: the test cannot wait 10 s.
    const changed = await f.api('PUT', '/v1/analytics/settings', TEST_ADMIN_KEY, {
      engagement: { minOpenSeconds: 0, minClickSeconds: 0 },
    });
    expect(changed.status).toBe(200);
    await f.template({
      key: 'promo',
      defaultLocale: 'en',
      variants: { en: { subject: 'New tea', html: '<p><a href="https://shop.example.test/a">Sencha</a></p>' } },
    });
    await buildShop();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.close();
  });

  const hit = (url: string, userAgent: string, init: RequestInit = {}) =>
    fetch(url, { redirect: 'manual', ...init, headers: { 'user-agent': userAgent, ...(init.headers ?? {}) } });

  function links(email: string) {
    const [{ mail }] = sink.to(email) as [(typeof sink.received)[number]];
    const html = String(mail.html);
    const click = [...html.matchAll(/href="([^"]+)"/g)]
      .map((m) => m[1]!.replace(/&amp;/g, '&'))
      .find((h) => h.includes('/t/c/'));
    const unsubscribe = /<(https:\/\/[^>]+\/u\/[\w.-]+)>/.exec(rawHeader(mail, 'List-Unsubscribe') ?? '');
    return {
      pixel: f.local(html.match(/<img src="([^"]+\/t\/o\/[^"]+)"/)![1]!),
      click: f.local(click!),
      unsubscribe: unsubscribe ? f.local(unsubscribe[1]!) : null,
    };
  }

  const order = (customerId: string, orderId: string, total: number, at: Date) =>
    f.event({
      name: 'order.placed',
      customerId,
      messageId: `order-${orderId}`,
      timestamp: at.toISOString(),
      properties: { orderId, total, currency: 'USD' },
    });

  async function buildShop() {
    // --- Emails, all created today ---------------------------------------------------------
    // Four messages: Ann, Ben and Cat receive theirs; Dan's address is refused (5xx): failed.
    sink.refuseRecipient('dan@example.test', 550, '5.1.1 No such user');
    const ids: string[] = [];
    for (const name of ['ann', 'ben', 'cat', 'dan']) {
      const uuid = await f.customer(name, `${name}@example.test`);
      ids.push(await f.enqueue(uuid, 'promo', {}));
    }
    for (const id of ids.slice(0, 3)) {
      await f.settled(id, ['sent']);
    }
    await f.settled(ids[3]!, ['failed'], 30_000);
    // Ann opens (a browser) and clicks: a person. Ben's pixel is fetched by Apple's proxy only:
    // a machine open, left out of the open rate. Cat unsubscribes with one click.
    const ann = links('ann@example.test');
    expect((await hit(ann.pixel, BROWSER)).status).toBe(200);
    expect((await hit(ann.click, BROWSER)).headers.get('location')).toBe('https://shop.example.test/a');
    expect((await hit(links('ben@example.test').pixel, APPLE_PROXY)).status).toBe(200);
    const unsubscribe = links('cat@example.test').unsubscribe!;
    const unsubscribed = await hit(unsubscribe, BROWSER, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(unsubscribed.status).toBe(200);
    // Wait until the inbox applied the hits (the API's own figures, not the expected values).
    await waitFor(
      async () => {
        const res = await f.api<{ rows: Array<{ uniqueClicks: number; machineOpens: number; unsubscribes: number }> }>(
          'GET',
          '/v1/analytics/messages?groupBy=shop',
          TEST_ADMIN_KEY,
        );
        const r = res.body.rows[0];
        return r && r.uniqueClicks + r.machineOpens + r.unsubscribes >= 3 ? r : undefined;
      },
      20_000,
      'the tracking hits to be applied',
    );
    // Ann orders after her click (stamped now, after the hits were applied; a timestamp even a
    // second back could precede the send): credited to her message (clicked, else received).
    await order('ann', 'A-1', 80, new Date());

    // --- Orders across three months (cohorts and KPIs) ---------------------------------------
    // Kim: first order two months ago (100), again last month (50).
    // Lee: one order two months ago (40).
    // Max: first order last month (60), again a minute ago (30).
    // Ann (above): one order now (80).
    await f.customer('kim', 'kim@example.test');
    await f.customer('lee', 'lee@example.test');
    await f.customer('max', 'max@example.test');
    await order('kim', 'K-1', 100, monthsAgo(2, 10));
    await order('kim', 'K-2', 50, monthsAgo(1, 10));
    await order('lee', 'L-1', 40, monthsAgo(2, 12));
    await order('max', 'M-1', 60, monthsAgo(1, 5));
    await order('max', 'M-2', 30, new Date(Date.now() - 60_000));

    // --- NPS answers, this month ---------------------------------------------------------------
    const answer = (customerId: string, score: number, comment: string, ago: number) =>
      f.event({
        name: 'nps.responded',
        customerId,
        messageId: `nps-${customerId}-${score}`,
        timestamp: new Date(Date.now() - ago).toISOString(),
        properties: { score, comment },
      });
    // Kim answers 4, then 10: only the latest counts. Lee 3, Max 8.
    await answer('kim', 4, 'Slow at first', 5 * 60_000);
    await answer('kim', 10, 'Lovely sencha', 4 * 60_000);
    await answer('lee', 3, 'Late delivery', 3 * 60_000);
    await answer('max', 8, 'Fine', 2 * 60_000);
    // The screens read what the worker has applied: every order and answer, before any page opens.
    await waitForInboxDrained(t);
  }

  async function signIn(page: Page, email: string) {
    await page.getByLabel(text('en', 'signIn.email')).fill(email);
    await page.getByLabel(text('en', 'signIn.password')).fill(PASSWORD);
    await page.getByRole('button', { name: text('en', 'signIn.submit') }).click();
  }

  /** Back to the top of the page, for a screenshot that starts where a reader does. */
  const top = (page: Page) => page.evaluate('window.scrollTo(0, 0)');

  /** A figure tile's whole text, found by its label among the tiles of a region. */
  const tile = (scope: Locator, label: string) =>
    scope.getByRole('listitem').filter({ has: scope.page().getByText(label, { exact: true }) });

  it('shows the overview figures worked out by hand, with their denominators', async () => {
    const { page, problems } = await openConsole(browser, t.baseUrl, '/');
    await signIn(page, 'mia@shop.test');
    const say = (key: Parameters<typeof text>[1], values?: Record<string, string | number>) => text('en', key, values);
    await page.getByRole('heading', { level: 1, name: say('overview.title') }).waitFor();
    const tiles = page.getByRole('region', { name: say('overview.tiles') });
    await tile(tiles, say('overview.sent')).waitFor();

    // created 4 (Ann, Ben, Cat, Dan); sent 3 (Dan's refused); failed 1.
    await expect(tile(tiles, say('overview.sent')).innerText()).resolves.toContain('3');
    await expect(tile(tiles, say('overview.sent')).innerText()).resolves.toContain(
      say('overview.sentHint', { created: 4 }),
    );
    // Open rate: Ann only (Ben's open was Apple's proxy) = 1 / 3 = 33.3%.
    const open = await tile(tiles, say('overview.openRate')).innerText();
    expect(open).toContain('33.3%');
    expect(open).toContain(say('overview.openDenominator', { numerator: 1, denominator: 3 }));
    expect(open).toContain(say('overview.machineOpens', { count: 1 }));
    // Click rate: Ann's click = 1 / 3 = 33.3%; no scanner.
    const click = await tile(tiles, say('overview.clickRate')).innerText();
    expect(click).toContain('33.3%');
    expect(click).toContain(say('overview.clickDenominator', { numerator: 1, denominator: 3 }));
    expect(click).toContain(say('overview.scannerClicks', { count: 0 }));
    // Unsubscribe rate: Cat = 1 / 3 = 33.3%.
    const unsub = await tile(tiles, say('overview.unsubscribeRate')).innerText();
    expect(unsub).toContain(say('overview.unsubscribeDenominator', { numerator: 1, denominator: 3 }));
    // Bounce rate: failed / created = 1 / 4 = 25.0%.
    const bounce = await tile(tiles, say('overview.bounceRate')).innerText();
    expect(bounce).toContain('25.0%');
    expect(bounce).toContain(say('overview.bounceDenominator', { numerator: 1, denominator: 4 }));
    // Conversions: Ann's order, credited to her clicked message = 1; revenue $80.00.
    await expect(tile(tiles, say('overview.conversions')).innerText()).resolves.toMatch(/^.*\n1\n/);
    await expect(tile(tiles, say('overview.revenue')).innerText()).resolves.toContain('$80.00');
    // Nothing was sent in the 30 days before: no trend to show, said so.
    expect(open).toContain(say('overview.trendNone', { days: 30 }));
    await top(page);
    await screenshot(page, 'en-overview');
    // The chart's table: today's row is created 4, sent 3, failed 1, opens 1, clicks 1.
    await page.getByText(say('analytics.showTable')).first().click();
    const today = new Intl.DateTimeFormat('en', { dateStyle: 'medium', timeZone: 'UTC' }).format(now);
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: today, exact: true }) });
    await expect(row.getByRole('cell').allInnerTexts()).resolves.toEqual(['4', '3', '1', '1', '1']);
    await page.getByText(say('overview.attentionNone')).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Last 7 days: the same messages, all of today.
    await page.getByRole('button', { name: say('analytics.last7') }).click();
    await expect(tile(tiles, say('overview.openRate')).innerText()).resolves.toContain('33.3%');
    expect(problems).toEqual([]);
  });

  it('shows KPIs and cohorts worked out by hand, and NPS with its comments', async () => {
    const { page, problems } = await openConsole(browser, t.baseUrl, '/analytics');
    await signIn(page, 'mia@shop.test');
    const say = (key: Parameters<typeof text>[1], values?: Record<string, string | number>) => text('en', key, values);
    await page.getByRole('heading', { level: 1, name: say('shop.title') }).waitFor();
    const tiles = page.getByRole('region', { name: say('shop.kpis') });
    await page.getByRole('button', { name: say('analytics.last90') }).click();
    // The 30 days' figures stay on screen until the 90 days' arrive.
    await tiles.getByText('$360.00', { exact: true }).waitFor();
    // Every order is 0-3 months old, so inside the last 90 days and the last 365:
    // buyers 4 (Ann, Kim, Lee, Max); orders 6; revenue 80+100+50+40+60+30 = 360; AOV 360/6 = 60.
    await expect(tile(tiles, say('shop.orders')).innerText()).resolves.toContain('6');
    await expect(tile(tiles, say('shop.buyers')).innerText()).resolves.toContain('4');
    await expect(tile(tiles, say('shop.revenue')).innerText()).resolves.toContain('$360.00');
    const aov = await tile(tiles, say('shop.aov')).innerText();
    expect(aov).toContain('$60.00');
    expect(aov).toContain(say('shop.aovHint', { revenue: '$360.00', orders: 6 }));
    // Frequency 6 / 4 = 1.5; repeat rate 2 (Kim, Max) / 4 = 50.0%.
    const frequency = await tile(tiles, say('shop.frequency')).innerText();
    expect(frequency).toContain('1.5');
    expect(frequency).toContain(say('shop.frequencyHint', { orders: 6, buyers: 4 }));
    const repeat = await tile(tiles, say('shop.repeatRate')).innerText();
    expect(repeat).toContain('50.0%');
    expect(repeat).toContain(say('shop.repeatHint', { numerator: 2, denominator: 4 }));
    // Churn (90 days): nobody bought 91-180 days ago, so 0 of 0: no data, and so no CLV.
    const churn = await tile(tiles, say('shop.churn', { days: 90 })).innerText();
    expect(churn).toContain(say('analytics.noData'));
    expect(churn).toContain(say('shop.churnHint', { lapsed: 0, previous: 0, days: 90 }));
    await expect(tile(tiles, say('shop.clv')).innerText()).resolves.toContain(say('shop.clvUnknown'));

    // Cohorts by month of first order:
    //   two months ago: Kim, Lee (2). Month 0: 2/2 = 100%; month 1: Kim = 1/2 = 50%; month 2
    //     (this month, running): nobody = 0/2 = 0%, partial.
    //   last month: Max (1). Month 0: 100%; month 1 (this month): Max = 100%, partial.
    //   this month: Ann (1). Month 0: 100%, partial.
    const cohorts = page.getByRole('table', { name: say('shop.cohortRetention') });
    const cohortRow = (d: Date) =>
      cohorts.getByRole('row').filter({ has: page.getByRole('rowheader', { name: monthLabel('en', d) }) });
    // allInnerTexts does not wait: the cohorts load with their own request.
    const cells = async (d: Date) => {
      await cohortRow(d).getByRole('cell').first().waitFor();
      return (await cohortRow(d).getByRole('cell').allInnerTexts()).slice(0, 4).map((c) => c.replace(/\s+/g, ' '));
    };
    const partial = ` (${say('shop.partial')})`;
    expect(monthKey(monthsAgo(2, 10))).not.toBe(monthKey(monthsAgo(1, 10)));
    await expect(cells(monthsAgo(2, 10))).resolves.toEqual(['2', '100.0%', '50.0%', `0.0%*${partial}`]);
    expect((await cells(monthsAgo(1, 10))).slice(0, 3)).toEqual(['1', '100.0%', `100.0%*${partial}`]);
    expect((await cells(monthsAgo(0, 1))).slice(0, 2)).toEqual(['1', `100.0%*${partial}`]);
    // Cumulative revenue per cohort customer, two months ago: month 0 (100+40)/2 = $70.00;
    // month 1 (+50) = 190/2 = $95.00.
    await page.getByRole('button', { name: say('shop.cohortRevenue') }).click();
    const revenue = page.getByRole('table', { name: say('shop.cohortRevenue') });
    const revenueRow = revenue
      .getByRole('row')
      .filter({ has: page.getByRole('rowheader', { name: monthLabel('en', monthsAgo(2, 10)) }) });
    await revenueRow.getByRole('cell').first().waitFor();
    expect((await revenueRow.getByRole('cell').allInnerTexts()).slice(0, 3)).toEqual(['2', '$70.00', '$95.00']);
    await page.getByRole('button', { name: say('shop.cohortRetention') }).click();

    // NPS: latest answers Kim 10 (promoter), Lee 3 (detractor), Max 8 (passive):
    // 100 × (1 − 1) / 3 = 0.
    await page.getByText(say('shop.npsCounts', { respondents: 3 })).waitFor();
    await expect(page.locator('.nps-score').innerText()).resolves.toBe('0');
    // Detractors' comments first: Lee's; Kim's earlier 4 is not her latest answer.
    await page.getByText('Late delivery').waitFor();
    await expect(page.getByText('Slow at first').count()).resolves.toBe(0);
    await page.getByRole('button', { name: say('shop.promoters') }).click();
    await page.getByText('Lovely sencha').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await top(page);
    await screenshot(page, 'en-shop-analytics');
    expect(problems).toEqual([]);
  });

  it('lets an admin change the analytics settings, with a pointed 400, and a marketer only read them', async () => {
    const { page, problems } = await openConsole(browser, t.baseUrl, '/settings/analytics');
    await signIn(page, 'admin@shop.test');
    const say = (key: Parameters<typeof text>[1]) => text('en', key);
    await page.getByRole('heading', { level: 1, name: say('asettings.title') }).waitFor();
    const windowDays = page.getByLabel(say('asettings.windowDays'));
    await expect(windowDays.inputValue()).resolves.toBe('5');
    // 120 days is past the 90-day limit: the API's 400 is shown on the field itself.
    await windowDays.fill('120');
    await page.getByRole('button', { name: say('asettings.save') }).click();
    await page.getByRole('alert').waitFor();
    await expect(windowDays.getAttribute('aria-invalid')).resolves.toBe('true');
    const describedBy = (await windowDays.getAttribute('aria-describedby'))!.split(' ');
    const fieldError = await page.locator(`[id="${describedBy[describedBy.length - 1]}"]`).innerText();
    expect(fieldError).toMatch(/90/);
    await expect(page.getByRole('alert').innerText()).resolves.toContain('attribution.windowDays');
    expect(
      (await f.api<{ attribution: { windowDays: number } }>('GET', '/v1/analytics/settings', TEST_ADMIN_KEY)).body
        .attribution.windowDays,
    ).toBe(5);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await top(page);
    await screenshot(page, 'en-settings-analytics');

    await windowDays.fill('7');
    await page.getByLabel(say('asettings.churnDays')).fill('60');
    await page.getByRole('button', { name: say('asettings.save') }).click();
    await page
      .getByRole('status')
      .filter({ hasText: say('asettings.saved') })
      .waitFor();
    const saved = await f.api<{ attribution: { windowDays: number }; kpi: { churnDays: number } }>(
      'GET',
      '/v1/analytics/settings',
      TEST_ADMIN_KEY,
    );
    expect(saved.body.attribution.windowDays).toBe(7);
    expect(saved.body.kpi.churnDays).toBe(60);
    expect(problems).toEqual([]);

    // A marketer reads the same settings, every control disabled, and no save button.
    const marketer = await openConsole(browser, t.baseUrl, '/settings/analytics');
    await signIn(marketer.page, 'mia@shop.test');
    await marketer.page.getByText(say('asettings.readOnly')).waitFor();
    await expect(marketer.page.getByLabel(say('asettings.windowDays')).inputValue()).resolves.toBe('7');
    await expect(marketer.page.getByLabel(say('asettings.windowDays')).isDisabled()).resolves.toBe(true);
    await expect(marketer.page.getByRole('button', { name: say('asettings.save') }).count()).resolves.toBe(0);
    expect(marketer.problems).toEqual([]);
  });

  it('reads the same in Japanese', async () => {
    const { page, problems } = await openConsole(browser, t.baseUrl, '/');
    await page.getByLabel('Language').selectOption('ja');
    await page.getByLabel(text('ja', 'signIn.email')).fill('mia@shop.test');
    await page.getByLabel(text('ja', 'signIn.password')).fill(PASSWORD);
    await page.getByRole('button', { name: text('ja', 'signIn.submit') }).click();
    await page.getByRole('heading', { level: 1, name: text('ja', 'overview.title') }).waitFor();
    const tiles = page.getByRole('region', { name: text('ja', 'overview.tiles') });
    const open = await tile(tiles, text('ja', 'overview.openRate')).innerText();
    expect(open).toContain(text('ja', 'overview.openDenominator', { numerator: 1, denominator: 3 }));
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await top(page);
    await screenshot(page, 'ja-overview');
    await page.getByRole('link', { name: text('ja', 'screen.analytics') }).click();
    await page.getByRole('heading', { level: 1, name: text('ja', 'shop.title') }).waitFor();
    await page.getByText(text('ja', 'shop.npsCounts', { respondents: 3 })).waitFor();
    await page.getByRole('table', { name: text('ja', 'shop.cohortRetention') }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await top(page);
    await screenshot(page, 'ja-shop-analytics');
    expect(problems).toEqual([]);
  });
});
