import { Module } from '@nestjs/common';
import { JourneysModule } from '@kizuna/journeys';
import { EntryRollupRepository } from './lift/entry-rollup.repository';
import { LiftService } from './lift/lift.service';
import { SplitVerdictsService } from './lift/split-verdicts.service';
import { AnalyticsSettingsRepository } from './settings/analytics-settings.repository';

/** The measurement side of Kizuna (issue #12): settings, facts, rollups and the reports read from them. */
@Module({
  imports: [JourneysModule],
  providers: [AnalyticsSettingsRepository, EntryRollupRepository, LiftService, SplitVerdictsService],
  exports: [AnalyticsSettingsRepository, LiftService, SplitVerdictsService],
})
export class AnalyticsModule {}
