import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { KizunaConfig } from '@kizuna/config';
import { DatabaseOutage } from '@kizuna/database';
import { INBOX_CHANNEL } from '@kizuna/events';
import type { DataSource } from 'typeorm';
import { InboxProcessor } from './inbox.processor';
import { NotifiedPoller } from './notified.poller';

/** Drains the inbox: woken by the api's NOTIFY on ingest, or by the poll interval. */
@Injectable()
export class InboxPoller extends NotifiedPoller {
  constructor(
    private readonly processor: InboxProcessor,
    config: KizunaConfig,
    @InjectDataSource() dataSource: DataSource,
    outage: DatabaseOutage,
  ) {
    super(INBOX_CHANNEL, config, dataSource, outage);
  }

  protected processBatch(): Promise<number> {
    return this.processor.processBatch();
  }

  protected batchSize(): number {
    return this.config.worker.batchSize;
  }
}
