import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { KizunaConfig } from '@kizuna/config';
import { PgNotificationListener } from '@kizuna/database';
import { INBOX_CHANNEL } from '@kizuna/events';
import type { DataSource } from 'typeorm';
import { InboxProcessor } from './inbox.processor';
import { PollingLoop } from './polling-loop';

/**
 * Drains the inbox: wakes on NOTIFY from the api (low latency) or every poll interval (in case
 * a notification was missed), and keeps claiming batches while they come back full.
 */
@Injectable()
export class InboxPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InboxPoller.name);
  private listener: PgNotificationListener | undefined;
  private readonly loop: PollingLoop;

  constructor(
    processor: InboxProcessor,
    config: KizunaConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    this.loop = new PollingLoop('inbox', () => processor.processBatch(), config.worker, this.logger);
  }

  async onApplicationBootstrap(): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    if (url) {
      this.listener = new PgNotificationListener(url, INBOX_CHANNEL, () => this.loop.nudge());
      await this.listener.start();
    }
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    await this.listener?.close();
  }
}
