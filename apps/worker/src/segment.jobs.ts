import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { SegmentEvaluationJobs } from '@kizuna/segments';

/** Runs the segments' time-driven work on an interval, never overlapping itself. */
@Injectable()
export class SegmentJobs {
  private readonly logger = new Logger(SegmentJobs.name);
  private rechecking = false;
  private evaluating = false;

  constructor(private readonly jobs: SegmentEvaluationJobs) {}

  @Interval(1000)
  async rechecks(): Promise<void> {
    if (this.rechecking) {
      return;
    }
    this.rechecking = true;
    try {
      while ((await this.jobs.runDueRechecks()) > 0) {
        // drain everything that is due
      }
    } catch (error) {
      this.logger.error({ msg: 'segment rechecks failed', err: String(error) });
    } finally {
      this.rechecking = false;
    }
  }

  @Interval(2000)
  async newSegments(): Promise<void> {
    if (this.evaluating) {
      return;
    }
    this.evaluating = true;
    try {
      await this.jobs.evaluateNewSegments();
    } catch (error) {
      this.logger.error({ msg: 'segment evaluation failed', err: String(error) });
    } finally {
      this.evaluating = false;
    }
  }
}
