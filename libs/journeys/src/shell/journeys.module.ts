import { Module } from '@nestjs/common';
import { CustomersModule } from '@kizuna/customers';
import { OutboxModule } from '@kizuna/messaging';
import { SegmentsModule } from '@kizuna/segments';
import { JourneyInstanceRepository } from './journey-instance.repository';
import { JourneyRepository } from './journey.repository';
import { JourneyRuntime } from './journey.runtime';
import { JourneysService } from './journeys.service';

@Module({
  imports: [CustomersModule, OutboxModule, SegmentsModule],
  providers: [JourneyRepository, JourneyInstanceRepository, JourneyRuntime, JourneysService],
  exports: [JourneyRuntime, JourneyInstanceRepository, JourneysService],
})
export class JourneysModule {}
