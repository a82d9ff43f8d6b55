import { Logger } from '@nestjs/common';
import { errorMessage } from '@kizuna/common';
import { PgNotificationListener, type DatabaseOutage } from '@kizuna/database';

/** The longest a failing loop waits before trying again. */
export const BACKOFF_MAX_MS = 10_000;

/** One batch job of the worker, as its PollingLoop runs it. */
export interface PolledJob {
  /** Names the loop in logs and in DatabaseOutage reports. */
  name: string;
  /** Processes one batch; returns how many items it claimed. */
  batch: () => Promise<number>;
  /** A batch this big means more is waiting: the next one runs at once. */
  batchSize: number;
  pollIntervalMs: number;
  /** A NOTIFY channel that wakes the loop early; the poll interval still runs in case one is missed. */
  channel?: string;
}

/**
 * The one way the worker runs a batch job (inbox, due timers, email, webhooks): until stopped,
 * again at once while batches come back full or after a NOTIFY on the job's channel, otherwise
 * after the poll interval.
 *
 * A failing batch is retried with exponential backoff (the poll interval, doubled per failure in
 * a row, capped at BACKOFF_MAX_MS, with jitter so many workers do not retry in step), so a
 * database outage is not hammered by every loop of every worker. Failures because the database
 * is unreachable go to the process's DatabaseOutage, which logs the outage once; other failures
 * are logged here, one line per try.
 */
export class PollingLoop {
  private readonly logger: Logger;
  private running = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private nudged = false;
  private failuresInARow = 0;
  private listener: PgNotificationListener | undefined;

  /** `databaseUrl`: where to LISTEN on the job's channel (none: the poll interval alone). */
  constructor(
    private readonly job: PolledJob,
    private readonly outage: DatabaseOutage,
    private readonly databaseUrl?: string,
  ) {
    this.logger = new Logger(`PollingLoop ${job.name}`);
  }

  async start(): Promise<void> {
    if (this.job.channel !== undefined && this.databaseUrl !== undefined) {
      this.listener = new PgNotificationListener(this.databaseUrl, this.job.channel, () => this.nudge(), this.outage);
      await this.listener.start();
    }
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.nudge();
    await this.loop;
    await this.listener?.close();
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
        const claimed = await this.job.batch();
        this.failuresInARow = 0;
        this.outage.succeeded();
        wait = claimed < this.job.batchSize ? this.job.pollIntervalMs : 0;
      } catch (error) {
        this.failuresInARow += 1;
        wait = backoffMs(this.job.pollIntervalMs, this.failuresInARow);
        if (!this.outage.failed(this.job.name, error)) {
          this.logger.error({
            msg: `${this.job.name} batch failed; retrying in ${wait} ms`,
            failuresInARow: this.failuresInARow,
            err: errorMessage(error),
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
