import { Module } from '@nestjs/common';
import { JourneysModule } from '@kizuna/journeys';
import { EntryRollupRepository } from './entry-rollup.repository';
import { LiftService } from './lift.service';
import { SplitVerdictsService } from './split-verdicts.service';

/** Holdout lift and A/B tests of journeys, and the job that records A/B verdicts. */
@Module({
  imports: [JourneysModule],
  providers: [EntryRollupRepository, LiftService, SplitVerdictsService],
  exports: [LiftService, SplitVerdictsService],
})
export class LiftModule {}
