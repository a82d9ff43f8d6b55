import { Logger } from '@nestjs/common';
import { databaseUnreachable, databaseUnreachableFailures } from './database.metrics';
import { isDatabaseUnreachable } from './database-unreachable.util';
import { errorMessage } from '@kizuna/common';

/** Where the outage is reported: Nest's Logger, or a collector in tests. */
export interface OutageLogger {
  error(record: object): void;
  warn(record: object): void;
}

export const OUTAGE_REMINDER_MS = 30_000;

/**
 * One process's view of whether PostgreSQL is reachable, and the only place its background
 * loops log about that. Without it every loop logged every failed poll (about 18 lines a second
 * per worker); now an outage costs one line when it starts, a reminder at most every 30 s with
 * the failures counted, and one line when it ends. Loops report each failure and each success;
 * a failure that is not the database being unreachable is theirs to log.
 */
export class DatabaseOutage {
  private since: number | undefined;
  private lastReport = 0;
  private failures = 0;

  constructor(
    private readonly logger: OutageLogger = new Logger('Database'),
    private readonly now: () => number = Date.now,
    private readonly reminderMs: number = OUTAGE_REMINDER_MS,
  ) {}

  /** Whether the database is unreachable as far as this process last found. */
  get ongoing(): boolean {
    return this.since !== undefined;
  }

  /**
   * Counts a failure if it means the database is unreachable (and logs the outage's start, or a
   * reminder when one is due); returns false for any other error, which the caller logs.
   */
  failed(source: string, error: unknown): boolean {
    if (!isDatabaseUnreachable(error)) {
      return false;
    }
    const now = this.now();
    this.failures += 1;
    databaseUnreachableFailures.inc();
    if (this.since === undefined) {
      this.since = now;
      this.lastReport = now;
      databaseUnreachable.set(1);
      this.logger.error({
        msg: `database unreachable: background work is retrying with backoff (reminders every ${this.reminderMs / 1000} s)`,
        source,
        err: errorMessage(error),
      });
    } else if (now - this.lastReport >= this.reminderMs) {
      this.lastReport = now;
      this.logger.error({
        msg: 'database still unreachable',
        forSeconds: Math.round((now - this.since) / 1000),
        failures: this.failures,
        err: errorMessage(error),
      });
    }
    return true;
  }

  /** Something just worked against the database: an outage in progress is over. */
  succeeded(): void {
    if (this.since === undefined) {
      return;
    }
    // warn, like the start, so the pair shows at any level that shows the outage.
    this.logger.warn({
      msg: 'database reachable again',
      downSeconds: Math.round((this.now() - this.since) / 1000),
      failures: this.failures,
    });
    this.since = undefined;
    this.failures = 0;
    databaseUnreachable.set(0);
  }
}
