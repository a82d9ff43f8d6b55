// The file itself, not the lib's index: global setup runs outside jest, without @kizuna/* paths.
import { runMigrations } from '../../libs/database/src/migrate';
import { Client } from 'pg';
import { embeddedTestServer, TEMPLATE_DATABASE, testServerUrl } from './test-postgres';

declare global {
  var __KIZUNA_EMBEDDED__: { stop(): Promise<void> } | undefined;
}

/** Picks the PostgreSQL server, and builds the migrated template every test database copies. */
export default async function globalSetup(): Promise<void> {
  if (process.env.DATABASE_URL) {
    process.env.KIZUNA_TEST_SERVER_URL = process.env.DATABASE_URL;
  } else {
    const server = embeddedTestServer();
    await server.start();
    globalThis.__KIZUNA_EMBEDDED__ = server;
    process.env.KIZUNA_TEST_SERVER_URL = server.urlFor('postgres');
  }
  const admin = new Client({ connectionString: testServerUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${TEMPLATE_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  } finally {
    await admin.end();
  }
  await runMigrations(testServerUrl(TEMPLATE_DATABASE));
}
