import { ConsoleUserService, Role } from '@kizuna/auth';
import type { Browser } from 'playwright-core';
import type { Language } from '../../apps/console/src/i18n/catalog';
import { EmailFixtures } from '../support/email-fixtures';
import { startTestApp, TEST_ADMIN_KEY, waitFor, type TestApp } from '../support/test-app';
import { launchChromium, openConsole, screenshot, seriousAccessibilityViolations, text } from './browser';

const PASSWORD = 'correct horse battery';

/** The shop's customers: a tier attribute and a number of orders each. */
const CUSTOMERS: Array<{ id: string; tier?: string; orders: number }> = [
  { id: 'c-1', tier: 'gold', orders: 2 },
  { id: 'c-2', tier: 'gold', orders: 1 },
  { id: 'c-3', tier: 'gold', orders: 0 },
  { id: 'c-4', tier: 'silver', orders: 3 },
  { id: 'c-5', orders: 2 },
];

/**
 * A marketer builds a segment with the condition builder: the preview counts the customers the
 * rule matches as it is built, a mistake is shown at its row, the JSON is the API's, and the
 * saved segment lists its members; then it is deleted, with confirmation.
 */
describe('segments in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let f: EmailFixtures;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp(), launchChromium()]);
    f = new EmailFixtures(t, TEST_ADMIN_KEY, TEST_ADMIN_KEY);
    for (const c of CUSTOMERS) {
      await f.customer(c.id, `${c.id}@example.test`, c.tier ? { tier: c.tier } : {});
      for (let n = 1; n <= c.orders; n++) {
        await f.event({
          name: 'order.placed',
          customerId: c.id,
          messageId: `${c.id}-order-${n}`,
          properties: { orderId: `${c.id}-${n}`, total: 40, currency: 'USD' },
        });
      }
    }
    await t.app
      .get(ConsoleUserService)
      .create({ email: 'mia@shop.test', role: Role.Marketer, password: PASSWORD }, 'test');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  async function signIn(path: string, language: Language) {
    const opened = await openConsole(browser, t.baseUrl, path);
    if (language === 'ja') {
      await opened.page.getByLabel('Language').selectOption('ja');
    }
    await opened.page.getByLabel(text(language, 'signIn.email')).fill('mia@shop.test');
    await opened.page.getByLabel(text(language, 'signIn.password')).fill(PASSWORD);
    await opened.page.getByRole('button', { name: text(language, 'signIn.submit') }).click();
    return opened;
  }

  it('builds a segment whose preview count matches the customers, saves it, lists its members, deletes it', async () => {
    const say = (key: Parameters<typeof text>[1], values?: Record<string, string | number>) => text('en', key, values);
    const { page, problems } = await signIn('/segments', 'en');
    await page.getByRole('heading', { level: 1, name: say('segments.title') }).waitFor();
    await page.getByText(say('segments.empty')).waitFor();
    await page.getByRole('link', { name: say('segments.new') }).click();
    await page.getByRole('heading', { level: 1, name: say('segments.newTitle') }).waitFor();
    await page.getByText(say('segments.previewEmpty')).waitFor();
    await page.getByLabel(say('segments.name')).fill('Repeat gold and silver');
    await page.getByLabel(say('segments.key')).fill('repeat-tier');

    // Row 1: at least two orders. c-1 (2), c-4 (3) and c-5 (2) have; c-2 (1) and c-3 (0) not: 3 of 5.
    await page.getByRole('button', { name: say('rules.addCondition') }).click();
    await page.getByLabel(say('rules.subject', { n: 1 })).selectOption('stats.ordersCount');
    await page.getByLabel(say('rules.operator', { n: 1 })).selectOption('gte');
    await page.getByLabel(say('rules.value', { n: 1 }), { exact: true }).fill('2');
    await page.getByText(say('segments.previewCount', { matched: 3, evaluated: 5 })).waitFor();

    // Row 2: tier gold or silver. Of those three, c-5 has no tier: c-1 and c-4 remain, 2 of 5.
    await page.getByRole('button', { name: say('rules.addCondition') }).click();
    await page.getByLabel(say('rules.subject', { n: 2 })).selectOption('attributes');
    await page.getByLabel(say('rules.path.attributes', { n: 2 })).fill('tier');
    await page.getByLabel(say('rules.operator', { n: 2 })).selectOption('in');
    await page.getByLabel(say('rules.value', { n: 2 }), { exact: true }).fill('gold, silver');
    await page.getByText(say('segments.previewCount', { matched: 2, evaluated: 5 })).waitFor();
    const sample = page.getByRole('table', { name: say('segments.previewSample') });
    await expect(sample.getByRole('row').allInnerTexts()).resolves.toHaveLength(3);
    expect((await sample.locator('tbody tr td:first-child').allInnerTexts()).sort()).toEqual(['c-1', 'c-4']);

    // An empty list is a mistake: the API's message is shown at row 2.
    await page.getByLabel(say('rules.value', { n: 2 }), { exact: true }).fill('');
    await page.getByText('op "in" needs a list of 1 to 1000 text, number or true/false values').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.getByLabel(say('rules.value', { n: 2 }), { exact: true }).fill('gold, silver');
    await page.getByText(say('segments.previewCount', { matched: 2, evaluated: 5 })).waitFor();
    await screenshot(page, 'en-segment-editor');

    // The JSON mode shows the condition exactly as the API takes it.
    await page.getByRole('button', { name: say('rules.json') }).click();
    const json = page.getByLabel(say('rules.jsonLabel', { label: say('segments.rule') }));
    expect(JSON.parse(await json.inputValue())).toEqual({
      all: [
        { field: 'stats.ordersCount', op: 'gte', value: 2 },
        { field: 'attributes.tier', op: 'in', value: ['gold', 'silver'] },
      ],
    });
    await page.getByRole('button', { name: say('rules.form') }).click();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.getByRole('button', { name: say('segments.create') }).click();
    await page
      .getByRole('heading', { level: 1, name: say('segments.editTitle', { name: 'Repeat gold and silver' }) })
      .waitFor();
    const id = page.url().split('/').pop()!;
    // Existing customers are evaluated in the background; once done, the page lists them.
    await waitFor(
      async () =>
        (await f.api<{ ready: boolean }>('GET', `/v1/segments/${id}`, TEST_ADMIN_KEY)).body.ready || undefined,
      20_000,
      'the segment to be evaluated',
    );
    await page.reload();
    const members = page.getByRole('table', { name: say('segments.membersTitle', { count: 2 }) });
    await members.waitFor();
    expect((await members.locator('tbody tr td:first-child').allInnerTexts()).sort()).toEqual(['c-1', 'c-4']);
    // The saved rule is read back into the same rows.
    expect(await page.getByLabel(say('rules.value', { n: 2 }), { exact: true }).inputValue()).toBe('gold, silver');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.getByRole('link', { name: say('segments.back') }).click();
    const row = page.getByRole('row', { name: /Repeat gold and silver/ });
    // allInnerTexts does not wait: the list renders after its request.
    await row.getByRole('cell').nth(3).waitFor();
    expect(await row.getByRole('cell').allInnerTexts()).toEqual([
      'repeat-tier',
      '2',
      say('segments.ready'),
      expect.any(String),
    ]);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'en-segments');

    // Delete, with confirmation (Cancel first changes nothing).
    await page.getByRole('link', { name: 'Repeat gold and silver' }).click();
    await page.getByRole('button', { name: say('segments.delete') }).click();
    const dialog = page.getByRole('dialog', {
      name: say('segments.deleteConfirmTitle', { name: 'Repeat gold and silver' }),
    });
    await dialog.getByRole('button', { name: say('common.cancel') }).click();
    expect((await f.api('GET', `/v1/segments/${id}`, TEST_ADMIN_KEY)).status).toBe(200);
    await page.getByRole('button', { name: say('segments.delete') }).click();
    await dialog.getByRole('button', { name: say('segments.deleteConfirm') }).click();
    await page.getByText(say('segments.empty')).waitFor();
    expect((await f.api('GET', `/v1/segments/${id}`, TEST_ADMIN_KEY)).status).toBe(404);
    expect(problems).toEqual([]);
  });

  it('reads in Japanese', async () => {
    const say = (key: Parameters<typeof text>[1], values?: Record<string, string | number>) => text('ja', key, values);
    const created = await f.api<{ id: string }>('POST', '/v1/segments', TEST_ADMIN_KEY, {
      key: 'lapsed-gold',
      name: 'ご無沙汰のゴールド会員',
      rule: {
        all: [
          { field: 'attributes.tier', op: 'eq', value: 'gold' },
          { field: 'stats.lastOrderAt', op: 'notWithin', value: { cycles: 2, fallback: 'P90D', atLeast: 'P14D' } },
          { not: { event: 'email.clicked', within: 'P30D', atLeast: 1 } },
        ],
      },
    });
    expect(created.status).toBe(201);
    const { page, problems } = await signIn('/segments', 'ja');
    await page.getByRole('link', { name: 'ご無沙汰のゴールド会員' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ja-segments');
    await page.getByRole('link', { name: 'ご無沙汰のゴールド会員' }).click();
    // Gold: c-1, c-2, c-3. c-1 ordered twice just now (its window: 2 cycles, at least 14 days) and
    // c-2 once (fallback 90 days): both recent. c-3 never ordered: lapsed. Nobody clicked: 1 of 5.
    await page.getByText(say('segments.previewCount', { matched: 1, evaluated: 5 })).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ja-segment-editor');
    expect(problems).toEqual([]);
  });
});
