import { randomUUID } from 'node:crypto';
import { ConsoleUserService, Role } from '@kizuna/auth';
import { SplitVerdictsService } from '@kizuna/journeys';
import type { Browser, Locator, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import type { EntryFactChange } from '../../libs/journeys/src/core/entry-facts';
import { JourneyEntryRepository } from '../../libs/journeys/src/shell/journey-entry.repository';
import { EmailFixtures } from '../support/email-fixtures';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, TEST_ADMIN_KEY, waitFor, waitForInboxDrained, type TestApp } from '../support/test-app';
import { launchChromium, openConsole, screenshot, seriousAccessibilityViolations, text } from './browser';
import { BROWSER_USER_AGENT as BROWSER } from '../support/analytics-values';

const PASSWORD = 'correct horse battery';
const DAY = 86_400_000;
const say = (key: Parameters<typeof text>[1], values?: Record<string, string | number>) => text('en', key, values);

/**
 * What a journey earns, on its page and in the list, on a real engine and PostgreSQL: a welcome
 * journey whose two emails go through a real SMTP server (one opened, clicked and followed by an
 * order), and a journey with a holdout and an A/B split whose entries are stored through the
 * engine's own entry repository (too many to run event by event). Every figure on screen is
 * compared with values worked out by hand below. The shop is in UTC.
 */
