import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@kizuna/common';
import { JourneysService } from '../shell/journeys.service';
import { SplitVerdictRepository } from '../shell/split-verdict.repository';
import { LiftService } from './lift.service';

/**
 * Takes each split's A/B verdict once, at its horizon (docs/analytics.md, "Peeking: fixed
 * horizon"): the first time every comparison with the control has reached its minimum sample
 * over the journey's whole history, the winner (or that there is none) is recorded with the
 * figures it was taken on, and never revisited. The engine then sends new entrants of an
 * `autoWinner` split down the winning path. Any number of workers may run it: the first record
 * of a split wins, the others change nothing.
 */
@Injectable()
export class SplitVerdictsService {
  private readonly logger = new Logger(SplitVerdictsService.name);

  constructor(
    private readonly journeys: JourneysService,
    private readonly lift: LiftService,
    private readonly verdicts: SplitVerdictRepository,
    private readonly clock: Clock,
  ) {}

  /** Records the verdicts now due; returns how many it recorded. */
  async declareDue(): Promise<number> {
    let recorded = 0;
    for (const journey of await this.journeys.list()) {
      if (journey.status !== 'active' && journey.status !== 'paused') {
        continue;
      }
      const report = await this.lift.splits(journey.id, 'whole-history');
      for (const split of report.splits) {
        if (split.status !== 'ready' || split.declaredAt !== null) {
          continue;
        }
        const fresh = await this.verdicts.record({
          journeyId: journey.id,
          stepId: split.stepId,
          winner: split.current,
          figures: {
            asOf: report.asOf,
            countedThrough: report.countedThrough,
            confidence: split.confidence,
            paths: split.paths,
          },
          decidedAt: this.clock.now(),
        });
        if (fresh) {
          recorded++;
          this.logger.log({
            msg: 'A/B verdict recorded',
            journeyId: journey.id,
            stepId: split.stepId,
            winner: split.current,
          });
        }
      }
    }
    return recorded;
  }
}
