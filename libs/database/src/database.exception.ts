import { DomainException } from '@kizuna/common';
import { isDatabaseUnreachable } from './database-unreachable.util';

export enum DatabaseErrorCode {
  /** PostgreSQL cannot be reached (down, restarting, refusing connections): the client should retry. */
  Unavailable = 'DATABASE_UNAVAILABLE',
}

export class DatabaseException extends DomainException<DatabaseErrorCode> {
  /**
   * The domain error for a driver error that means the database is unreachable, else undefined.
   * The driver's message stays out of it: it names hosts and ports the client has no business with.
   */
  static fromDriverError(error: unknown): DatabaseException | undefined {
    return isDatabaseUnreachable(error)
      ? new DatabaseException(DatabaseErrorCode.Unavailable, 'The database is unreachable at the moment; retry later')
      : undefined;
  }
}
