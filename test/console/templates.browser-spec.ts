import { ConsoleUserService, Role } from '@kizuna/auth';
import type { Browser, Page } from 'playwright-core';
import type { Language } from '../../apps/console/src/i18n/catalog';
import { EmailFixtures } from '../support/email-fixtures';
import { SmtpSink } from '../support/smtp-sink';
import { startTestApp, TEST_ADMIN_KEY, type TestApp } from '../support/test-app';
import { launchChromium, openConsole, screenshot, seriousAccessibilityViolations, text } from './browser';

const PASSWORD = 'correct horse battery';

/**
 * A marketer edits a template in the console: the preview, rendered by the API for a real
 * customer, follows the typing; a Handlebars mistake is pointed at; saving makes a version; a
 * test send arrives at a real SMTP server. Ops may read, not change.
 */
describe('templates in a browser', () => {
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
      key: 'frame',
      kind: 'layout',
      description: 'Brand frame',
      defaultLocale: 'en',
      variants: { en: { html: '<div class="frame">{{{body}}}</div>' } },
    });
    await f.template({
      key: 'welcome',
      description: 'Welcome, first email after sign-up',
      defaultLocale: 'en',
      layout: 'frame',
      variants: {
        en: { subject: 'Welcome, {{customer.firstName}}', html: '<p>Hello {{customer.firstName}}</p>' },
        ja: { subject: 'ようこそ、{{customer.firstName}}様', html: '<p>{{customer.firstName}}様、こんにちは</p>' },
      },
    });
    await f.customer('c-aiko', 'aiko@example.test', { firstName: 'Aiko', locale: 'ja' });
    const users = t.app.get(ConsoleUserService);
    await users.create({ email: 'mia@shop.test', role: Role.Marketer, password: PASSWORD }, 'test');
    await users.create({ email: 'oz@shop.test', role: Role.Ops, password: PASSWORD }, 'test');
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
    await sink?.close();
  });

  async function signIn(email: string, path: string, language: Language = 'en') {
    const opened = await openConsole(browser, t.baseUrl, path);
    if (language === 'ja') {
      await opened.page.getByLabel('Language').selectOption('ja');
    }
    await opened.page.getByLabel(text(language, 'signIn.email')).fill(email);
    await opened.page.getByLabel(text(language, 'signIn.password')).fill(PASSWORD);
    await opened.page.getByRole('button', { name: text(language, 'signIn.submit') }).click();
    return opened;
  }

  /** The rendered email in the sandboxed frame, as the page shows it. */
  const frameText = (page: Page, language: Language = 'en') =>
    page
      .frameLocator(`iframe[title="${text(language, 'editor.previewFrame', { customer: 'c-aiko' })}"]`)
      .locator('body');

  it('previews as you type, points at a syntax error, saves a version, and test-sends to a real SMTP server', async () => {
    const say = (key: Parameters<typeof text>[1], values?: Record<string, string | number>) => text('en', key, values);
    const { page, problems } = await signIn('mia@shop.test', '/templates');
    await page.getByRole('heading', { level: 1, name: say('templates.title') }).waitFor();
    const row = page.getByRole('row', { name: /welcome/ });
    await row.getByRole('cell', { name: 'Welcome, first email after sign-up' }).waitFor();
    expect(await row.getByRole('cell').allInnerTexts()).toEqual([
      'Welcome, first email after sign-up',
      'enja',
      say('templates.version', { version: 1 }),
      expect.any(String),
    ]);
    // Layouts are listed apart.
    await page.getByRole('button', { name: new RegExp(say('templates.kind.layout')) }).click();
    await page.getByRole('link', { name: 'frame' }).waitFor();
    await page.getByRole('button', { name: new RegExp(say('templates.kind.email')) }).click();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'en-templates');

    await page.getByRole('link', { name: 'welcome' }).click();
    await page.getByRole('heading', { level: 1, name: say('editor.title', { key: 'welcome' }) }).waitFor();
    await page.getByLabel(say('editor.previewCustomer')).fill('c-aiko');
    // Aiko reads Japanese, but the English tab previews the English version, inside the layout.
    await frameText(page).getByText('Hello Aiko').waitFor();
    expect(await frameText(page).locator('div.frame p').innerText()).toBe('Hello Aiko');
    await page.getByText(say('editor.previewSubject', { subject: 'Welcome, Aiko' })).waitFor();

    const html = page.getByLabel(say('editor.html'));
    await html.fill('<p>Hello {{customer.firstName}},</p>\n<p>Your first order ships free.</p>');
    await frameText(page).getByText('Your first order ships free.').waitFor();

    // A block that never closes: the API names the spot (line 2 has 30 characters; the {{/if}} was
    // expected after them, at column 31) and the page shows it at the field.
    await html.fill('<p>Hello {{customer.firstName}},</p>\n<p>{{#if customer.vip}}VIP</p>');
    const alert = page.getByRole('alert').filter({ hasText: say('editor.syntaxTitle') });
    await alert.waitFor();
    await expect(alert.innerText()).resolves.toContain(
      say('editor.syntaxItem', {
        language: say('editor.locale.en'),
        part: say('editor.part.html'),
        line: 2,
        column: 31,
      }),
    );
    expect(await html.getAttribute('aria-invalid')).toBe('true');
    // The last preview that rendered stays, marked as such.
    await page.getByText(say('editor.previewStale')).waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);

    await html.fill(
      '<p>Hello {{customer.firstName}},</p>\n<p>{{#if customer.vip}}VIP{{else}}Your first order ships free.{{/if}}</p>',
    );
    await alert.waitFor({ state: 'detached' });
    await frameText(page).getByText('Your first order ships free.').waitFor();

    // The Japanese tab: its own subject, previewed in Japanese.
    await page.getByRole('tab', { name: say('editor.locale.ja') }).click();
    await page.getByLabel(say('editor.subject')).fill('{{customer.firstName}}様、ようこそ');
    await page.getByText(say('editor.previewSubject', { subject: 'Aiko様、ようこそ' })).waitFor();
    await screenshot(page, 'en-template-editor');

    await page.getByRole('button', { name: say('editor.save', { version: 2 }) }).click();
    await page.getByText(say('editor.saved', { version: 2 })).waitFor();
    const v2 = page.getByRole('listitem').filter({ hasText: say('templates.version', { version: 2 }) });
    await expect(v2.innerText()).resolves.toContain(
      [
        say('editor.change.html', { language: say('editor.locale.en') }),
        say('editor.change.subject', { language: say('editor.locale.ja') }),
      ].join(', '),
    );
    const saved = await f.api<{ templates: Array<{ key: string; currentVersion: number }> }>(
      'GET',
      '/v1/templates?kind=email',
      TEST_ADMIN_KEY,
    );
    expect(saved.body.templates.map((x) => [x.key, x.currentVersion])).toEqual([['welcome', 2]]);

    // Test send of the Japanese version, for Aiko, to a designer's address.
    await page.getByLabel(say('editor.testSendTo')).fill('designer@example.test');
    await page.getByRole('button', { name: say('editor.testSend') }).click();
    await page
      .getByText(/^Sent "Aiko様、ようこそ" to designer@example\.test\. The mail server answered: 250/)
      .waitFor();
    // The server stored the mail before it answered 250.
    const received = sink.to('designer@example.test');
    expect(received).toHaveLength(1);
    expect(received[0]!.mail.subject).toBe('[Test] Aiko様、ようこそ');
    expect(received[0]!.mail.html).toContain('<div class="frame"><p>Aiko様、こんにちは</p></div>');
    expect(problems).toEqual([]);
  });

  it('reads the same in Japanese, and lets ops read but not change', async () => {
    const say = (key: Parameters<typeof text>[1], values?: Record<string, string | number>) => text('ja', key, values);
    const { page, problems } = await signIn('oz@shop.test', '/templates', 'ja');
    await page.getByRole('heading', { level: 1, name: say('templates.title') }).waitFor();
    await page.getByText(say('templates.readOnly')).waitFor();
    await page.getByRole('link', { name: 'welcome' }).waitFor();
    expect(await page.getByRole('button', { name: say('templates.create') }).count()).toBe(0);
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ja-templates');

    await page.getByRole('link', { name: 'welcome' }).click();
    await page.getByRole('heading', { level: 1, name: say('editor.title', { key: 'welcome' }) }).waitFor();
    expect(await page.getByLabel(say('editor.html')).getAttribute('readonly')).not.toBeNull();
    expect(await page.getByRole('button', { name: say('editor.save', { version: 3 }) }).count()).toBe(0);
    await page
      .getByRole('listitem')
      .filter({ hasText: say('templates.version', { version: 1 }) })
      .waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    expect(problems).toEqual([]);
  });

  it('shows the editor in Japanese to a marketer, preview included', async () => {
    const say = (key: Parameters<typeof text>[1], values?: Record<string, string | number>) => text('ja', key, values);
    const { page, problems } = await signIn('mia@shop.test', '/templates', 'ja');
    await page.getByRole('link', { name: 'welcome' }).click();
    await page.getByRole('tab', { name: say('editor.locale.ja') }).click();
    // A fresh browser profile: the customer id is typed again.
    await page.getByLabel(say('editor.previewCustomer')).fill('c-aiko');
    await frameText(page, 'ja').getByText('Aiko様、こんにちは').waitFor();
    expect(await seriousAccessibilityViolations(page)).toEqual([]);
    await screenshot(page, 'ja-template-editor');
    expect(problems).toEqual([]);
  });
});