describe('what a journey earns, in a browser', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let f: EmailFixtures;
  let welcomeId: string;
  let liftId: string;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    [t, browser] = await Promise.all([
      startTestApp({
        env: {
          SMTP_URL: sink.url,
          PUBLIC_URL: 'https://kizuna.example.test',
          MAIL_FROM: 'shop@kizuna-tea.example',
          SHOP_TIMEZONE: 'UTC',
          SHOP_CURRENCY: 'USD',
        },
      }),
      launchChromium(),
    ]);
    const marketerKey = await t.keyFor(Role.Marketer);
    f = new EmailFixtures(t, marketerKey, await t.keyFor(Role.Ingest));
    await t.app
      .get(ConsoleUserService)
      .create({ email: 'mia@shop.test', role: Role.Marketer, password: PASSWORD }, 'test');
    // Opens and clicks right after sending count as a person's here (the test cannot wait 10 s);
    // lift is planned for a doubling (MDE 100%), so a hundred entrants per group reach the horizon.
    const changed = await f.api('PUT', '/v1/analytics/settings', TEST_ADMIN_KEY, {
      engagement: { minOpenSeconds: 0, minClickSeconds: 0 },
      lift: { minimumDetectableLift: 1 },
    });
    expect(changed.status).toBe(200);
    for (const key of ['welcome', 'discount', 'story']) {
      await f.template({
        key,
        defaultLocale: 'en',
        variants: {
          en: { subject: `Hello from ${key}`, html: '<p><a href="https://shop.example.test/tea">Tea</a></p>' },
        },
      });
    }
    welcomeId = await publish(marketerKey, {
      name: 'Welcome',
      entry: { event: 'signed.up' },
      steps: [{ id: 'welcome', type: 'send', template: 'welcome', category: 'marketing' }],
    });
    liftId = await publish(marketerKey, {
      name: 'Second order',
      entry: { event: 'first.order' },
      holdout: 0.5,
      goal: { event: 'order.placed', within: 'P7D' },
      steps: [
        {
          id: 'offer',
          type: 'split',
          paths: [
            { name: 'discount', weight: 1, next: 'discount' },
            { name: 'story', weight: 1, next: 'story' },
          ],
        },
        { id: 'discount', type: 'send', template: 'discount', category: 'marketing' },
        { id: 'story', type: 'send', template: 'story', category: 'marketing' },
      ],
    });
    await welcomeShop();
    await liftEntries();
  }, 180_000);
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.close();
  });

  async function publish(key: string, definition: Record<string, unknown>): Promise<string> {
    const created = await f.api<{ id: string }>('POST', '/v1/journeys', key, definition);
    expect(created.status).toBe(201);
    expect((await f.api('POST', `/v1/journeys/${created.body.id}/publish`, key, {})).status).toBe(200);
    return created.body.id;
  }

  /** Ann and Ben sign up and get the welcome email; Ann opens it, clicks, and orders $80. */
  async function welcomeShop() {
    for (const name of ['ann', 'ben']) {
      await f.customer(name, `${name}@example.test`);
      await f.event({ name: 'signed.up', customerId: name, messageId: `signup-${name}` });
    }
    await waitFor(
      async () => {
        const [row] = await t.db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM outbox_messages WHERE journey_id = $1 AND status = 'sent'`,
          [welcomeId],
        );
        return row!.n === 2 ? true : undefined;
      },
      30_000,
      'both welcome emails to be sent',
    );
    const html = String(sink.to('ann@example.test')[0]!.mail.html);
    const pixel = f.local(html.match(/<img src="([^"]+\/t\/o\/[^"]+)"/)![1]!);
    const click = f.local(
      [...html.matchAll(/href="([^"]+)"/g)].map((m) => m[1]!.replace(/&amp;/g, '&')).find((h) => h.includes('/t/c/'))!,
    );
    const hit = (url: string) => fetch(url, { redirect: 'manual', headers: { 'user-agent': BROWSER } });
    expect((await hit(pixel)).status).toBe(200);
    expect((await hit(click)).status).toBe(302);
    await waitForInboxDrained(t);
    // Stamped now, after the click was applied: credited to the clicked message (5-day window).
    await f.event({
      name: 'order.placed',
      customerId: 'ann',
      messageId: 'order-A-1',
      timestamp: new Date().toISOString(),
      properties: { orderId: 'A-1', total: 80, currency: 'USD' },
    });
    await waitForInboxDrained(t);
  }

  /**
   * The second-order journey's entries, twenty days ago with a 7-day goal window (all counted):
   * treated 100 (discount 50 with 20 converted, story 50 with 20), held out 100 with 20.
   */
  async function liftEntries() {
    const customers = await t.db.query<{ id: string }>(
      `INSERT INTO customers (customer_id) SELECT 'lift-' || g FROM generate_series(1, 200) g RETURNING id`,
    );
    const enteredAt = Date.now() - 20 * DAY;
    const fact = (i: number): EntryFactChange => {
      const heldOut = i >= 100;
      const path = i < 50 ? 'discount' : 'story';
      const converted = heldOut ? i < 120 : i % 50 < 20;
      return {
        customerUuid: customers[i]!.id,
        instanceId: randomUUID(),
        entryCount: 1,
        journeyId: liftId,
        entered: { heldOut, enteredAt, windowMs: 7 * DAY },
        splits: heldOut ? {} : { offer: path },
        ...(converted ? { goalAt: enteredAt + DAY } : {}),
      };
    };
    const entries = t.app.get(JourneyEntryRepository);
    await t.app.get(DataSource).transaction((tx) =>
      entries.record(
        tx,
        Array.from({ length: 200 }, (_, i) => fact(i)),
        [],
        { timeZone: 'UTC', currency: 'USD' },
      ),
    );
    // The verdict job's check, as the worker runs it every 10 minutes: recorded once.
    expect(await t.app.get(SplitVerdictsService).declareDue()).toBe(1);
  }

  async function signIn(path: string): Promise<{ page: Page; problems: string[] }> {
    const { page, problems } = await openConsole(browser, t.baseUrl, path);
    await page.getByLabel(say('signIn.email')).fill('mia@shop.test');
    await page.getByLabel(say('signIn.password')).fill(PASSWORD);
    await page.getByRole('button', { name: say('signIn.submit') }).click();
    return { page, problems };
  }

  const tile = (scope: Locator, label: string) =>
    scope.getByRole('listitem').filter({ has: scope.page().getByText(label, { exact: true }) });

  it('lists each journey with its conversion rate and revenue over the last 30 days', async () => {
    const { page, problems } = await signIn('/journeys');
    await page.getByRole('heading', { level: 1, name: say('journeys.title') }).waitFor();
    const welcome = page.getByRole('row', { name: /^Welcome/ });
    // Welcome: 1 converted message of 2 sent = 50.0%; $80.00 credited.
    await welcome.getByRole('cell', { name: '$80.00' }).waitFor();
    const cells = await welcome.getByRole('cell').allInnerTexts();
    expect(cells.slice(4, 6)).toEqual(['50.0%', '$80.00']);
    // Second order: nothing sent (its entries were stored, not run): no rate, no revenue.
    const second = await page
      .getByRole('row', { name: /^Second order/ })
      .getByRole('cell')
      .allInnerTexts();
    expect(second.slice(4, 6)).toEqual(['—', '$0.00']);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it("shows a journey's email figures, per step on the canvas too, worked out by hand", async () => {
    const { page, problems } = await signIn(`/journeys/${welcomeId}`);
    await page.getByRole('heading', { level: 1, name: 'Welcome' }).waitFor();
    const figures = page.getByRole('region', { name: say('perf.emailFigures') });
    await tile(figures, say('overview.sent')).waitFor();
    // Sent 2 of 2 created; Ann opened and clicked: 1 / 2 = 50.0% each.
    await expect(tile(figures, say('overview.sent')).innerText()).resolves.toContain(
      say('overview.sentHint', { created: 2 }),
    );
    const open = await tile(figures, say('overview.openRate')).innerText();
    expect(open).toContain('50.0%');
    expect(open).toContain(say('overview.openDenominator', { numerator: 1, denominator: 2 }));
    const click = await tile(figures, say('overview.clickRate')).innerText();
    expect(click).toContain('50.0%');
    expect(click).toContain(say('overview.clickDenominator', { numerator: 1, denominator: 2 }));
    // Conversion: Ann's message credited with her order: 1 / 2 = 50.0%; revenue $80.00; per recipient $80 / 2 = $40.00.
    const conversion = await tile(figures, say('perf.conversionRate')).innerText();
    expect(conversion).toContain('50.0%');
    expect(conversion).toContain(say('perf.conversionDenominator', { numerator: 1, denominator: 2 }));
    await expect(tile(figures, say('overview.revenue')).innerText()).resolves.toContain('$80.00');
    await expect(tile(figures, say('perf.revenuePerRecipient')).innerText()).resolves.toContain('$40.00');
    // The send step on the canvas carries the same figures.
    const canvas = page.getByRole('group', { name: say('journey.canvas') });
    await canvas.getByText(say('perf.stepSent', { sent: 2, opened: '50.0%' })).waitFor();
    await canvas.getByText(say('perf.stepClicked', { clicked: '50.0%', conversions: 1 })).waitFor();
    await canvas.getByText(say('perf.stepRevenue', { revenue: '$80.00' })).waitFor();
    // As counts: one person opened, one clicked.
    await page.getByRole('button', { name: say('journey.figuresCounts') }).click();
    await canvas.getByText(say('perf.stepSent', { sent: 2, opened: 1 })).waitFor();
    await canvas.getByText(say('perf.stepClicked', { clicked: 1, conversions: 1 })).waitFor();
    // No holdout: lift cannot be measured, and the page says why.
    await page.getByText(say('perf.noHoldout')).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'en-journey-earnings');
    // The specs compile without the DOM's types: the element is described by what is called.
    await canvas.evaluate((el: { scrollIntoView(options: object): void }) => el.scrollIntoView({ block: 'center' }));
    await screenshot(page, 'en-journey-step-figures');
    expect(problems).toEqual([]);
  });

  it('shows holdout lift and the A/B test with intervals and p-values worked out by hand', async () => {
    const { page, problems } = await signIn(`/journeys/${liftId}`);
    await page.getByRole('heading', { level: 1, name: 'Second order' }).waitFor();
    // Its send steps sent nothing (the entries were stored, not run): each says so on the graph.
    const canvas = page.getByRole('group', { name: say('journey.canvas') });
    await canvas.getByText(say('perf.stepNone')).nth(1).waitFor();
    await expect(canvas.getByText(say('perf.stepNone')).count()).resolves.toBe(2);
    const lift = page.getByRole('region', { name: say('perf.liftTitle') });
    const groups = lift.getByRole('table', { name: say('perf.groups') });
    await groups.getByRole('row', { name: new RegExp(`^${say('perf.treated').replace(/[()]/g, '\\$&')}`) }).waitFor();
    await expect(groups.locator('tbody tr').allInnerTexts()).resolves.toEqual([
      `${say('perf.treated')}\t100\t40\t40.0%\t$0.00`,
      `${say('perf.control')}\t100\t20\t20.0%\t$0.00`,
    ]);
    // Horizon (MDE 100%, r = 1): pooled 60/200 = 0.3 → 0.6, p̄ = 0.45;
    // 1.959964 · √(0.45 · 0.55 · 2) = 1.378956; 0.841621 · √(0.3 · 0.7 + 0.6 · 0.4) = 0.564573;
    // m = ((1.378956 + 0.564573) / 0.3)² = 41.97 → 42 per group: 100 reached.
    // Absolute: 0.4 − 0.2 = +20.0 pts. Newcombe: Wilson (centre (p + z²/2n) / (1 + z²/n), half
    // z / (1 + z²/n) · √(pq/n + z²/4n²)) 40/100 = 0.403700 ± 0.094298 = [0.309402, 0.497998],
    // 20/100 = 0.211098 ± 0.077731 = [0.133367, 0.288829];
    // 0.2 − √(0.090598² + 0.088829²) = 0.073120 → +7.3 pts; 0.2 + √(0.097998² + 0.066633²) = 0.318506 → +31.9 pts.
    const figure = (label: string) =>
      lift.locator('dl.lift-figures > div').filter({ has: page.getByText(label, { exact: true }) });
    const ci = (low: string, high: string) => say('perf.interval', { level: '95%', low, high });
    await expect(figure(say('perf.absoluteLift')).locator('dd').innerText()).resolves.toBe(
      `+20.0 pts ${ci('+7.3 pts', '+31.9 pts')}`,
    );
    // Relative: 0.4 / 0.2 − 1 = +100.0%. Katz: SE = √(1/40 − 1/100 + 1/20 − 1/100) = 0.234521;
    // · 1.959964 = 0.459653; 2 · e^−0.459653 − 1 = 0.263006 → +26.3%; 2 · e^0.459653 − 1 = 2.167048 → +216.7%.
    await expect(figure(say('perf.relativeLift')).locator('dd').innerText()).resolves.toBe(
      `+100.0% ${ci('+26.3%', '+216.7%')}`,
    );
    // z = 0.2 / √(0.3 · 0.7 · 2/100) = 0.2 / 0.0648074 = 3.08607; p = 2 · Φ(−3.08607) = 0.00203 → 0.002.
    await expect(figure(say('perf.pValue')).locator('dd').innerText()).resolves.toBe(
      `0.002 ${say('perf.significant', { level: '95%' })}`,
    );
    // Incremental conversions: 0.2 · 100 treated = 20.0, interval 7.3 to 31.9; nobody spent anything.
    await expect(figure(say('perf.incrementalConversions')).locator('dd').innerText()).resolves.toBe(
      `20.0 ${ci('7.3', '31.9')}`,
    );
    await expect(figure(say('perf.incrementalRevenue')).locator('dd').innerText()).resolves.toBe(
      `$0.00 ${ci('$0.00', '$0.00')}`,
    );

    // The A/B test: discount (the control) 20 of 50, story 20 of 50. Horizon at 95% (one
    // comparison): pooled 0.4 → 0.8, p̄ = 0.6; 1.959964 · √(0.6 · 0.4 · 2) = 1.357903;
    // 0.841621 · √(0.4 · 0.6 + 0.8 · 0.2) = 0.532288; m = (1.890191 / 0.4)² = 22.3 → 23: reached.
    // Same rates: lift 0.0 pts, z = 0, p = 1.000. Newcombe: Wilson 20/50 = 0.407141 ± 0.131050 =
    // [0.276091, 0.538191]; ±√(0.123909² + 0.138191²) = ±0.185608 → −18.6 pts to +18.6 pts. No path better, none worse:
    // the verdict, taken once, is "no winner".
    const split = page.getByRole('region', { name: say('perf.split', { step: 'offer' }) });
    await split.getByText(say('perf.noWinner', { day: '' }).split(':')[0]!).waitFor();
    await expect(split.locator('tbody tr').allInnerTexts()).resolves.toEqual([
      `discount ${say('perf.controlPath')}\t50\t20\t40.0%\t$0.00\t0\t0\t—\t—`,
      `story\t50\t20\t40.0%\t$0.00\t0\t0\t0.0 pts ${ci('−18.6 pts', '+18.6 pts')}\t1.000`,
    ]);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.getByRole('heading', { level: 2, name: say('perf.liftTitle') }).scrollIntoViewIfNeeded();
    await screenshot(page, 'en-journey-lift');
    expect(problems).toEqual([]);
  });

  it('reads the same in Japanese', async () => {
    const { page, problems } = await openConsole(browser, t.baseUrl, `/journeys/${liftId}`);
    await page.getByLabel('Language').selectOption('ja');
    await page.getByLabel(text('ja', 'signIn.email')).fill('mia@shop.test');
    await page.getByLabel(text('ja', 'signIn.password')).fill(PASSWORD);
    await page.getByRole('button', { name: text('ja', 'signIn.submit') }).click();
    await page.getByRole('heading', { level: 2, name: text('ja', 'perf.liftTitle') }).waitFor();
    await page.getByText(text('ja', 'perf.significant', { level: '95%' })).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ja-journey-lift');
    expect(problems).toEqual([]);
  });
});
