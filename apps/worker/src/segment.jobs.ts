import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { DatabaseOutage } from '@kizuna/database';
import { SegmentEvaluationJobs } from '@kizuna/segments';

/**
 * Runs the segments' time-driven work on an interval, never overlapping itself. While the
 * database is known to be unreachable these jobs sit out: the pollers probe it with backoff and
 * end the outage, and nothing here is urgent enough to add its own tries (and log lines).
 */
@Injectable()
export class SegmentJobs {
  private readonly logger = new Logger(SegmentJobs.name);
  private rechecking = false;
  private evaluating = false;

  constructor(
    private readonly jobs: SegmentEvaluationJobs,
    private readonly outage: DatabaseOutage,
  ) {}

  @Interval(1000)
  async rechecks(): Promise<void> {
    if (this.rechecking || this.outage.ongoing) {
      return;
    }
    this.rechecking = true;
    try {
      while ((await this.jobs.runDueRechecks()) > 0) {
        // drain everything that is due
      }
    } catch (error) {
      if (!this.outage.failed('segment rechecks', error)) {
        this.logger.error({ msg: 'segment rechecks failed', err: String(error) });
      }
    } finally {
      this.rechecking = false;
    }
  }

  @Interval(2000)
  async newSegments(): Promise<void> {
    if (this.evaluating || this.outage.ongoing) {
      return;
    }
    this.evaluating = true;
    try {
      await this.jobs.evaluateNewSegments();
    } catch (error) {
      if (!this.outage.failed('segment evaluation', error)) {
        this.logger.error({ msg: 'segment evaluation failed', err: String(error) });
      }
    } finally {
      this.evaluating = false;
    }
  }
}
