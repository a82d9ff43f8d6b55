export { DatabaseClock } from './database-clock';
export { DatabaseModule } from './database.module';
export { DatabaseOutage } from './database-outage.service';
export { isDatabaseUnreachable } from './database-unreachable.util';
export { DatabaseErrorCode, DatabaseException } from './database.exception';
export { runMigrations } from './migrate';
export { PgNotificationListener } from './pg-notification.listener';
export { databaseBeside, startDatabase, type RunningDatabase } from './start-database';
export { inTransaction, UnitOfWork } from './unit-of-work';
