import type { Logger } from '@nestjs/common';

/**
 * Runs a batch job until stopped: again at once while batches come back full or after a nudge,
 * otherwise after the poll interval. Shared by the inbox and timer pollers.
 */
export class PollingLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;

  constructor(
    private readonly name: string,
    private readonly batch: () => Promise<number>,
    private readonly options: { batchSize: number; pollIntervalMs: number },
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    await this.loop;
  }

  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.nudged = false;
      let claimed = 0;
      try {
        claimed = await this.batch();
      } catch (error) {
        this.logger.error({ msg: `${this.name} batch failed; retrying after the poll interval`, err: String(error) });
      }
      if (claimed < this.options.batchSize && !this.nudged && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, this.options.pollIntervalMs);
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
