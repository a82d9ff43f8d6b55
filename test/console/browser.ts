import { readFileSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { catalogs, type Language, type MessageKey } from '../../apps/console/src/i18n/catalog';

/**
 * Real headless Chromium for the console's browser specs: Debian's `chromium` (installed by
 * .ci/run), driven by playwright-core. Never a downloaded browser build.
 */
// A browser test walks a whole flow (sign in, build, publish, wait for the engine) through a real
// Chromium and a real engine: minutes on a busy 2-core machine, not the 60 s unit default.
jest.setTimeout(240_000);

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

export interface ConsolePage {
  page: Page;
  context: BrowserContext;
  /**
   * Script errors, console errors (CSP refusals among them) and 5xx answers seen so far: a clean
   * page has none. 4xx answers are the API's to give (a wrong password is a 401) and not counted:
   * each spec checks what the page shows for them.
   */
  problems: string[];
}

/** A fresh browser profile (no cookie, no remembered language) on the console. */
export async function openConsole(browser: Browser, baseUrl: string, path = '/'): Promise<ConsolePage> {
  const context = await browser.newContext({
    baseURL: baseUrl,
    locale: 'en-US',
    viewport: { width: 1280, height: 860 },
  });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (
      message.type() === 'error' &&
      !message.text().startsWith('Failed to load resource: the server responded with a status of 4')
    ) {
      problems.push(`console: ${message.text()}`);
    }
  });
  page.on('response', (response) => {
    if (response.status() >= 500) {
      problems.push(`${response.status()} from ${response.request().method()} ${response.url()}`);
    }
  });
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  await page.goto(path);
  return { page, context, problems };
}

/** The console's own string, as the page shows it in `language` (names for getByRole / getByLabel). */
export function text(language: Language, key: MessageKey, values: Record<string, string | number> = {}): string {
  return catalogs[language][key].replace(/\{(\w+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? String(values[name]) : whole,
  );
}

const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * axe-core's check of the page as it is now; the serious and critical violations. axe is
 * evaluated through the DevTools protocol, which the page's CSP (no inline script) does not block.
 */
export async function seriousAccessibilityViolations(page: Page): Promise<AxeViolation[]> {
  const loaded = await page.evaluate('typeof window.axe');
  if (loaded === 'undefined') {
    await page.evaluate(AXE_SOURCE);
  }
  // A string, not a function: it runs in the page, where `window.axe` is (this file is compiled without DOM types).
  const violations = await page.evaluate<
    AxeViolation[]
  >(`window.axe.run().then((result) => result.violations.map((v) => ({
    id: v.id,
    impact: v.impact ?? null,
    help: v.help,
    targets: v.nodes.map((n) => n.target.join(' ')),
  })))`);
  return violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

const SCREENSHOT_DIR = path.join(__dirname, '..', '..', 'docs', 'screenshots');

/** With KIZUNA_SCREENSHOTS=1 (`npm run screenshots`): the page as it is now, for the docs. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.KIZUNA_SCREENSHOTS !== '1') {
    return;
  }
  await page.screenshot({ path: path.join(SCREENSHOT_DIR, `${name}.png`) });
}
