import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { drainInChunks } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { EventInboxRepository } from '@kizuna/events';
import { MessagesService } from '@kizuna/messaging';
import { ScheduledWork } from './scheduled-work';

/** Housekeeping that any number of workers may run at once without harm (rows are claimed SKIP LOCKED). */
@Injectable()
export class MaintenanceJobs {
  private readonly logger = new Logger(MaintenanceJobs.name);

  constructor(
    private readonly inbox: EventInboxRepository,
    private readonly messages: MessagesService,
    private readonly config: KizunaConfig,
    private readonly scheduled: ScheduledWork,
  ) {}

  @Cron(CronExpression.EVERY_HOUR)
  pruneIdempotencyKeys(): Promise<void> {
    return this.scheduled.run('idempotency key pruning', async () => {
      const removed = await this.inbox.pruneIdempotencyKeys(this.config.ingest.dedupWindowHours);
      if (removed > 0) {
        this.logger.log({ msg: 'pruned expired idempotency keys', removed });
      }
    });
  }

  @Cron(CronExpression.EVERY_10_MINUTES)
  pruneOldEvents(): Promise<void> {
    return this.scheduled.run('event retention', async () => {
      const removed = await drainInChunks(() => this.inbox.pruneProcessedEvents(this.config.ingest.retentionDays));
      if (removed > 0) {
        this.logger.log({
          msg: 'pruned events past retention',
          removed,
          retentionDays: this.config.ingest.retentionDays,
        });
      }
    });
  }

  @Cron(CronExpression.EVERY_HOUR)
  pruneRenderedContent(): Promise<void> {
    return this.scheduled.run('rendered content pruning', async () => {
      const pruned = await this.messages.pruneContent();
      if (pruned > 0) {
        this.logger.log({
          msg: 'dropped rendered content of old messages',
          pruned,
          retentionDays: this.config.delivery.contentRetentionDays,
        });
      }
    });
  }
}
