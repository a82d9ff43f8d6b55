import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { DatabaseOutage } from '@kizuna/database';
import { PollingLoop } from './polling-loop';
import { TimerProcessor } from './timer.processor';

/** Fires due journey timers every poll interval, and at once again while batches come back full. */
@Injectable()
export class TimerPoller implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(TimerPoller.name);
  private readonly loop: PollingLoop;

  constructor(processor: TimerProcessor, config: KizunaConfig, outage: DatabaseOutage) {
    this.loop = new PollingLoop('timer', () => processor.processBatch(), config.worker, this.logger, outage);
  }

  onApplicationBootstrap(): void {
    this.loop.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.loop.stop();
  }
}
