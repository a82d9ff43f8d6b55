import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from './data-source-options';

// Any fixed number; all Kizuna processes agree on it.
const MIGRATION_LOCK_ID = 0x4b697a756e61; // "Kizuna"

/**
 * Applies pending migrations. Safe to run from many processes starting at once: a session-level
 * advisory lock lets one migrate while the others wait, then find nothing left to do.
 * Returns the names of the migrations this call applied.
 */
export async function runMigrations(url: string): Promise<string[]> {
  const lock = new Client({ connectionString: url, application_name: 'kizuna-migrate-lock' });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_ID]);
    const dataSource = new DataSource(dataSourceOptions(url, 1));
    await dataSource.initialize();
    try {
      const applied = await dataSource.runMigrations({ transaction: 'all' });
      return applied.map((m) => m.name);
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await lock.end(); // ends the session, which releases the lock
  }
}
