import { Injectable, Logger } from '@nestjs/common';
import { Clock, errorMessage, journeyTimerLag, journeyTimersFired } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { isDatabaseUnreachable, UnitOfWork } from '@kizuna/database';
import { JourneyInstanceRepository, JourneyRuntime, type DueTimer } from '@kizuna/journeys';
import type { EntityManager } from 'typeorm';

/**
 * Fires due journey timers in batches: claims them (SKIP LOCKED, and only customers it can lock
 * at once), feeds each to its instance in one working set and commits snapshots, timers,
 * history and outbox together in a few statements. If the batch fails, each timer is retried
 * alone under a savepoint, and a failing one is postponed. A crash before commit leaves the
 * timers in place to be claimed again.
 */
@Injectable()
export class TimerProcessor {
  private readonly logger = new Logger(TimerProcessor.name);

  constructor(
    private readonly uow: UnitOfWork,
    private readonly instances: JourneyInstanceRepository,
    private readonly runtime: JourneyRuntime,
    private readonly clock: Clock,
    private readonly config: KizunaConfig,
  ) {}

  /** Processes one batch; returns how many timers it claimed. */
  processBatch(): Promise<number> {
    return this.uow.run(async (tx) => {
      const now = this.clock.now();
      const timers = await this.runtime.claimDueTimers(tx, now, this.config.worker.batchSize);
      if (timers.length === 0) {
        return 0;
      }
      try {
        await this.uow.savepoint(tx, () => this.fire(tx, timers, now));
      } catch (error) {
        if (isDatabaseUnreachable(error)) {
          throw error; // the timers stay due; postponing them would fail as well
        }
        if (timers.length === 1) {
          await this.postpone(tx, timers[0]!, now, error);
          return timers.length;
        }
        this.logger.warn({ msg: 'timer batch failed; firing its timers one by one', err: errorMessage(error) });
        for (const timer of timers) {
          try {
            await this.uow.savepoint(tx, () => this.fire(tx, [timer], now));
          } catch (failure) {
            await this.postpone(tx, timer, now, failure);
          }
        }
      }
      return timers.length;
    });
  }

  private async fire(tx: EntityManager, timers: DueTimer[], now: Date): Promise<void> {
    const batch = await this.runtime.begin(tx, { customerUuids: timers.map((t) => t.customerUuid), now });
    for (const timer of timers) {
      await this.runtime.applyTimer(tx, batch, timer);
    }
    await this.runtime.write(tx, batch);
    for (const timer of timers) {
      journeyTimersFired.inc({ outcome: 'ok' });
      journeyTimerLag.observe(Math.max(0, now.getTime() - timer.dueAt.getTime()) / 1000);
    }
  }

  /** Retried later rather than at once, so one broken timer cannot spin a worker. */
  private async postpone(tx: EntityManager, timer: DueTimer, now: Date, error: unknown): Promise<void> {
    this.logger.error({
      msg: 'journey timer failed; retrying in a minute',
      instanceId: timer.instanceId,
      timerId: timer.timerId,
      err: errorMessage(error),
    });
    journeyTimersFired.inc({ outcome: 'failed' });
    await this.instances.postponeTimer(tx, timer, new Date(now.getTime() + 60_000));
  }
}
