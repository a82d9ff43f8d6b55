import { Injectable } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { SegmentEvaluationJobs } from '@kizuna/segments';
import { ScheduledWork } from './scheduled-work';

/** Runs the segments' time-driven work on an interval (ScheduledWork: no overlap, outages sat out). */
@Injectable()
export class SegmentJobs {
  constructor(
    private readonly jobs: SegmentEvaluationJobs,
    private readonly scheduled: ScheduledWork,
  ) {}

  @Interval(1000)
  rechecks(): Promise<void> {
    return this.scheduled.run('segment rechecks', async () => {
      while ((await this.jobs.runDueRechecks()) > 0) {
        // drain everything that is due
      }
    });
  }

  @Interval(2000)
  newSegments(): Promise<void> {
    return this.scheduled.run('segment evaluation', () => this.jobs.evaluateNewSegments());
  }
}
