import { Injectable, Logger } from '@nestjs/common';
import { errorMessage } from '@kizuna/common';
import { DatabaseOutage } from '@kizuna/database';

/**
 * The one way work scheduled with @nestjs/schedule (`@Cron`, `@Interval`) runs: a job never
 * overlaps itself (a slow run makes the next tick a no-op), sits out a database outage the
 * process knows of (the polling loops probe the database with backoff and end the outage;
 * nothing scheduled is urgent enough to add tries and log lines of its own), and a failure goes
 * to DatabaseOutage when the database is unreachable, to the log otherwise.
 */
@Injectable()
export class ScheduledWork {
  private readonly logger = new Logger(ScheduledWork.name);
  private readonly running = new Set<string>();

  constructor(private readonly outage: DatabaseOutage) {}

  async run(name: string, work: () => Promise<void>): Promise<void> {
    if (this.running.has(name) || this.outage.ongoing) {
      return;
    }
    this.running.add(name);
    try {
      await work();
    } catch (error) {
      if (!this.outage.failed(name, error)) {
        this.logger.error({ msg: `${name} failed`, err: errorMessage(error) });
      }
    } finally {
      this.running.delete(name);
    }
  }
}
