import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { KizunaConfig } from '@kizuna/config';
import { PgNotificationListener, type DatabaseOutage } from '@kizuna/database';
import type { DataSource } from 'typeorm';
import { PollingLoop } from './polling-loop';

/**
 * A queue drainer woken by NOTIFY on its channel (low latency) as well as by the poll interval
 * (in case a notification was missed), built on PollingLoop. Subclasses say which channel, how
 * big a full batch is, and how to process one.
 */
export abstract class NotifiedPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private listener: PgNotificationListener | undefined;
  private readonly loop: PollingLoop;

  protected constructor(
    private readonly channel: string,
    protected readonly config: KizunaConfig,
    private readonly dataSource: DataSource,
    private readonly outage: DatabaseOutage,
  ) {
    this.loop = new PollingLoop(
      channel,
      () => this.processBatch(),
      { batchSize: this.batchSize(), pollIntervalMs: config.worker.pollIntervalMs },
      this.logger,
      outage,
    );
  }

  /** Processes one batch; returns how many items it claimed. */
  protected abstract processBatch(): Promise<number>;
  protected abstract batchSize(): number;

  async onApplicationBootstrap(): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    if (url) {
      this.listener = new PgNotificationListener(url, this.channel, () => this.loop.nudge(), this.outage);
      await this.listener.start();
    }
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
    await this.listener?.close();
  }
}
