import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ApiKeyService, type Role } from '@kizuna/auth';
import { createRootLogger, PinoNestLogger, type Clock } from '@kizuna/common';
import { loadConfig, type KizunaConfig } from '@kizuna/config';
import { configureHttp, expressErrorHandler, HTTP_APPLICATION_OPTIONS } from '../../apps/api/src/http/configure-http';
import { KizunaModule, type KizunaProcesses } from '../../apps/kizuna/src/kizuna.module';
import { createTestDatabase, type TestDatabase } from './test-database';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789abcdef';
export const TEST_TOKEN_SECRET = 'test-token-signing-secret-0123456789abcdef';
export const TEST_WEBHOOK_SECRET = 'test-webhook-signing-secret-0123456789abcdef';

export interface TestApp {
  app: NestExpressApplication;
  /** http://127.0.0.1:<port>, no trailing slash. */
  baseUrl: string;
  config: KizunaConfig;
  db: TestDatabase;
  /** Creates an API key with this role and returns its secret. */
  keyFor(role: Role): Promise<string>;
  /**
   * Stops this engine and starts another on the same database, configured as this one with
   * `env` on top (a shop restarted with another SHOP_TIMEZONE): use the returned app from then on.
   */
  restart(env: Record<string, string>): Promise<TestApp>;
  close(): Promise<void>;
}

interface BootOptions {
  processes?: KizunaProcesses;
  env?: Record<string, string>;
  clock?: Clock;
  /** The URL the app connects with, given the test database's (e.g. through a TcpProxy). */
  connectVia?: (url: string) => Promise<string>;
}

/**
 * Boots the real Kizuna (api and/or worker, as production wires them) on a fresh database and
 * a free port. `env` overrides configuration exactly as environment variables would.
 */
export async function startTestApp(options: BootOptions = {}): Promise<TestApp> {
  return boot(await createTestDatabase(), options);
}

async function boot(db: TestDatabase, options: BootOptions): Promise<TestApp> {
  const appUrl = options.connectVia ? await options.connectVia(db.url) : db.url;
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATABASE_URL: appUrl,
    ADMIN_API_KEY: TEST_ADMIN_KEY,
    WORKER_POLL_INTERVAL_MS: '100',
    TOKEN_SIGNING_SECRET: TEST_TOKEN_SECRET,
    // Nothing a test does is written under the checkout's ./var/mail unless it asks.
    MAIL_DIR: path.join(os.tmpdir(), 'kizuna-test-mail'),
    // No sending policy unless a test asks for one: mail to one customer back to back, at any
    // hour of the day, must not be held by caps or quiet hours meant for production.
    FREQUENCY_CAP_RULES: '',
    QUIET_HOURS: '',
    WEBHOOK_SIGNING_SECRET: TEST_WEBHOOK_SECRET,
    ...options.env,
  });
  const logger = createRootLogger(config.log.level);
  const app = await NestFactory.create<NestExpressApplication>(
    KizunaModule.forRoot(config, appUrl, options.processes ?? { api: true, worker: true }, options.clock),
    { ...HTTP_APPLICATION_OPTIONS, logger: new PinoNestLogger(logger) },
  );
  configureHttp(app, config, logger);
  await app.init();
  app.use(expressErrorHandler);
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as AddressInfo;
  return {
    app,
    baseUrl: `http://127.0.0.1:${port}`,
    config,
    db,
    keyFor: async (role) => (await app.get(ApiKeyService).create(`test ${role}`, role)).secret,
    restart: async (env) => {
      await app.close();
      return boot(db, { ...options, env: { ...options.env, ...env } });
    },
    close: async () => {
      await app.close();
      await db.drop();
    },
  };
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
/**
 * Waits until the worker has applied every event in the inbox (none left with processed_at
 * unset): what the API reports afterwards reflects all of them.
 */
export function waitForInboxDrained(t: Pick<TestApp, 'db'>, timeoutMs = 30_000): Promise<true> {
  return waitFor(
    async () => {
      const [row] = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE processed_at IS NULL');
      return row!.n === 0 ? true : undefined;
    },
    timeoutMs,
    'the worker to apply every event in the inbox',
  );
}

export async function waitFor<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) {
      return value;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
