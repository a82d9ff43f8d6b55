import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

export const CONNECT_TIMEOUT_MS = 10_000;

export function dataSourceOptions(url: string, poolSize: number): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    applicationName: 'kizuna',
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: false,
    // A connection not made within this fails (and counts as the database unreachable) instead of
    // holding a request or a worker loop for as long as the network lets a SYN go unanswered; the
    // same bound applies to waiting for a free connection of a busy pool (then the api sheds load
    // with 503 + Retry-After rather than queueing requests without end).
    connectTimeoutMS: CONNECT_TIMEOUT_MS,
    extra: { max: poolSize },
  };
}
