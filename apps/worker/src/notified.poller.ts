import { Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { KizunaConfig } from '@kizuna/config';
import { PgNotificationListener } from '@kizuna/database';
import type { DataSource } from 'typeorm';

/**
 * A queue drainer: wakes on NOTIFY (low latency) or every poll interval (in case a notification
 * was missed), and keeps claiming batches while they come back full. Subclasses say which
 * channel, how big a full batch is, and how to process one.
 */
export abstract class NotifiedPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  protected readonly logger = new Logger(this.constructor.name);
  private listener: PgNotificationListener | undefined;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;

  protected constructor(
    private readonly channel: string,
    protected readonly config: KizunaConfig,
    private readonly dataSource: DataSource,
  ) {}

  /** Processes one batch; returns how many items it claimed. */
  protected abstract processBatch(): Promise<number>;
  protected abstract batchSize(): number;

  async onApplicationBootstrap(): Promise<void> {
    const url = (this.dataSource.options as { url?: string }).url;
    if (url) {
      this.listener = new PgNotificationListener(url, this.channel, () => this.nudge());
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
        claimed = await this.processBatch();
      } catch (error) {
        this.logger.error({
          msg: `${this.channel} batch failed; retrying after the poll interval`,
          err: String(error),
        });
      }
      if (claimed < this.batchSize() && !this.nudged && this.running) {
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
