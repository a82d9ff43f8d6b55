import { Module } from '@nestjs/common';
import { CustomersModule } from '@kizuna/customers';
import { OutboxModule } from '@kizuna/messaging';
import { SegmentsModule } from '@kizuna/segments';
import { JourneyEntryRepository } from './journey-entry.repository';
import { JourneyInstanceRepository } from './journey-instance.repository';
import { JourneyRepository } from './journey.repository';
import { JourneyRuntime } from './journey.runtime';
import { JourneysService } from './journeys.service';
import { SplitVerdictRepository } from './split-verdict.repository';

@Module({
  imports: [CustomersModule, OutboxModule, SegmentsModule],
  providers: [
    JourneyRepository,
    JourneyInstanceRepository,
    JourneyEntryRepository,
    SplitVerdictRepository,
    JourneyRuntime,
    JourneysService,
  ],
  exports: [JourneyRuntime, JourneyInstanceRepository, JourneysService, SplitVerdictRepository],
})
export class JourneysModule {}
