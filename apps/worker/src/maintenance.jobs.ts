import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { KizunaConfig } from '@kizuna/config';
import { EventInboxRepository } from '@kizuna/events';

/** Housekeeping that any number of workers may run at once without harm. */
@Injectable()
export class MaintenanceJobs {
  private readonly logger = new Logger(MaintenanceJobs.name);

  constructor(
    private readonly inbox: EventInboxRepository,
    private readonly config: KizunaConfig,
  ) {}

  @Cron(CronExpression.EVERY_HOUR)
  async pruneIdempotencyKeys(): Promise<void> {
    const removed = await this.inbox.pruneIdempotencyKeys(this.config.ingest.dedupWindowHours);
    if (removed > 0) {
      this.logger.log({ msg: 'pruned expired idempotency keys', removed });
    }
  }

  @Cron(CronExpression.EVERY_10_MINUTES)
  async pruneOldEvents(): Promise<void> {
    let removed = 0;
    for (let chunk = 0; chunk < 100; chunk++) {
      const n = await this.inbox.pruneProcessedEvents(this.config.ingest.retentionDays);
      removed += n;
      if (n === 0) {
        break;
      }
    }
    if (removed > 0) {
      this.logger.log({
        msg: 'pruned events past retention',
        removed,
        retentionDays: this.config.ingest.retentionDays,
      });
    }
  }
}
