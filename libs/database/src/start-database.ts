import { ensureDatabase } from './ensure-database';
import type { KizunaConfig } from '@kizuna/config';
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
  await ensureDatabase(url, name);
  const beside = new URL(url);
  beside.pathname = `/${encodeURIComponent(name)}`;
  return beside.toString();
}
