import { ConsoleUserService } from '@kizuna/auth';
import type { Browser, Page } from 'playwright-core';
import type { Language } from '../../apps/console/src/i18n/catalog';
import { startTestApp, type TestApp } from '../support/test-app';
import { launchChromium, openConsole, screenshot, seriousAccessibilityViolations, text } from './browser';

const PASSWORD = 'correct horse battery';

/**
 * The first admin's day, once in each language: the setup link, sign-in (and a wrong password
 * refused), inviting a marketer, API keys; the marketer refused the admin pages. Every page
 * passes axe-core with no serious or critical violation.
 */
describe.each<Language>(['en', 'ja'])('console sign-in and users in a browser (%s)', (language) => {
  let t: TestApp;
  let browser: Browser;
  const say = (key: Parameters<typeof text>[1], values?: Record<string, string | number>) =>
    text(language, key, values);
  const admin = `admin-${language}@shop.test`;
  const marketer = `mia-${language}@shop.test`;

  beforeAll(async () => {
    [t, browser] = await Promise.all([startTestApp({ processes: { api: true, worker: false } }), launchChromium()]);
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  const expectAccessible = async (page: Page) => expect(await seriousAccessibilityViolations(page)).toEqual([]);
  /** The path part of a link the api printed with its PUBLIC_URL, on the test's own address. */
  const local = (url: string) => `${new URL(url).pathname}${new URL(url).hash}`;

  it('sets up the first admin, signs in and out, refuses a wrong password, remembers the language', async () => {
    const link = (await t.app.get(ConsoleUserService).issueSetupLink())!;
    const { page, problems } = await openConsole(browser, t.baseUrl, local(link.url));
    if (language === 'ja') {
      await page.getByLabel('Language').selectOption('ja');
      // Japanese on the page, not just a changed attribute.
      await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('最初の管理者を作成');
      expect(await page.evaluate('document.documentElement.lang')).toBe('ja');
    }
    await page.getByRole('heading', { name: say('setup.titleSetup') }).waitFor();
    await page.getByLabel(say('setup.email')).fill(admin);
    await page.getByLabel(say('setup.password')).fill(PASSWORD);
    await page.getByLabel(say('setup.confirm')).fill(`${PASSWORD} but different`);
    await page.getByRole('button', { name: say('setup.submit') }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe(say('setup.mismatch'));
    await page.getByLabel(say('setup.confirm')).fill(PASSWORD);
    await expectAccessible(page);
    await screenshot(page, `${language}-setup`);
    await page.getByRole('button', { name: say('setup.submit') }).click();

    // Signed in, on the overview.
    await page.getByRole('heading', { level: 1, name: say('screen.overview') }).waitFor();
    expect(new URL(page.url()).hash).toBe('');
    await page.getByText(say('shell.signedInAs', { email: admin, role: say('role.admin') })).waitFor();
    await expectAccessible(page);
    await screenshot(page, `${language}-overview`);

    // The language is remembered across a reload.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: say('screen.overview') }).waitFor();

    // Every screen of the issue is in the navigation.
    const nav = page.getByRole('navigation', { name: say('shell.mainNav') });
    await nav.getByRole('link', { name: say('screen.journeys') }).click();
    await page.getByRole('heading', { level: 1, name: say('journeys.title') }).waitFor();
    await expectAccessible(page);

    await page.getByRole('button', { name: say('shell.signOut') }).click();
    await page.getByRole('heading', { name: say('signIn.title') }).waitFor();
    await page.getByLabel(say('signIn.email')).fill(admin);
    await page.getByLabel(say('signIn.password')).fill('not the password');
    await page.getByRole('button', { name: say('signIn.submit') }).click();
    await expect(page.getByRole('alert').textContent()).resolves.toBe(say('error.INVALID_CREDENTIALS'));
    await expectAccessible(page);
    await screenshot(page, `${language}-sign-in`);
    await page.getByLabel(say('signIn.password')).fill(PASSWORD);
    await page.getByRole('button', { name: say('signIn.submit') }).click();
    await page.getByRole('heading', { level: 1, name: say('screen.overview') }).waitFor();

    // The used setup link is refused.
    await page.goto(local(link.url));
    await expect(page.getByRole('alert').textContent()).resolves.toBe(say('error.LINK_NOT_USABLE'));
    expect(problems).toEqual([]);
    await page.context().close();
  });

  it('invites a marketer and manages API keys; the marketer is refused the admin pages', async () => {
    const { page, problems } = await openConsole(browser, t.baseUrl, '/sign-in');
    if (language === 'ja') {
      await page.getByLabel('Language').selectOption('ja');
    }
    await page.getByLabel(say('signIn.email')).fill(admin);
    await page.getByLabel(say('signIn.password')).fill(PASSWORD);
    await page.getByRole('button', { name: say('signIn.submit') }).click();
    await page
      .getByRole('navigation', { name: say('shell.mainNav') })
      .getByRole('link', { name: say('screen.settings') })
      .click();
    await page.getByRole('heading', { level: 1, name: say('settings.account') }).waitFor();
    await expectAccessible(page);
    await page
      .getByRole('navigation', { name: say('settings.tabs') })
      .getByRole('link', { name: say('settings.users') })
      .click();
    await page.getByRole('heading', { level: 1, name: say('users.title') }).waitFor();

    await page.getByLabel(say('users.email')).fill(marketer);
    await page.getByLabel(say('users.role'), { exact: true }).selectOption('marketer');
    await page.getByRole('button', { name: say('users.invite'), exact: true }).click();
    const invitation = await page.getByLabel(say('users.invitationLink')).inputValue();
    expect(invitation).toMatch(/\/setup#token=[\w-]{43}$/);
    const row = page.getByRole('row', { name: new RegExp(marketer) });
    await expect(row.getByRole('cell', { name: say('users.status.pending') }).count()).resolves.toBe(1);
    await expectAccessible(page);
    await screenshot(page, `${language}-users`);

    await page
      .getByRole('navigation', { name: say('settings.tabs') })
      .getByRole('link', { name: say('settings.apiKeys') })
      .click();
    await page.getByRole('heading', { level: 1, name: say('apiKeys.title') }).waitFor();
    await page.getByLabel(say('apiKeys.name')).fill('shop backend');
    await page.getByLabel(say('apiKeys.role'), { exact: true }).selectOption('ingest');
    await page.getByRole('button', { name: say('apiKeys.create') }).click();
    const secret = await page.getByLabel(say('apiKeys.secret')).inputValue();
    expect(secret).toMatch(/^kz_ingest_/);
    // The key works, and is listed by its prefix only.
    const ingest = await fetch(`${t.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(ingest.status).toBe(400); // authenticated; the empty event is refused
    await expect(page.getByRole('table').textContent()).resolves.not.toContain(secret);
    await expectAccessible(page);
    await screenshot(page, `${language}-api-keys`);
    await page.getByRole('button', { name: say('apiKeys.revoke', { name: 'shop backend' }) }).click();
    const dialog = page.getByRole('dialog', { name: say('apiKeys.revokeConfirm', { name: 'shop backend' }) });
    await expectAccessible(page);
    await dialog.getByRole('button', { name: say('apiKeys.revoke', { name: 'shop backend' }) }).click();
    // The status cell itself: in Japanese the row's revoke button ("失効させる") holds the word too.
    await page.getByRole('cell', { name: say('apiKeys.revoked'), exact: true }).waitFor();
    const revoked = await fetch(`${t.baseUrl}/v1/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(revoked.status).toBe(401);

    // The marketer, in a browser of their own, accepts the invitation ...
    const mia = await openConsole(browser, t.baseUrl, local(invitation));
    if (language === 'ja') {
      await mia.page.getByLabel('Language').selectOption('ja');
    }
    await mia.page.getByRole('heading', { name: say('setup.titleInvite') }).waitFor();
    await mia.page.getByText(say('setup.introInvite', { email: marketer, role: say('role.marketer') })).waitFor();
    await mia.page.getByLabel(say('setup.password')).fill(PASSWORD);
    await mia.page.getByLabel(say('setup.confirm')).fill(PASSWORD);
    await mia.page.getByRole('button', { name: say('setup.submit') }).click();
    await mia.page.getByText(say('shell.signedInAs', { email: marketer, role: say('role.marketer') })).waitFor();

    // ... and is refused the users page and the sending page (the API answers 403; the page says why).
    await mia.page.goto('/settings/users');
    await mia.page.getByRole('heading', { name: say('forbidden.title') }).waitFor();
    await expect(mia.page.getByRole('table').count()).resolves.toBe(0);
    await expect(mia.page.getByLabel(say('users.email')).count()).resolves.toBe(0);
    await expectAccessible(mia.page);
    await screenshot(mia.page, `${language}-forbidden`);
    await mia.page
      .getByRole('navigation', { name: say('shell.mainNav') })
      .getByRole('link', { name: say('screen.sending') })
      .click();
    await mia.page.getByRole('heading', { name: say('forbidden.title') }).waitFor();
    await expect(mia.page.getByRole('button', { name: say('sending.pause') }).count()).resolves.toBe(0);

    // The admin sees the marketer active now.
    await page
      .getByRole('navigation', { name: say('settings.tabs') })
      .getByRole('link', { name: say('settings.users') })
      .click();
    await page
      .getByRole('row', { name: new RegExp(marketer) })
      .getByRole('cell', { name: say('users.status.active') })
      .waitFor();

    // Nothing went wrong in either browser.
    expect(mia.problems).toEqual([]);
    expect(problems).toEqual([]);
    await mia.context.close();
    await page.context().close();
  });
});
