import { ConsoleUserService, Role } from '@kizuna/auth';
import type { Browser, Page } from 'playwright-core';
import { createEmailTemplates } from '../support/email-templates';
import { startTestApp, waitFor, type TestApp } from '../support/test-app';
import { launchChromium, openConsole, screenshot, seriousAccessibilityViolations, text } from './browser';

const PASSWORD = 'correct horse battery';
const say = (key: Parameters<typeof text>[1], values?: Record<string, string | number>) => text('en', key, values);

/**
 * Marketers' journeys screens in a real browser on the real engine: the list, the canvas with
 * live numbers, the editor (building the cart journey from nothing), the simulator.
 */
describe('journeys in a browser', () => {
  let t: TestApp;
  let browser: Browser;
  let marketerKey: string;
  let ingestKey: string;
  let events = 0;

  const api = async <T>(method: string, url: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${t.baseUrl}${url}`, {
      method,
      headers: { authorization: `Bearer ${marketerKey}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: (await res.json()) as T };
  };

  const ingest = async (event: Record<string, unknown>) => {
    const res = await fetch(`${t.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ingestKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ messageId: `journeys-browser-${++events}`, ...event }),
    });
    expect({ status: res.status, body: res.status === 202 ? '' : await res.text() }).toEqual({ status: 202, body: '' });
  };

  /** A published journey made over the API, for the screens that show one. */
  const publishedJourney = async (definition: Record<string, unknown>): Promise<string> => {
    const created = await api<{ id: string }>('POST', '/v1/journeys', definition);
    expect(created.status).toBe(201);
    expect((await api('POST', `/v1/journeys/${created.body.id}/publish`, {})).status).toBe(200);
    return created.body.id;
  };

  const signIn = async (path: string): Promise<{ page: Page; problems: string[] }> => {
    const { page, problems } = await openConsole(browser, t.baseUrl, path);
    await page.getByLabel(say('signIn.email')).fill('marketer@shop.test');
    await page.getByLabel(say('signIn.password')).fill(PASSWORD);
    await page.getByRole('button', { name: say('signIn.submit') }).click();
    return { page, problems };
  };

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp(), launchChromium()]);
    marketerKey = await t.keyFor(Role.Marketer);
    ingestKey = await t.keyFor(Role.Ingest);
    await createEmailTemplates(t.baseUrl, marketerKey, ['cart-reminder-1', 'cart-reminder-2', 'cart-incentive']);
    await t.app
      .get(ConsoleUserService)
      .create({ email: 'marketer@shop.test', role: Role.Marketer, password: PASSWORD }, 'test');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('lists journeys with their live counts, filters and sorts them, and copes with a thousand and long names', async () => {
    const longName = `Spring sale follow-up for customers who bought twice ${'and then some more '.repeat(6)}`.trim();
    const id = await publishedJourney({
      name: longName,
      entry: { event: 'checkout.started', key: 'cartId' },
      steps: [{ id: 'hold', type: 'wait', duration: 'P1D' }],
    });
    // Two carts of one customer and one of another: three entries, all three waiting in "hold".
    for (const [customer, cart] of [
      ['c-list-1', 'A'],
      ['c-list-1', 'B'],
      ['c-list-2', 'C'],
    ]) {
      await ingest({
        name: 'checkout.started',
        customerId: customer,
        properties: { cartId: cart, total: 10, items: [] },
      });
    }
    await waitFor(
      async () =>
        (await api<{ currentlyIn: number }>('GET', `/v1/journeys/${id}/counts`)).body.currentlyIn === 3
          ? true
          : undefined,
      15_000,
      'three instances',
    );
    // A thousand more journeys, straight into the table (the list is one request whatever their number).
    await t.db.query(
      `INSERT INTO journeys (name, status) SELECT 'Bulk journey ' || lpad(n::text, 4, '0'), 'draft' FROM generate_series(1, 1000) n`,
    );

    const { page, problems } = await signIn('/journeys');
    await page.getByRole('heading', { level: 1, name: say('journeys.title') }).waitFor();
    await page.getByText(say('journeys.count', { shown: 1001, total: 1001 })).waitFor();
    const row = page.getByRole('row', { name: new RegExp(`^${longName.slice(0, 40)}`) });
    // entered 3 (three checkouts), in now 3 (all wait a day), version 1, published.
    await expect(row.getByRole('cell').allInnerTexts()).resolves.toEqual([
      say('journeys.status.active'),
      '1',
      '3',
      '3',
      '—',
      '—',
      expect.any(String),
    ]);
    // The long name is cut with an ellipsis, and given whole as the link's title.
    const link = row.getByRole('link');
    await expect(link.getAttribute('title')).resolves.toBe(longName);
    const box = await link.boundingBox();
    expect(box!.width).toBeLessThan(400);

    await page.getByLabel(say('journeys.filter')).fill('bulk journey 099');
    // 0990 ... 0999: ten journeys.
    await page.getByText(say('journeys.count', { shown: 10, total: 1001 })).waitFor();
    await page.getByRole('button', { name: say('journeys.col.name') }).click();
    await expect(page.locator('tbody th').first().innerText()).resolves.toBe('Bulk journey 0990');
    await page.getByRole('button', { name: say('journeys.col.name') }).click();
    await expect(page.locator('tbody th').first().innerText()).resolves.toBe('Bulk journey 0999');
    await page.getByLabel(say('journeys.filter')).fill('');
    await page.getByLabel(say('journeys.statusFilter')).selectOption('active');
    await page.getByText(say('journeys.count', { shown: 1, total: 1001 })).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.getByLabel(say('journeys.statusFilter')).selectOption('');
    await screenshot(page, 'en-journeys-list');
    expect(problems).toEqual([]);
    await page.context().close();
    await t.db.query(`DELETE FROM journeys WHERE name LIKE 'Bulk journey %'`);
  });
});
