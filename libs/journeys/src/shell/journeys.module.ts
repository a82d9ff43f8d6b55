import { Module } from '@nestjs/common';
import { AnalyticsModule } from '@kizuna/analytics';
import { CustomersModule } from '@kizuna/customers';
import { OutboxModule } from '@kizuna/messaging';
import { SegmentsModule } from '@kizuna/segments';
import { EntryRollupRepository } from '../lift/entry-rollup.repository';
import { LiftService } from '../lift/lift.service';
import { SplitVerdictsService } from '../lift/split-verdicts.service';
import { JourneyEntryRepository } from './journey-entry.repository';
import { JourneyInstanceRepository } from './journey-instance.repository';
import { JourneyRepository } from './journey.repository';
import { JourneyRuntime } from './journey.runtime';
import { JourneysService } from './journeys.service';
import { SplitVerdictRepository } from './split-verdict.repository';

@Module({
  // Analytics: the shop's lift settings and message rollups for the lift and A/B reports
  // (decision 0035: reports that need journeys live here, analytics stays below journeys).
  imports: [CustomersModule, OutboxModule, SegmentsModule, AnalyticsModule],
  providers: [
    JourneyRepository,
    JourneyInstanceRepository,
    JourneyEntryRepository,
    SplitVerdictRepository,
    JourneyRuntime,
    JourneysService,
    EntryRollupRepository,
    LiftService,
    SplitVerdictsService,
  ],
  exports: [JourneyRuntime, JourneyInstanceRepository, JourneysService, LiftService, SplitVerdictsService],
})
export class JourneysModule {}
