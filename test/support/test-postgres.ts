import { createHash } from 'node:crypto';
import path from 'node:path';
// The file itself, not the lib's index: global setup loads this outside jest, without @kizuna/* paths.
import { EmbeddedPostgresServer } from '../../libs/database/src/embedded/embedded-postgres.server';

/**
 * Where the tests' PostgreSQL is: the server in DATABASE_URL (CI, or any developer's own), else
 * an embedded server in ./var/test-pg that global setup starts. Either way tests create their
 * own databases on it and never touch the one named in DATABASE_URL.
 */
/** Per checkout, so two checkouts testing against one server never drop each other's template. */
export const TEMPLATE_DATABASE = `kizuna_test_template_${createHash('sha256')
  .update(path.resolve(__dirname, '../..'))
  .digest('hex')
  .slice(0, 10)}`;

export function testServerUrl(database: string): string {
  const base = process.env.KIZUNA_TEST_SERVER_URL;
  if (!base) {
    throw new Error('KIZUNA_TEST_SERVER_URL is not set: run tests through jest (global setup sets it)');
  }
  const url = new URL(base);
  url.pathname = `/${database}`;
  return url.toString();
}

/**
 * One embedded test server per checkout: the port is derived from the checkout's path, so two
 * checkouts (say a CI clone and a working copy) can run their suites at the same time.
 */
export function embeddedTestServer(): EmbeddedPostgresServer {
  const root = path.resolve(__dirname, '../..');
  const derived = 55000 + (createHash('sha256').update(root).digest().readUInt16BE(0) % 1000);
  return new EmbeddedPostgresServer({
    dataDir: path.join(root, 'var/test-pg'),
    port: Number(process.env.KIZUNA_TEST_EMBEDDED_PORT ?? derived),
    database: 'postgres',
  });
}
