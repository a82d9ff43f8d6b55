import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ConsoleUserService, Role } from '@kizuna/auth';
import { parse as parseYaml } from 'yaml';
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

  const signIn = async (path: string, email = 'marketer@shop.test'): Promise<{ page: Page; problems: string[] }> => {
    const { page, problems } = await openConsole(browser, t.baseUrl, path);
    await page.getByLabel(say('signIn.email')).fill(email);
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
    await t.app.get(ConsoleUserService).create({ email: 'ops@shop.test', role: Role.Ops, password: PASSWORD }, 'test');
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
    // entered 3 (three checkouts), in now 3 (all wait a day), version 1, published; no email
    // sent in the last 30 days: no conversion rate (0 of 0), $0.00 revenue (it loads second).
    await row.getByRole('cell', { name: '$0.00' }).waitFor();
    await expect(row.getByRole('cell').allInnerTexts()).resolves.toEqual([
      say('journeys.status.active'),
      '1',
      '3',
      '3',
      '—',
      '$0.00',
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

  it('lists the customers resting in a step a keyset page at a time, for marketers and ops', async () => {
    const id = await publishedJourney({
      name: 'Paging through a step',
      entry: { event: 'checkout.started', key: 'cartId' },
      steps: [{ id: 'rest', type: 'wait', duration: 'P1D' }],
    });
    for (const cart of ['P1', 'P2', 'P3']) {
      await ingest({ name: 'checkout.started', customerId: `c-page-${cart}`, properties: { cartId: cart, items: [] } });
    }
    await waitFor(
      async () =>
        (await api<{ currentlyIn: number }>('GET', `/v1/journeys/${id}/counts`)).body.currentlyIn === 3
          ? true
          : undefined,
      15_000,
      'three waiting',
    );
    type Page = { customers: Array<{ customerId: string; instanceKey: string }>; nextCursor: string | null };
    const first = await api<Page>('GET', `/v1/journeys/${id}/steps/rest/customers?limit=2`);
    expect(first.status).toBe(200);
    expect(first.body.customers).toHaveLength(2);
    expect(first.body.nextCursor).toEqual(expect.any(String));
    const opsKey = await t.keyFor(Role.Ops);
    const second = await fetch(
      `${t.baseUrl}/v1/journeys/${id}/steps/rest/customers?limit=2&cursor=${first.body.nextCursor}`,
      { headers: { authorization: `Bearer ${opsKey}` } },
    );
    expect(second.status).toBe(200);
    const rest = (await second.json()) as Page;
    expect(rest.nextCursor).toBeNull();
    // Three carts, each listed once across the two pages.
    expect([...first.body.customers, ...rest.customers].map((c) => c.instanceKey).sort()).toEqual(['P1', 'P2', 'P3']);
    expect([...first.body.customers, ...rest.customers].map((c) => c.customerId).sort()).toEqual([
      'c-page-P1',
      'c-page-P2',
      'c-page-P3',
    ]);
    expect((await api<Page>('GET', `/v1/journeys/${id}/steps/other/customers`)).body).toEqual({
      customers: [],
      nextCursor: null,
    });
    const bad = await api<{ code: string }>('GET', `/v1/journeys/${id}/steps/rest/customers?cursor=nonsense`);
    expect({ status: bad.status, code: bad.body.code }).toEqual({ status: 400, code: 'INVALID_JOURNEY_CURSOR' });
    const badLimit = await api<{ code: string; message: string }>(
      'GET',
      `/v1/journeys/${id}/steps/rest/customers?limit=0`,
    );
    expect(badLimit.status).toBe(400);
    expect(badLimit.body.message).toContain('limit');
    expect((await api('GET', `/v1/journeys/${id}/steps/${'x'.repeat(65)}/customers`)).status).toBe(400);
    expect((await api('GET', `/v1/journeys/00000000-0000-4000-8000-000000000000/steps/rest/customers`)).status).toBe(
      404,
    );
  });

  it('draws a journey with live numbers that move as events arrive, lists who is in a step, pauses, resumes and diffs versions', async () => {
    const definition = {
      name: 'Order watch',
      entry: { event: 'checkout.started', key: 'cartId' },
      exit: [],
      steps: [
        {
          id: 'wait-order',
          type: 'waitForEvent',
          event: 'order.placed',
          sameKey: 'cartId',
          timeout: 'P1D',
          onEvent: 'done',
          onTimeout: 'remind',
        },
        { id: 'remind', type: 'send', template: 'cart-reminder-1', category: 'marketing' },
        { id: 'done', type: 'exit' },
      ],
    };
    const id = await publishedJourney(definition);
    const { page, problems } = await signIn(`/journeys/${id}`);
    await page.getByRole('heading', { level: 1, name: 'Order watch' }).waitFor();
    const waitNode = page.getByRole('group', { name: `${say('step.waitForEvent')} wait-order` });
    const doneNode = page.getByRole('group', { name: `${say('step.exit')} done` });
    await waitNode.getByText(say('journey.stepWaiting', { count: 0 })).waitFor();

    // Two carts start checkout: both wait for their order (entered 2, waiting 2).
    await ingest({ name: 'checkout.started', customerId: 'c-canvas-1', properties: { cartId: 'X', items: [] } });
    await ingest({ name: 'checkout.started', customerId: 'c-canvas-2', properties: { cartId: 'Y', items: [] } });
    await waitNode.getByText(say('journey.stepEntered', { count: 2 })).waitFor({ timeout: 20_000 });
    await waitNode.getByText(say('journey.stepWaiting', { count: 2 })).waitFor({ timeout: 20_000 });
    // Cart X's order: X leaves wait-order for done (wait-order: entered 2, waiting 1; done: entered 1, waiting 0).
    await ingest({
      name: 'order.placed',
      customerId: 'c-canvas-1',
      properties: { cartId: 'X', orderId: 'o-x', total: 20, currency: 'USD', items: [] },
    });
    await waitNode.getByText(say('journey.stepWaiting', { count: 1 })).waitFor({ timeout: 20_000 });
    await doneNode.getByText(say('journey.stepEntered', { count: 1 })).waitFor({ timeout: 20_000 });
    // The totals come from the same answer: entered 2, in now 1 (Y waits), goal 0, exited 1 (X, at done).
    const totals = await page.getByRole('region', { name: say('journey.totals') }).innerText();
    expect(totals).toContain(`${say('journey.entered')}\n2\n${say('journey.inNow')}\n1\n`);
    expect(totals).toMatch(new RegExp(`${say('journey.exited')}\\n1$`));

    // Who waits in wait-order now: customer c-canvas-2 with cart Y.
    await page.getByRole('button', { name: new RegExp(`wait-order`) }).click();
    const panel = page.getByRole('region', { name: say('journey.stepPanel', { step: 'wait-order' }) });
    const rows = panel.getByRole('row');
    await rows.nth(1).waitFor();
    await expect(rows.count()).resolves.toBe(2);
    await expect(rows.nth(1).innerText()).resolves.toContain('c-canvas-2');
    await expect(rows.nth(1).innerText()).resolves.toContain('Y');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 1150 });
    await screenshot(page, 'en-journey-canvas');

    // Pause with confirmation (cancel first changes nothing), then resume.
    await page.getByRole('button', { name: say('journey.pause'), exact: true }).click();
    const pauseDialog = page.getByRole('dialog', { name: say('journey.pauseTitle') });
    await pauseDialog.getByRole('button', { name: say('common.cancel') }).click();
    expect((await api<{ status: string }>('GET', `/v1/journeys/${id}`)).body.status).toBe('active');
    await page.getByRole('button', { name: say('journey.pause'), exact: true }).click();
    await pauseDialog.getByRole('button', { name: say('journey.pause') }).click();
    await page.locator('.journey-meta').getByText(say('journeys.status.paused'), { exact: true }).waitFor();
    expect((await api<{ status: string }>('GET', `/v1/journeys/${id}`)).body.status).toBe('paused');
    await page.getByRole('button', { name: say('journey.resume'), exact: true }).click();
    await page
      .getByRole('dialog', { name: say('journey.resumeTitle') })
      .getByRole('button', { name: say('journey.resume') })
      .click();
    await page.locator('.journey-meta').getByText(say('journeys.status.active'), { exact: true }).waitFor();

    // A second version with a longer timeout: the diff shows the one changed line.
    expect(
      (
        await api('PUT', `/v1/journeys/${id}`, {
          ...definition,
          steps: [{ ...definition.steps[0], timeout: 'P2D' }, ...definition.steps.slice(1)],
        })
      ).status,
    ).toBe(200);
    await page.reload();
    const diff = page.getByLabel(say('journey.diffTitle', { from: 1, to: 2 }));
    await diff.waitFor();
    const lines = (await diff.innerText()).split('\n');
    expect(lines.filter((l) => l.startsWith('− ') || l.startsWith('+ '))).toEqual([
      '−     timeout: P1D',
      '+     timeout: P2D',
    ]);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('lets ops read a journey and hold it (pause, resume), but not edit, simulate or archive it', async () => {
    const id = await publishedJourney({
      name: 'Ops can hold this',
      entry: { event: 'checkout.started', key: 'cartId' },
      steps: [{ id: 'hold', type: 'wait', duration: 'P1D' }],
    });
    const { page, problems } = await signIn('/journeys', 'ops@shop.test');
    await page.getByRole('heading', { level: 1, name: say('journeys.title') }).waitFor();
    await page.getByRole('link', { name: 'Ops can hold this' }).waitFor();
    await expect(page.getByRole('link', { name: say('journeys.new') }).count()).resolves.toBe(0);
    await page.getByRole('link', { name: 'Ops can hold this' }).click();
    await page.getByRole('heading', { level: 1, name: 'Ops can hold this' }).waitFor();
    // Pause and resume only: the rest is marketers' work.
    await page.getByRole('button', { name: say('journey.pause'), exact: true }).click();
    await page
      .getByRole('dialog', { name: say('journey.pauseTitle') })
      .getByRole('button', { name: say('journey.pause') })
      .click();
    await page.locator('.journey-meta').getByText(say('journeys.status.paused'), { exact: true }).waitFor();
    expect((await api<{ status: string }>('GET', `/v1/journeys/${id}`)).body.status).toBe('paused');
    for (const action of ['journey.edit', 'journey.simulate', 'journey.archive'] as const) {
      await expect(page.getByRole('link', { name: say(action) }).count()).resolves.toBe(0);
      await expect(page.getByRole('button', { name: say(action) }).count()).resolves.toBe(0);
    }
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    // The editor, typed into the address bar: who may use it, before anything is typed.
    await page.goto(`/journeys/${id}/edit`);
    await page.getByRole('heading', { name: say('forbidden.title') }).waitFor();
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('builds the cart-abandonment journey on the canvas from nothing, points at a bad step, and publishes it', async () => {
    const { page, problems } = await signIn('/journeys/new');
    await page.getByRole('heading', { level: 1, name: say('editor.newTitle') }).waitFor();
    const add = (type: Parameters<typeof say>[0]) =>
      page.getByRole('button', { name: say('editor.add', { type: say(type) }), exact: true }).click();
    const field = (key: Parameters<typeof say>[0], values?: Record<string, string | number>) =>
      page.getByLabel(say(key, values), { exact: true });
    const node = (type: Parameters<typeof say>[0], id: string) =>
      page.getByRole('group', { name: `${say(type)} ${id}` });

    await field('editor.name').fill('Cart abandonment');
    await field('editor.entryEvents').fill('checkout.started, cart.updated');
    await field('editor.entryKey').fill('cartId');
    // Exit when the cart's order arrives; the goal is that order within 7 days of a message.
    await page.getByRole('button', { name: say('editor.addExit') }).click();
    await field('editor.exitEvent', { n: 1 }).fill('order.placed');
    await field('editor.exitSameKey', { n: 1 }).fill('cartId');
    await field('editor.goalEvent').fill('order.placed');
    await field('editor.goalWithin').fill('P7D');
    await field('editor.goalAfter').selectOption('message');
    await field('editor.goalSameKey').fill('cartId');

    // The first step, with a duration the compiler refuses: the error is pinned to that step.
    await add('step.wait');
    await field('editor.stepId').fill('grace');
    await field('editor.duration').fill('1 hour');
    await node('step.wait', 'grace').getByText('duration: invalid duration "1 hour"', { exact: false }).waitFor();
    await page.getByText(say('editor.problemCount', { count: 1 })).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 1100 });
    await screenshot(page, 'en-journey-editor-problem');
    await field('editor.duration').fill('PT1H');

    // Each new step is linked after the selected one.
    await add('step.send');
    await field('editor.stepId').fill('reminder-1');
    await field('editor.templateKey').selectOption('cart-reminder-1');
    await add('step.wait');
    await field('editor.stepId').fill('wait-second');
    await field('editor.duration').fill('P1D');
    await add('step.send');
    await field('editor.stepId').fill('reminder-2');
    await field('editor.templateKey').selectOption('cart-reminder-2');
    await add('step.wait');
    await field('editor.stepId').fill('wait-incentive');
    await field('editor.duration').fill('P2D');
    await add('step.branch');
    await field('editor.stepId').fill('big-cart');
    // Its condition in the builder: the cart's total (an event property) at least 100.
    const when = page.getByRole('group', { name: say('editor.branchWhen', { n: 1 }) });
    await when.getByLabel(say('rules.subject', { n: 1 })).selectOption('event');
    await when.getByLabel(say('rules.path.event', { n: 1 })).fill('total');
    await when.getByLabel(say('rules.operator', { n: 1 })).selectOption('gte');
    await when.getByLabel(say('rules.value', { n: 1 }), { exact: true }).fill('100');
    await screenshot(page, 'en-journey-editor-condition');
    // Its first way out (the condition) gets the incentive; the next one (otherwise) the exit.
    await add('step.send');
    await field('editor.stepId').fill('incentive');
    await field('editor.templateKey').selectOption('cart-incentive');
    await page.getByRole('button', { name: `${say('step.branch')} big-cart`, exact: true }).click();
    await add('step.exit');
    await field('editor.stepId').fill('done');
    await page.getByText(say('editor.valid')).waitFor();

    // The YAML follows the canvas, and the canvas follows the YAML.
    const yaml = page.getByRole('textbox', { name: say('editor.yaml'), exact: true });
    await expect(yaml.inputValue()).resolves.toContain('template: cart-reminder-2');
    await yaml.fill((await yaml.inputValue()).replace('duration: P2D', 'duration: P3D'));
    await node('step.wait', 'wait-incentive')
      .getByText(say('step.summary.duration', { duration: 'P3D' }))
      .waitFor();
    await yaml.fill((await yaml.inputValue()).replace('duration: P3D', 'duration: P2D'));
    await node('step.wait', 'wait-incentive')
      .getByText(say('step.summary.duration', { duration: 'P2D' }))
      .waitFor();
    await page.getByText(say('editor.valid')).waitFor();

    await page.getByRole('button', { name: say('editor.save') }).click();
    await page.getByText(say('editor.saved', { version: 1 })).waitFor();
    await page.waitForURL(/\/journeys\/[0-9a-f-]{36}\/edit$/);
    const id = /\/journeys\/([0-9a-f-]{36})\/edit$/.exec(page.url())![1]!;
    await page.getByRole('button', { name: say('editor.publish') }).click();
    await page
      .getByRole('dialog', { name: say('editor.publishTitle', { version: 1 }) })
      .getByRole('button', { name: say('editor.publish') })
      .click();
    await page.getByText(say('editor.published', { version: 1 })).waitFor();

    // What was built is the reference cart journey (config/reference), step for step, as the compiler reads both.
    const reference = parseYaml(
      readFileSync(
        path.join(__dirname, '..', '..', 'config', 'reference', 'journeys', 'cart-abandonment.yaml'),
        'utf8',
      ),
    ) as Record<string, unknown>;
    type Definition = Record<string, unknown> & { description?: string };
    const expected = (await api<{ definition: Definition }>('POST', '/v1/journeys/validate', reference)).body
      .definition;
    const saved = await api<{ status: string; versions: Array<{ definition: Definition }> }>(
      'GET',
      `/v1/journeys/${id}`,
    );
    expect(saved.body.status).toBe('active');
    const { description: _described, ...withoutDescription } = expected;
    expect(saved.body.versions[0]!.definition).toEqual(withoutDescription);
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('simulates a customer and a timeline, drawing the path with virtual times and rendered subjects', async () => {
    const id = await publishedJourney({
      name: 'Simulated cart',
      entry: { event: 'checkout.started', key: 'cartId' },
      exit: [{ event: 'order.placed', sameKey: 'cartId' }],
      steps: [
        { id: 'grace', type: 'wait', duration: 'PT1H', next: 'reminder' },
        { id: 'reminder', type: 'send', template: 'cart-reminder-1', category: 'marketing', next: 'big-cart' },
        {
          id: 'big-cart',
          type: 'branch',
          branches: [{ when: { property: 'total', op: 'gte', value: 100 }, next: 'incentive' }],
          otherwise: 'done',
        },
        { id: 'incentive', type: 'send', template: 'cart-incentive', category: 'marketing' },
        { id: 'done', type: 'exit' },
      ],
    });
    // A real customer, Aiko, for the simulation by id.
    await ingest({
      name: 'cart.updated',
      customerId: 'c-sim',
      traits: { email: 'aiko@example.test', firstName: 'Aiko' },
      properties: { cartId: 'S', items: [] },
    });
    await waitFor(
      async () => ((await api('GET', '/v1/customers/c-sim')).status === 200 ? true : undefined),
      15_000,
      'customer c-sim',
    );
    const { page, problems } = await signIn(`/journeys/${id}/simulate`);
    await page.getByRole('heading', { level: 1, name: say('sim.title', { name: 'Simulated cart' }) }).waitFor();
    await page.getByLabel(say('sim.eventAt', { n: 1 })).fill('2026-03-02T09:00:00.000Z');
    await page.getByLabel(say('sim.eventProps', { n: 1 })).fill('{ cartId: A, total: 120, items: [] }');
    await page.getByRole('button', { name: say('sim.run') }).click();
    const pathTable = page.getByRole('region', { name: say('sim.path') }).getByRole('table');
    await pathTable.waitFor();
    const rows = await pathTable.getByRole('row').allInnerTexts();
    const what = rows.slice(1).map((r) => r.split('\t')[1]);
    // Total 120 >= 100: grace (1 h), the reminder, big-cart, the incentive, then the journey completes.
    expect(what).toEqual([
      say('sim.kind.entered', { trigger: 'checkout.started' }),
      say('sim.kind.step', { step: 'grace' }),
      say('sim.kind.step', { step: 'reminder' }),
      say('sim.kind.message', { step: 'reminder' }),
      say('sim.kind.step', { step: 'big-cart' }),
      say('sim.kind.step', { step: 'incentive' }),
      say('sim.kind.message', { step: 'incentive' }),
      say('sim.kind.exited', { reason: 'completed' }),
    ]);
    // Virtual times: the reminder an hour after the 09:00 checkout, not at the moment of the run.
    const at = rows.slice(1).map((r) => r.split('\t')[0]);
    expect(at[0]).toBe(at[1]);
    expect(at[2]).not.toBe(at[0]);
    expect(at[2]).toMatch(/2026/);
    // The subjects as the templates render them (createEmailTemplates: "<key> for {{default customer.firstName "you"}}").
    expect(rows.filter((r) => r.includes(say('sim.subject', { subject: '' })))).toEqual([
      expect.stringContaining(say('sim.subject', { subject: 'cart-reminder-1 for you' })),
      expect.stringContaining(say('sim.subject', { subject: 'cart-incentive for you' })),
    ]);
    // On the canvas: the steps taken are marked, "done" (not taken) is not.
    const canvas = page.getByRole('group', { name: say('journey.canvas') });
    await expect(
      canvas.getByRole('group', { name: `${say('step.send')} incentive` }).getAttribute('class'),
    ).resolves.toBeTruthy();
    const taken = await page.evaluate(
      `[...document.querySelectorAll('.step-node.is-visited')].map((n) => n.closest('[data-id]').dataset.id)`,
    );
    expect(taken).toEqual(expect.arrayContaining(['grace', 'reminder', 'big-cart', 'incentive']));
    expect(taken).not.toContain('done');
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 1300 });
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'en-journey-simulator');

    // A real customer by id: their profile personalises the subjects; an unknown id is refused.
    await page.getByLabel(say('sim.useReal')).check();
    await page.getByLabel(say('sim.customerId')).fill('c-sim');
    await page.getByRole('button', { name: say('sim.run') }).click();
    await pathTable.getByText(say('sim.subject', { subject: 'cart-reminder-1 for Aiko' })).waitFor();
    await page.getByLabel(say('sim.customerId')).fill('nobody-here');
    await page.getByRole('button', { name: say('sim.run') }).click();
    await page.getByRole('alert').waitFor();
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('reads in Japanese: the list, the canvas, the editor and the simulator, with no serious accessibility violation', async () => {
    const ja = (key: Parameters<typeof text>[1], values?: Record<string, string | number>) => text('ja', key, values);
    const id = await publishedJourney({
      name: 'カゴ落ちリマインド',
      entry: { event: 'checkout.started', key: 'cartId' },
      steps: [
        { id: 'grace', type: 'wait', duration: 'PT1H', next: 'reminder' },
        { id: 'reminder', type: 'send', template: 'cart-reminder-1', category: 'marketing' },
      ],
    });
    const { page, problems } = await signIn('/journeys');
    await page.getByRole('heading', { level: 1, name: say('journeys.title') }).waitFor();
    await page.getByLabel('Language').selectOption('ja');
    // A literal Japanese heading: the page cannot pass by showing English.
    await page.getByRole('heading', { level: 1, name: 'ジャーニー' }).waitFor();
    await page.getByRole('link', { name: 'カゴ落ちリマインド' }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ja-journeys-list');

    await page.getByRole('link', { name: 'カゴ落ちリマインド' }).click();
    await page.getByRole('group', { name: `${ja('step.send')} reminder` }).waitFor();
    await page.getByRole('button', { name: ja('journey.pause'), exact: true }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 1280, height: 1150 });
    await screenshot(page, 'ja-journey-canvas');

    await page.getByRole('link', { name: ja('journey.edit') }).click();
    await page
      .getByRole('heading', { level: 1, name: ja('editor.editTitle', { name: 'カゴ落ちリマインド' }) })
      .waitFor();
    await page.getByRole('button', { name: `${ja('step.wait')} grace`, exact: true }).click();
    await page.getByText(ja('editor.valid')).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ja-journey-editor');

    await page.goto(`/journeys/${id}/simulate`);
    await page.getByRole('button', { name: ja('sim.run') }).click();
    await page.getByRole('region', { name: ja('sim.path') }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await page.evaluate('window.scrollTo(0, 0)');
    await screenshot(page, 'ja-journey-simulator');
    expect(problems).toEqual([]);
    await page.context().close();
  });
});
