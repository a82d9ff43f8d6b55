import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AnalyticsModule, ShopAnalyticsModule } from '@kizuna/analytics';
import { CustomersModule } from '@kizuna/customers';
import { EventsModule } from '@kizuna/events';
import { JourneysModule } from '@kizuna/journeys';
import { SegmentsModule } from '@kizuna/segments';
import { EmailDeliveryModule, MessageLogModule, WebhookDeliveryModule } from '@kizuna/messaging';
import { TemplatesModule } from '@kizuna/templates';
import { BatchJobsPoller } from './batch-jobs.poller';
import { InboxProcessor } from './inbox.processor';
import { MaintenanceJobs } from './maintenance.jobs';
import { ScheduledWork } from './scheduled-work';
import { SegmentJobs } from './segment.jobs';
import { SplitVerdictJobs } from './split-verdict.jobs';
import { TimerProcessor } from './timer.processor';

/**
 * Background processing: the inbox (profiles, journeys, segments), due journey timers, segment
 * rechecks, email and webhook delivery, and scheduled housekeeping. Expects ConfigModule, ClockModule and
 * DatabaseModule from the process that hosts it (see bootstrap.ts).
 */
@Module({
  imports: [
    ScheduleModule.forRoot(),
    EventsModule,
    CustomersModule,
    ShopAnalyticsModule,
    TemplatesModule,
    EmailDeliveryModule,
    WebhookDeliveryModule,
    MessageLogModule,
    JourneysModule,
    SegmentsModule,
    AnalyticsModule,
  ],
  providers: [
    InboxProcessor,
    TimerProcessor,
    BatchJobsPoller,
    ScheduledWork,
    MaintenanceJobs,
    SegmentJobs,
    SplitVerdictJobs,
  ],
  exports: [InboxProcessor, TimerProcessor],
})
export class WorkerModule {}
