import { Injectable, Logger } from '@nestjs/common';
import { journeyTimerLag, journeyTimersFired } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { UnitOfWork } from '@kizuna/database';
import { EngineClock, JourneyInstanceRepository, JourneyRuntime } from '@kizuna/journeys';

/**
 * Fires due journey timers in batches: claims them (SKIP LOCKED, and only customers whose row it
 * can lock at once), feeds each to its instance and commits snapshot, timers, history and outbox
 * together. A crash before commit leaves the timers in place to be claimed again.
 */
@Injectable()
export class TimerProcessor {
  private readonly logger = new Logger(TimerProcessor.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly instances: JourneyInstanceRepository,
    private readonly runtime: JourneyRuntime,
    private readonly clock: EngineClock,
    private readonly config: KizunaConfig,
  ) {}

  /** Processes one batch; returns how many timers it claimed. */
  processBatch(): Promise<number> {
    return this.uow.run(async (tx) => {
      const now = await this.clock.now(tx);
      const timers = await this.instances.claimDue(tx, now, this.config.worker.batchSize);
      for (const timer of timers) {
        try {
          await this.uow.savepoint(tx, () => this.runtime.applyTimer(tx, timer, now));
          journeyTimersFired.inc({ outcome: 'ok' });
          journeyTimerLag.observe(Math.max(0, now.getTime() - timer.dueAt.getTime()) / 1000);
        } catch (error) {
          // Retried later rather than at once, so one broken timer cannot spin a worker.
          this.logger.error({
            msg: 'journey timer failed; retrying in a minute',
            instanceId: timer.instanceId,
            timerId: timer.timerId,
            err: error instanceof Error ? error.message : String(error),
          });
          journeyTimersFired.inc({ outcome: 'failed' });
          await this.instances.postponeTimer(tx, timer, new Date(now.getTime() + 60_000));
        }
      }
      return timers.length;
    });
  }
}
