import { Injectable, Logger } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { KizunaConfig } from '@kizuna/config';
import { MessagesService } from '@kizuna/messaging';

/** Email housekeeping that any number of workers may run at once (rows are claimed SKIP LOCKED). */
@Injectable()
export class EmailMaintenanceJobs {
  private readonly logger = new Logger(EmailMaintenanceJobs.name);

  constructor(
    private readonly messages: MessagesService,
    private readonly config: KizunaConfig,
  ) {}

  @Cron(CronExpression.EVERY_HOUR)
  async pruneRenderedContent(): Promise<void> {
    const pruned = await this.messages.pruneContent();
    if (pruned > 0) {
      this.logger.log({
        msg: 'dropped rendered content of old messages',
        pruned,
        retentionDays: this.config.delivery.contentRetentionDays,
      });
    }
  }
}
