import type { ModuleMetadata } from '@nestjs/common';
import { Test, type TestingModule } from '@nestjs/testing';
import { ClockModule } from '@kizuna/common';
import { ConfigModule, loadConfig } from '@kizuna/config';
import { DatabaseClock, DatabaseModule } from '@kizuna/database';
import type { TestDatabase } from './test-database';

/**
 * Libs wired as the apps wire them (config, clock, database first), on a test database, without
 * an app around them: for tests of one lib's services against real PostgreSQL.
 */
export function compileLibs(
  db: TestDatabase,
  imports: NonNullable<ModuleMetadata['imports']>,
  env: Record<string, string> = {},
): Promise<TestingModule> {
  const config = loadConfig({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: db.url, ...env });
  return Test.createTestingModule({
    imports: [
      ConfigModule.forRoot(config),
      ClockModule.using(DatabaseClock),
      DatabaseModule.forRoot({ url: db.url, poolSize: 4 }),
      ...imports,
    ],
  }).compile();
}
