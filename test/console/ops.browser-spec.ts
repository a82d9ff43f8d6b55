import { readFile } from 'node:fs/promises';
import { ConsoleUserService, Role } from '@kizuna/auth';
import type { Browser, Page } from 'playwright-core';
import type { Language } from '../../apps/console/src/i18n/catalog';
import { EmailFixtures } from '../support/email-fixtures';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, TEST_ADMIN_KEY, waitFor, type TestApp } from '../support/test-app';
import { launchChromium, openConsole, screenshot, seriousAccessibilityViolations, text } from './browser';

const PASSWORD = 'correct horse battery';
const OPS = 'ops@shop.test';

/**
 * Ops in the console: the message log and its filters, a message with every attempt and the
 * mail server's replies (real mail to a real SMTP server in the test), a retry, the CSV export.
 */
describe('the message log in a browser', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let f: EmailFixtures;
  /** Delivered on the second attempt: 451 first, then 250. */
  let hanaMessage: string;
  /** Refused for good (550 at DATA). */
  let kenMessage: string;
  /** Sent at once, from another template. */
  let kenWelcome: string;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    [t, browser] = await Promise.all([
      startTestApp({
        env: { SMTP_URL: sink.url, MAIL_FROM: 'shop@example.test', DELIVERY_RETRY_BASE_MS: '100' },
      }),
      launchChromium(),
    ]);
    f = new EmailFixtures(t, TEST_ADMIN_KEY, TEST_ADMIN_KEY);
    await f.template({
      key: 'cart-reminder',
      defaultLocale: 'en',
      variants: {
        en: {
          subject: 'Your cart is waiting, {{customer.firstName}}',
          html: '<h1>Still thinking?</h1><p>Your cart: {{item}}</p>',
        },
      },
    });
    await f.template({
      key: 'welcome',
      defaultLocale: 'en',
      variants: { en: { subject: 'Welcome to the shop', html: '<p>Hello</p>' } },
    });
    const hana = await f.customer('c-hana', 'hana@example.test', { firstName: 'Hana' });
    const ken = await f.customer('c-ken', 'ken@example.test', { firstName: 'Ken' });
    sink.scriptData('hana@example.test', [451, 250]);
    sink.scriptData('ken@example.test', [550]);
    hanaMessage = await f.enqueue(hana, 'cart-reminder', { item: 'Blue teapot' });
    kenMessage = await f.enqueue(ken, 'cart-reminder', { item: 'Green cups' });
    await f.settled(hanaMessage, ['sent']);
    await f.settled(kenMessage, ['failed']);
    kenWelcome = await f.enqueue(ken, 'welcome', {});
    await f.settled(kenWelcome, ['sent']);
    await t.app.get(ConsoleUserService).create({ email: OPS, role: Role.Ops, password: PASSWORD }, 'test');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.close();
  });

  async function signedIn(path: string, language: Language = 'en'): Promise<{ page: Page; problems: string[] }> {
    const say = (key: Parameters<typeof text>[1]) => text(language, key);
    const { page, problems } = await openConsole(browser, t.baseUrl, path);
    if (language === 'ja') {
      await page.getByLabel(text('en', 'common.language')).selectOption('ja');
    }
    await page.getByLabel(say('signIn.email')).fill(OPS);
    await page.getByLabel(say('signIn.password')).fill(PASSWORD);
    await page.getByRole('button', { name: say('signIn.submit') }).click();
    return { page, problems };
  }

  const say = (key: Parameters<typeof text>[1], values?: Record<string, string | number>) => text('en', key, values);
  const rows = (page: Page, language: Language = 'en') =>
    page.getByRole('table', { name: text(language, 'messages.logTitle') }).locator('tbody tr');
  /** Waits until the log shows exactly n rows (it loads after the page does). */
  const expectRows = (page: Page, n: number, language: Language = 'en') =>
    waitFor(async () => ((await rows(page, language).count()) === n ? true : undefined), 10_000, `${n} rows`);

  it('filters the log and opens a message with every attempt and the server replies', async () => {
    const { page, problems } = await signedIn('/messages');
    await page.getByRole('heading', { level: 1, name: say('messages.title') }).waitFor();
    await expectRows(page, 3);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    // Failed only: Ken's reminder.
    await page.getByLabel(say('messages.filterStatus')).selectOption({ label: say('messages.status.failed') });
    await page.getByRole('button', { name: say('messages.apply') }).click();
    await page.waitForURL(/status=failed/);
    await expectRows(page, 1);
    await rows(page).getByText('Your cart is waiting, Ken').waitFor();

    // One template, one customer: Hana's reminder. Clearing navigates, and the form is made again
    // from the new address: wait for the cleared log before filling it, or the fill is undone.
    await page.getByRole('button', { name: say('messages.clear') }).click();
    await expectRows(page, 3);
    await page.getByLabel(say('messages.filterTemplate')).selectOption('cart-reminder');
    await page.getByLabel(say('messages.filterCustomer')).fill('c-hana');
    await page.getByRole('button', { name: say('messages.apply') }).click();
    await page.waitForURL(/customerId=c-hana/);
    await expectRows(page, 1);
    await screenshot(page, 'en-messages');

    // A period that ended yesterday: nothing.
    const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
    await page.getByRole('button', { name: say('messages.clear') }).click();
    await expectRows(page, 3);
    await page.getByLabel(say('messages.filterTo')).fill(yesterday);
    await page.getByRole('button', { name: say('messages.apply') }).click();
    await page.waitForURL(new RegExp(`toDay=${yesterday}`));
    await page.getByText(say('messages.none')).waitFor();

    await page.goto('/messages?customerId=c-hana');
    await page.getByRole('link', { name: 'Your cart is waiting, Hana' }).click();
    await page.getByRole('heading', { level: 1, name: say('message.title') }).waitFor();
    const attempts = page.getByRole('region', { name: say('message.attemptsTitle') }).locator('tbody tr');
    // The attempts load after the message itself: wait for the second before counting.
    await attempts.nth(1).waitFor();
    await expect(attempts.count()).resolves.toBe(2);
    await expect(attempts.nth(0).innerText()).resolves.toMatch(
      new RegExp(`^1\\t.*\\t${say('message.outcome.deferred').replace(/[()]/g, '\\$&')}\\t451\\t.*Try again later`),
    );
    await expect(attempts.nth(1).innerText()).resolves.toMatch(
      new RegExp(`^2\\t.*\\t${say('message.outcome.sent')}\\t250\\t.*Queued as test`),
    );
    // The rendered mail, inert in its frame; the same as the mail the server received.
    const frame = page.frameLocator(`iframe[title="${say('message.htmlFrame')}"]`);
    await expect(frame.getByRole('heading').textContent()).resolves.toBe('Still thinking?');
    await expect(page.locator('iframe').getAttribute('sandbox')).resolves.toBe('');
    expect(sink.to('hana@example.test')[0]!.mail.html).toContain('Your cart: Blue teapot');
    await page.getByText('Your cart: Blue teapot').first().waitFor(); // the text part
    // No retry for a sent message.
    await expect(page.getByRole('button', { name: say('message.retry') }).count()).resolves.toBe(0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'en-message');
    expect(problems).toEqual([]);
  });

  it('exports the filtered log as CSV', async () => {
    const { page, problems } = await signedIn('/messages?templateKey=cart-reminder');
    await expectRows(page, 2);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: say('messages.export') }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^messages-\d{8}-\d{6}\.csv$/);
    const csv = (await readFile(await download.path(), 'utf8')).replace(/^\uFEFF/, '');
    const lines = csv.split('\r\n').filter(Boolean);
    expect(lines[0]).toBe(
      'id,created_at,sent_at,status,status_reason,channel,category,customer_id,recipient,journey_id,journey_name,' +
        'step_id,template_key,subject,attempts',
    );
    // Newest first: Ken's (enqueued second), then Hana's; the subjects carry commas, so they are quoted.
    expect(lines.slice(1).map((l) => l.split(',')[0])).toEqual([kenMessage, hanaMessage]);
    expect(lines[1]).toContain(',failed,');
    expect(lines[1]).toContain(',c-ken,ken@example.test,');
    expect(lines[1]).toContain(',"Your cart is waiting, Ken",1');
    expect(lines[2]).toContain(',sent,,email,marketing,c-hana,hana@example.test,,,,cart-reminder,');
    expect(lines[2]).toMatch(/,"Your cart is waiting, Hana",2$/);
    expect(problems).toEqual([]);
  });

  it('retries a failed message after confirmation, and follows it to sent', async () => {
    const { page, problems } = await signedIn(`/messages/${kenMessage}`);
    await page.getByRole('heading', { level: 1, name: say('message.title') }).waitFor();
    await page.getByRole('cell', { name: '550 5.7.1 Message refused by policy' }).waitFor();
    await page.getByRole('button', { name: say('message.retry') }).click();
    const confirm = page.getByRole('dialog', { name: say('message.retryConfirmTitle') });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await confirm.getByRole('button', { name: say('common.cancel') }).click();
    expect((await f.message(kenMessage)).status).toBe('failed');

    await page.getByRole('button', { name: say('message.retry') }).click();
    await confirm.getByRole('button', { name: say('message.retryConfirm') }).click();
    await page.getByText(say('message.retried')).waitFor();
    await f.settled(kenMessage, ['sent']);
    // The page follows the message (every 5 s while it is under way) to its second attempt.
    const attempts = page.getByRole('region', { name: say('message.attemptsTitle') }).locator('tbody tr');
    await attempts.nth(1).getByText(say('message.outcome.sent')).waitFor({ timeout: 15_000 });
    expect(sink.to('ken@example.test').map((r) => r.mail.subject)).toEqual([
      'Welcome to the shop',
      'Your cart is waiting, Ken',
    ]);
    expect(problems).toEqual([]);
  });

  it('shows sending health: the queue, deferrals and the day of attempts with its failure rate', async () => {
    const { page, problems } = await signedIn('/sending');
    await page.getByRole('heading', { level: 1, name: say('sending.title') }).waitFor();
    const summary = page.getByRole('region', { name: say('sending.deliveriesTitle') });
    // Attempts so far: Hana 451 then 250, Ken's reminder 550 then (retried) 250, Ken's welcome 250:
    // 3 sent, 1 deferred, 1 failed. Failure rate = failed / (sent + failed) = 1 / (3 + 1) = 25%.
    await summary.getByText(say('sending.rateOf', { rate: '25%', failed: '1', total: '4' })).waitFor();
    const queue = page.getByRole('region', { name: say('sending.queueTitle') });
    await expect(queue.getByText(say('sending.due'), { exact: true }).locator('..').innerText()).resolves.toContain(
      '0',
    );
    await queue.getByText(say('sending.seconds', { n: 0 })).waitFor();
    await screenshot(page, 'en-sending');
    // The chart's figures as a table: 24 hours, the current one holding all five attempts.
    await page.getByText(say('sending.showTable')).click();
    const hours = page.getByRole('region', { name: say('sending.chartTitle') }).locator('tbody tr');
    await expect(hours.count()).resolves.toBeGreaterThanOrEqual(24);
    await expect(hours.last().innerText()).resolves.toMatch(/\t3\t1\t1\t0\t25%$/);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('adds an address to the suppression list and removes it, with confirmation', async () => {
    const { page, problems } = await signedIn('/sending');
    await page.getByRole('heading', { level: 1, name: say('sending.title') }).waitFor();
    await page
      .getByRole('navigation', { name: say('sending.tabs') })
      .getByRole('link', { name: say('suppressions.title') })
      .click();
    await page.getByRole('heading', { level: 1, name: say('suppressions.title') }).waitFor();
    await page.getByText(say('suppressions.none')).waitFor();

    await page.getByLabel(say('suppressions.email')).fill('Blocked@Example.test');
    await page.getByLabel(say('suppressions.reason'), { exact: true }).selectOption('complaint');
    await page.getByLabel(say('suppressions.note')).fill('asked by phone');
    await page.getByRole('button', { name: say('suppressions.add'), exact: true }).click();
    await page.getByText(say('suppressions.added', { email: 'blocked@example.test' })).waitFor();
    const row = page.getByRole('row', { name: /blocked@example\.test/ });
    await expect(row.innerText()).resolves.toMatch(
      new RegExp(
        `^blocked@example\\.test\\t${say('suppressions.reason.complaint')}\\tapi:user:ops@shop\\.test\\tasked by phone\\t`,
      ),
    );
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'en-suppressions');
    const listed = async () =>
      (await f.api<{ suppressions: unknown[] }>('GET', '/v1/suppressions?email=blocked@example.test', TEST_ADMIN_KEY))
        .body.suppressions.length;
    expect(await listed()).toBe(1);

    const removeButton = page.getByRole('button', {
      name: say('suppressions.removeOne', {
        email: 'blocked@example.test',
        reason: say('suppressions.reason.complaint'),
      }),
    });
    await removeButton.click();
    const confirm = page.getByRole('dialog', {
      name: say('suppressions.removeConfirmTitle', { email: 'blocked@example.test' }),
    });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await confirm.getByRole('button', { name: say('common.cancel') }).click();
    expect(await listed()).toBe(1);
    await removeButton.click();
    await confirm.getByRole('button', { name: say('suppressions.removeConfirm') }).click();
    await page.getByText(say('suppressions.none')).waitFor();
    expect(await listed()).toBe(0);

    expect(problems).toEqual([]);
  });

  it("finds a customer by email, shows their profile, NPS answer, journey and messages, down to an attempt's reply", async () => {
    await f.event({
      name: 'order.placed',
      customerId: 'c-hana',
      messageId: 'hana-o1',
      properties: { orderId: 'o-1', total: 40, currency: 'USD' },
    });
    await f.event({
      name: 'order.placed',
      customerId: 'c-hana',
      messageId: 'hana-o2',
      properties: { orderId: 'o-2', total: 25, currency: 'EUR' },
    });
    await f.event({
      name: 'nps.responded',
      customerId: 'c-hana',
      messageId: 'hana-nps',
      properties: { score: 9, comment: 'Lovely tea, fast delivery' },
    });
    const journey = await f.api<{ id: string }>('POST', '/v1/journeys', TEST_ADMIN_KEY, {
      name: 'Cart rescue',
      entry: { event: 'checkout.started', key: 'cartId' },
      exit: [{ event: 'order.placed', sameKey: 'cartId' }],
      steps: [
        { id: 'grace', type: 'wait', duration: 'PT2H', next: 'done' },
        { id: 'done', type: 'exit' },
      ],
    });
    await f.api('POST', `/v1/journeys/${journey.body.id}/publish`, TEST_ADMIN_KEY, {});
    await f.event({
      name: 'checkout.started',
      customerId: 'c-hana',
      messageId: 'hana-co',
      properties: { cartId: 'k-7', items: [] },
    });

    const { page, problems } = await signedIn('/customers');
    await page.getByRole('heading', { level: 1, name: say('customers.title') }).waitFor();
    await page.getByLabel(say('customers.query')).fill('HANA@');
    await page.getByRole('button', { name: say('customers.search') }).click();
    const results = page.getByRole('region', { name: say('customers.resultsTitle', { q: 'HANA@' }) });
    await results.getByRole('link', { name: 'c-hana' }).waitFor();
    await expect(results.locator('tbody tr').count()).resolves.toBe(1);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await results.getByRole('link', { name: 'c-hana' }).click();

    await page.getByRole('heading', { level: 1, name: say('customer.title', { id: 'c-hana' }) }).waitFor();
    // One USD order counts in revenue; the EUR one counts as an order, and is shown apart.
    const purchases = page.getByRole('region', { name: say('customer.purchasesTitle') });
    // Orders: 2 (both currencies); revenue: the USD order only, $40; average order: $40 / 1 USD order.
    await purchases.getByText('€25.00').waitFor();
    await expect(purchases.locator('dl').innerText()).resolves.toMatch(
      new RegExp(
        `^${say('customer.orders')}\\s+2\\s+${say('customer.revenue')}\\s+\\$40\\.00\\s+${say('customer.aov')}\\s+\\$40\\.00\\s`,
      ),
    );
    await expect(purchases.getByRole('row', { name: /EUR/ }).innerText()).resolves.toBe('EUR\t1\t€25.00');
    await page
      .getByRole('region', { name: say('customer.attributesTitle') })
      .getByText('Hana')
      .waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'en-customer');

    const tabs = page.getByRole('navigation', { name: say('customer.tabs') });
    await tabs.getByRole('link', { name: say('customer.tab.activity') }).click();
    await page.getByLabel(say('customer.npsAnswers')).check();
    await page.getByText(say('customer.npsScore', { score: 9 })).waitFor();
    await page.getByText('Lovely tea, fast delivery').waitFor();
    await expect(page.locator('.timeline-item').count()).resolves.toBe(1);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await tabs.getByRole('link', { name: say('customer.tab.journeys') }).click();
    const row = page.getByRole('row', { name: /Cart rescue/ });
    await row.getByText('grace', { exact: true }).waitFor();
    // The wait step's timer: 2 hours after the checkout.
    const [timer] = await t.db.query<{ due_at: Date }>('SELECT due_at FROM journey_timers WHERE journey_id = $1', [
      journey.body.id,
    ]);
    await expect(row.locator('time').nth(0).getAttribute('datetime')).resolves.toBe(timer!.due_at.toISOString());
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await tabs.getByRole('link', { name: say('customer.tab.messages') }).click();
    await page.getByRole('link', { name: 'Your cart is waiting, Hana' }).click();
    await page.getByRole('heading', { level: 1, name: say('message.title') }).waitFor();
    await page.getByRole('cell', { name: '451 4.3.0 Try again later' }).waitFor();
    await page.getByRole('cell', { name: '250 Queued as test' }).waitFor();
    expect(problems).toEqual([]);
  });

  it('shows the log and a message in Japanese, accessibly', async () => {
    const { page, problems } = await signedIn('/messages', 'ja');
    await page.getByRole('heading', { level: 1, name: text('ja', 'messages.title') }).waitFor();
    await expectRows(page, 3, 'ja');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ja-messages');
    await page.getByRole('link', { name: 'Your cart is waiting, Hana' }).click();
    await page.getByRole('heading', { level: 1, name: text('ja', 'message.title') }).waitFor();
    await page.getByText(text('ja', 'message.outcome.deferred')).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ja-message');

    await page.goto('/sending');
    await page.getByRole('heading', { level: 1, name: text('ja', 'sending.title') }).waitFor();
    await page.getByText(text('ja', 'sending.chartTitle')).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ja-sending');
    await f.api('POST', '/v1/suppressions', TEST_ADMIN_KEY, {
      email: 'yamada@example.test',
      reason: 'manual',
      note: '電話で依頼',
    });
    await page.goto('/sending/suppressions');
    await page.getByRole('row', { name: /yamada@example\.test/ }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ja-suppressions');
    await page.goto('/customers/c-hana');
    await page.getByRole('heading', { level: 1, name: text('ja', 'customer.title', { id: 'c-hana' }) }).waitFor();
    await page.getByText('€25.00').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ja-customer');
    await page.goto('/customers/c-hana?tab=journeys');
    await page.getByRole('row', { name: /Cart rescue/ }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ja-customer-journeys');
    expect(problems).toEqual([]);
  });
});
