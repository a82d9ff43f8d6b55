import type { Logger } from '@nestjs/common';
import type { DatabaseOutage } from '@kizuna/database';

/** The longest a failing loop waits before trying again. */
export const BACKOFF_MAX_MS = 10_000;

/**
 * Runs a batch job until stopped: again at once while batches come back full or after a nudge,
 * otherwise after the poll interval. Shared by the inbox, timer and outbox pollers.
 *
 * A failing batch is retried with exponential backoff (the poll interval, doubled per failure in
 * a row, capped at BACKOFF_MAX_MS, with jitter so many workers do not retry in step), so a
 * database outage is not hammered by every loop of every worker. Failures because the database
 * is unreachable go to the process's DatabaseOutage, which logs the outage once; other failures
 * are logged here, one line per try.
 */
export class PollingLoop {
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;
  private failuresInARow = 0;

  constructor(
    private readonly name: string,
    private readonly batch: () => Promise<number>,
    private readonly options: { batchSize: number; pollIntervalMs: number },
    private readonly logger: Logger,
    private readonly outage: DatabaseOutage,
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

  /** Run the next batch now (a NOTIFY arrived): also cuts a backoff short, the database answered. */
  nudge(): void {
    this.nudged = true;
    this.wake?.();
  }

  private async run(): Promise<void> {
    while (this.running) {
      this.nudged = false;
      let wait: number;
      try {
        const claimed = await this.batch();
        this.failuresInARow = 0;
        this.outage.succeeded();
        wait = claimed < this.options.batchSize ? this.options.pollIntervalMs : 0;
      } catch (error) {
        this.failuresInARow += 1;
        wait = backoffMs(this.options.pollIntervalMs, this.failuresInARow);
        if (!this.outage.failed(this.name, error)) {
          this.logger.error({
            msg: `${this.name} batch failed; retrying in ${wait} ms`,
            failuresInARow: this.failuresInARow,
            err: String(error),
          });
        }
      }
      if (wait > 0 && !this.nudged && this.running) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, wait);
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

/**
 * The wait before the next try: the poll interval after the first failure, doubled per failure
 * after it, capped at BACKOFF_MAX_MS (or the poll interval, if that is longer); jittered down by
 * up to half.
 */
export function backoffMs(pollIntervalMs: number, failuresInARow: number, random: () => number = Math.random): number {
  const doubled = pollIntervalMs * 2 ** Math.min(failuresInARow - 1, 30);
  const ceiling = Math.max(pollIntervalMs, Math.min(BACKOFF_MAX_MS, doubled));
  return Math.max(1, Math.round(ceiling * (1 - random() / 2)));
}
