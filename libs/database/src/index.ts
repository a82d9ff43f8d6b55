export { dataSourceOptions } from './data-source-options';
export { DatabaseModule, type DatabaseModuleOptions } from './database.module';
export { EmbeddedDatabase } from './embedded/embedded-database';
export { EmbeddedPostgresServer } from './embedded/embedded-postgres.server';
export { runMigrations } from './migrate';
export { MIGRATIONS } from './migrations';
export { PgNotificationListener } from './pg-notification.listener';
export { databaseBeside, startDatabase, type RunningDatabase } from './start-database';
export { UnitOfWork } from './unit-of-work';
