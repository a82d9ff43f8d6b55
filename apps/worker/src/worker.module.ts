import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CustomersModule } from '@kizuna/customers';
import { EventsModule } from '@kizuna/events';
import { SegmentsModule } from '@kizuna/segments';
import { InboxPoller } from './inbox.poller';
import { InboxProcessor } from './inbox.processor';
import { MaintenanceJobs } from './maintenance.jobs';
import { SegmentJobs } from './segment.jobs';

/**
 * Background processing: the inbox, and scheduled housekeeping. Expects ConfigModule,
 * ClockModule and DatabaseModule from the process that hosts it (see bootstrap.ts).
 */
@Module({
  imports: [ScheduleModule.forRoot(), EventsModule, CustomersModule, SegmentsModule],
  providers: [InboxProcessor, InboxPoller, MaintenanceJobs, SegmentJobs],
  exports: [InboxProcessor],
})
export class WorkerModule {}
