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
