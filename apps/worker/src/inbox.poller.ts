import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { KizunaConfig } from '@kizuna/config';
import { PgNotificationListener } from '@kizuna/database';
import { INBOX_CHANNEL } from '@kizuna/events';
import type { DataSource } from 'typeorm';
import { InboxProcessor } from './inbox.processor';

/**
 * Drains the inbox: wakes on NOTIFY from the api (low latency) or every poll interval (in case
 * a notification was missed), and keeps claiming batches while they come back full.
 */
@Injectable()
export class InboxPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(InboxPoller.name);
  private listener: PgNotificationListener | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;

  constructor(
    private readonly processor: InboxProcessor,
    private readonly config: KizunaConfig,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    if (url) {
      this.listener = new PgNotificationListener(url, INBOX_CHANNEL, () => this.nudge());
      await this.listener.start();
    }
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown(): Promise<void> {
    this.running = false;
    this.nudge();
    await this.loop;
    await this.listener?.close();
  }

  private nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.nudged = false;
      let claimed = 0;
      try {
        claimed = await this.processor.processBatch();
      } catch (error) {
        this.logger.error({ msg: 'inbox batch failed; retrying after the poll interval', err: String(error) });
      }
      if (claimed < this.config.worker.batchSize && !this.nudged && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.config.worker.pollIntervalMs);
          this.wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
        this.wake = undefined;
      }
    }
  }
}
