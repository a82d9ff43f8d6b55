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
}
