import { performance } from 'node:perf_hooks';
import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Clock, errorMessage } from '@kizuna/common';
import type { DataSource } from 'typeorm';
import { databaseClockOffset } from './database.metrics';

/** How often the clock is measured against PostgreSQL again (the host's oscillator drifts). */
const CLOCK_RESYNC_MS = 30_000;
/** Round trips per measurement; the fastest one is kept (the least queueing, the tightest bound). */
const SAMPLES_PER_SYNC = 3;
/** A host clock further off than this is worth a warning: other tools on the host disagree with Kizuna. */
const NOTABLE_OFFSET_MS = 1_000;

/** One round trip: monotonic times around the query, and PostgreSQL's clock_timestamp() in it. */
export interface ClockSample {
  sentAt: number;
  receivedAt: number;
  databaseMs: number;
}

/** PostgreSQL's time (epoch ms) at a point of this process's monotonic clock. */
export interface ClockAnchor {
  databaseMs: number;
  monotonicMs: number;
  roundTripMs: number;
}

/**
 * The sample with the shortest round trip, its database reading placed at the round trip's
 * midpoint (RTT/2 each way, as NTP assumes): the error is at most half that round trip.
 */
export function anchorFrom(samples: ClockSample[]): ClockAnchor {
  if (samples.length === 0) {
    throw new Error('no clock samples');
  }
  const best = samples.reduce((a, b) => (b.receivedAt - b.sentAt < a.receivedAt - a.sentAt ? b : a));
  return {
    databaseMs: best.databaseMs,
    monotonicMs: (best.sentAt + best.receivedAt) / 2,
    roundTripMs: best.receivedAt - best.sentAt,
  };
}

/**
 * Production's clock: PostgreSQL's time, so every api and worker process agrees on what is due
 * (within a millisecond or so) whatever its host clock says, and SQL comparing stored times
 * with the clock's value means the same as comparing them with the database's now().
 *
 * Answered synchronously, without a round trip: at start, and every CLOCK_RESYNC_MS, a few
 * `clock_timestamp()` round trips on one connection give an anchor (database time at a point
 * of the process's monotonic clock); now() is that anchor plus monotonic time elapsed. The
 * monotonic clock is immune to the host's wall clock being stepped; a re-measurement never
 * moves now() backwards (it holds until time catches up). Until the first measurement succeeds
 * (the database unreachable at start), it answers the host's time; the first measurement
 * replaces that guess outright, backwards too.
 */
@Injectable()
export class DatabaseClock extends Clock implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(DatabaseClock.name);
  private anchor: ClockAnchor = { databaseMs: Date.now(), monotonicMs: performance.now(), roundTripMs: 0 };
  private latest = 0;
  private measured = false;
  private resync: NodeJS.Timeout | undefined;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    super();
  }

  now(): Date {
    const at = this.anchor.databaseMs + (performance.now() - this.anchor.monotonicMs);
    this.latest = Math.max(this.latest, at);
    return new Date(Math.floor(this.latest));
  }

  async onModuleInit(): Promise<void> {
    try {
      await this.sync();
      const offsetMs = this.offsetMs();
      if (Math.abs(offsetMs) > NOTABLE_OFFSET_MS) {
        this.logger.warn({
          msg: "this host's clock differs from PostgreSQL's; Kizuna runs on PostgreSQL's",
          offsetMs: Math.round(offsetMs),
        });
      }
    } catch (error) {
      this.logger.warn({
        msg: "could not read PostgreSQL's clock; on the host's until it can",
        err: errorMessage(error),
      });
    }
    this.resync = setInterval(() => {
      // An outage is reported by the loops that need the database; the last anchor holds meanwhile.
      this.sync().catch((error: unknown) =>
        this.logger.debug({ msg: 'clock resync failed', err: errorMessage(error) }),
      );
    }, CLOCK_RESYNC_MS);
    this.resync.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.resync);
  }

  /** Measures PostgreSQL's clock again (a few round trips on one connection). */
  async sync(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    try {
      await runner.connect();
      const samples: ClockSample[] = [];
      for (let i = 0; i < SAMPLES_PER_SYNC; i++) {
        const sentAt = performance.now();
        const [row] = (await runner.query(
          `SELECT (extract(epoch FROM clock_timestamp()) * 1000)::float8 AS ms`,
        )) as Array<{ ms: number }>;
        samples.push({ sentAt, receivedAt: performance.now(), databaseMs: row!.ms });
      }
      this.anchor = anchorFrom(samples);
      if (!this.measured) {
        this.measured = true;
        this.latest = 0;
      }
      databaseClockOffset.set(this.offsetMs() / 1000);
    } finally {
      await runner.release().catch(() => undefined);
    }
  }

  /** PostgreSQL's clock minus this host's, at the last measurement. */
  private offsetMs(): number {
    return this.anchor.databaseMs - (performance.timeOrigin + this.anchor.monotonicMs);
  }
}
