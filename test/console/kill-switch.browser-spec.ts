import { ConsoleUserService, Role } from '@kizuna/auth';
import type { Browser } from 'playwright-core';
import { EmailFixtures } from '../support/email-fixtures';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/test-app';
import { launchChromium, openConsole, screenshot, seriousAccessibilityViolations, text } from './browser';

const PASSWORD = 'correct horse battery';
const say = (key: Parameters<typeof text>[1], values?: Record<string, string | number>) => text('en', key, values);

/** Ops in the console: the kill switch stops delivery in the workers, and resuming sends what waited. */
describe('the kill switch in a browser', () => {
  let t: TestApp;
  let sink: SmtpSink;
  let browser: Browser;
  let f: EmailFixtures;

  beforeAll(async () => {
    sink = await SmtpSink.start();
    [t, browser] = await Promise.all([
      startTestApp({ env: { SMTP_URL: sink.url, MAIL_FROM: 'shop@example.test' } }),
      launchChromium(),
    ]);
    f = new EmailFixtures(t, TEST_ADMIN_KEY, TEST_ADMIN_KEY);
    await f.template({
      key: 'welcome',
      defaultLocale: 'en',
      variants: { en: { subject: 'Welcome', html: '<p>Hi</p>' } },
    });
    await t.app.get(ConsoleUserService).create({ email: 'ops@shop.test', role: Role.Ops, password: PASSWORD }, 'test');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.close();
  });

  it('pauses sending with confirmation, holds a queued message, and sends it on resume', async () => {
    const { page, problems } = await openConsole(browser, t.baseUrl, '/sending');
    await page.getByLabel(say('signIn.email')).fill('ops@shop.test');
    await page.getByLabel(say('signIn.password')).fill(PASSWORD);
    await page.getByRole('button', { name: say('signIn.submit') }).click();
    // Back on the page that asked for sign-in.
    await page.getByRole('heading', { level: 1, name: say('sending.title') }).waitFor();
    await page.getByText(say('sending.on'), { exact: true }).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await page.getByRole('button', { name: say('sending.pause') }).click();
    const confirm = page.getByRole('dialog', { name: say('sending.pauseConfirmTitle') });
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    // Cancel changes nothing.
    await confirm.getByRole('button', { name: say('common.cancel') }).click();
    await expect(confirm.isVisible()).resolves.toBe(false);
    expect((await f.api<{ paused: boolean }>('GET', '/v1/sending', TEST_ADMIN_KEY)).body.paused).toBe(false);

    await page.getByRole('button', { name: say('sending.pause') }).click();
    await confirm.getByLabel(say('sending.pauseReason')).fill('wrong coupon in the campaign');
    await confirm.getByRole('button', { name: say('sending.pauseConfirm') }).click();
    await page.getByText(say('sending.paused'), { exact: true }).waitFor();
    await page.getByText(say('sending.reason', { reason: 'wrong coupon in the campaign' })).waitFor();
    await screenshot(page, 'en-sending-paused');
    expect((await f.api('GET', '/v1/sending', TEST_ADMIN_KEY)).body).toMatchObject({
      paused: true,
      reason: 'wrong coupon in the campaign',
      changedBy: 'user:ops@shop.test',
    });

    // A message queued while paused stays queued: the workers poll every 100 ms, give them 10 rounds.
    const customer = await f.customer('c-kill', 'kill@example.test');
    const id = await f.enqueue(customer, 'welcome', {});
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect((await f.message(id)).status).toBe('queued');
    expect(sink.to('kill@example.test')).toHaveLength(0);

    await page.getByRole('button', { name: say('sending.resume') }).click();
    await page
      .getByRole('dialog', { name: say('sending.resumeConfirmTitle') })
      .getByRole('button', { name: say('sending.resumeConfirm') })
      .click();
    await page.getByText(say('sending.on'), { exact: true }).waitFor();
    await f.settled(id, ['sent']);
    expect(sink.to('kill@example.test')).toHaveLength(1);
    expect(problems).toEqual([]);
  });

  it('has an accessibility check that finds what it should', async () => {
    // The check above could pass by checking nothing: it must see a plain violation.
    const { page } = await openConsole(browser, t.baseUrl, '/sign-in');
    await page.getByRole('heading', { name: say('signIn.title') }).waitFor();
    await page.evaluate(`document.querySelector('form').append(document.createElement('input'))`);
    expect((await seriousAccessibilityViolations(page)).map((v) => v.id)).toContain('label');
  });
});
