import type { KizunaConfig } from '@kizuna/config';
import type { DatabaseOutage } from '@kizuna/database';
import { OUTBOX_CHANNEL } from '@kizuna/messaging';
import type { DataSource } from 'typeorm';
import { NotifiedPoller } from './notified.poller';

/**
 * Drains one channel of the outbox: woken by NOTIFY when effects are enqueued (or retried, or
 * sending resumes), and by the poll interval, which is also what picks up deferred retries when
 * due. Email and webhooks each have a loop of their own, so a slow receiver never holds up email.
 */
export abstract class OutboxPoller extends NotifiedPoller {
  protected constructor(
    private readonly delivery: { processBatch(): Promise<number> },
    config: KizunaConfig,
    dataSource: DataSource,
    outage: DatabaseOutage,
  ) {
    super(OUTBOX_CHANNEL, config, dataSource, outage);
  }

  protected processBatch(): Promise<number> {
    return this.delivery.processBatch();
  }

  protected batchSize(): number {
    return this.config.delivery.batchSize;
  }
}
