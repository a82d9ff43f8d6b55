import path from 'node:path';
import { EmbeddedPostgresServer } from '../../libs/database/src';

/**
 * Where the tests' PostgreSQL is: the server in DATABASE_URL (CI, or any developer's own), else
 * an embedded server in ./var/test-pg that global setup starts. Either way tests create their
 * own databases on it and never touch the one named in DATABASE_URL.
 */
export const TEMPLATE_DATABASE = 'kizuna_test_template';

export function testServerUrl(database: string): string {
  const base = process.env.KIZUNA_TEST_SERVER_URL;
  if (!base) {
    throw new Error('KIZUNA_TEST_SERVER_URL is not set: run tests through jest (global setup sets it)');
  }
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

export function embeddedTestServer(): EmbeddedPostgresServer {
  return new EmbeddedPostgresServer({
    dataDir: path.resolve(__dirname, '../../var/test-pg'),
    port: Number(process.env.KIZUNA_TEST_EMBEDDED_PORT ?? 54339),
    database: 'postgres',
  });
}
