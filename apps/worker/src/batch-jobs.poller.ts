import { Injectable, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { KizunaConfig } from '@kizuna/config';
import { DatabaseOutage } from '@kizuna/database';
import { INBOX_CHANNEL } from '@kizuna/events';
import { EmailDeliveryService, OUTBOX_CHANNEL, WebhookDeliveryService } from '@kizuna/messaging';
import type { DataSource } from 'typeorm';
import { InboxProcessor } from './inbox.processor';
import { PollingLoop, type PolledJob } from './polling-loop';
import { TimerProcessor } from './timer.processor';

/**
 * The worker's batch jobs, each in a PollingLoop of its own: a job is a line in the table below,
 * not a class.
 */
@Injectable()
export class BatchJobsPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly loops: PollingLoop[];

  constructor(
    inbox: InboxProcessor,
    timers: TimerProcessor,
    email: EmailDeliveryService,
    webhooks: WebhookDeliveryService,
    config: KizunaConfig,
    @InjectDataSource() dataSource: DataSource,
    outage: DatabaseOutage,
  ) {
    const { pollIntervalMs, batchSize } = config.worker;
    const delivery = { batchSize: config.delivery.batchSize, pollIntervalMs, channel: OUTBOX_CHANNEL };
    const jobs: PolledJob[] = [
      // Woken by the api's NOTIFY on ingest.
      { name: 'inbox', batch: () => inbox.processBatch(), batchSize, pollIntervalMs, channel: INBOX_CHANNEL },
      { name: 'timers', batch: () => timers.processBatch(), batchSize, pollIntervalMs },
      // The outbox, woken when effects are enqueued (or retried, or sending resumes); the poll
      // interval picks up deferred retries when due. Email and webhooks each have a loop of their
      // own, so a slow receiver never holds up email.
      { name: 'email delivery', batch: () => email.processBatch(), ...delivery },
      { name: 'webhook delivery', batch: () => webhooks.processBatch(), ...delivery },
    ];
    const url = (dataSource.options as { url?: string }).url;
    this.loops = jobs.map((job) => new PollingLoop(job, outage, url));
  }

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.start()));
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.loops.map((loop) => loop.stop()));
  }
}
