import { Injectable } from '@nestjs/common';
import { Cron, CronExpression } from '@nestjs/schedule';
import { SplitVerdictsService } from '@kizuna/journeys';
import { ScheduledWork } from './scheduled-work';

/**
 * Records A/B verdicts that have come due (SplitVerdictsService): a split past its horizon gets
 * its winner, and autoWinner splits send new entrants there from then on.
 */
@Injectable()
export class SplitVerdictJobs {
  constructor(
    private readonly verdicts: SplitVerdictsService,
    private readonly scheduled: ScheduledWork,
  ) {}

  @Cron(CronExpression.EVERY_10_MINUTES)
  declareDue(): Promise<void> {
    return this.scheduled.run('A/B verdicts', async () => {
      await this.verdicts.declareDue();
    });
  }
}
