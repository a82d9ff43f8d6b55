import type { KizunaConfig } from '@kizuna/config';
import { Client } from 'pg';
import { EmbeddedDatabase } from './embedded/embedded-database';

export interface RunningDatabase {
  url: string;
  /** Set when this process started the embedded server and must stop it on shutdown. */
  embedded: EmbeddedDatabase | undefined;
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL under EMBEDDED_PG_DIR. */
export async function startDatabase(config: KizunaConfig, onLog: (line: string) => void): Promise<RunningDatabase> {
  if (config.database.url) {
    return { url: config.database.url, embedded: undefined };
  }
  const embedded = await EmbeddedDatabase.launch({
    dataDir: config.database.embedded.dataDir,
    port: config.database.embedded.port,
    database: 'kizuna',
    onLog,
  });
  return { url: embedded.url, embedded: embedded.attached ? undefined : embedded };
}

/**
 * The URL of database `name` on the server of `url`, created first if it does not exist (the
 * demo runs in a database of its own beside the app's, never in the app's).
 */
export async function databaseBeside(url: string, name: string): Promise<string> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`);
    }
  } finally {
    await client.end();
  }
  const beside = new URL(url);
  beside.pathname = `/${encodeURIComponent(name)}`;
  return beside.toString();
}
