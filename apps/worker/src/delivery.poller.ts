import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { KizunaConfig } from '@kizuna/config';
import { EmailDeliveryService, OUTBOX_CHANNEL } from '@kizuna/messaging';
import type { DataSource } from 'typeorm';
import { NotifiedPoller } from './notified.poller';

/**
 * Drains the outbox's email: woken by NOTIFY when effects are enqueued (or retried, or sending
 * resumes), and by the poll interval, which is also what picks up deferred retries when due.
 */
@Injectable()
export class DeliveryPoller extends NotifiedPoller {
  constructor(
    private readonly delivery: EmailDeliveryService,
    config: KizunaConfig,
    @InjectDataSource() dataSource: DataSource,
  ) {
    super(OUTBOX_CHANNEL, config, dataSource);
  }

  protected processBatch(): Promise<number> {
    return this.delivery.processBatch();
  }

  protected batchSize(): number {
    return this.config.delivery.batchSize;
  }
}
