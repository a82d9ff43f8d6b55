import { Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { CustomersModule } from '@kizuna/customers';
import { EventsModule } from '@kizuna/events';
import { EmailModule } from '@kizuna/messaging';
import { TemplatesModule } from '@kizuna/templates';
import { DeliveryPoller } from './delivery.poller';
import { EmailMaintenanceJobs } from './email-maintenance.jobs';
import { InboxPoller } from './inbox.poller';
import { InboxProcessor } from './inbox.processor';
import { MaintenanceJobs } from './maintenance.jobs';

/**
 * Background processing: the inbox, email delivery, and scheduled housekeeping. Expects
 * ConfigModule, ClockModule and DatabaseModule from the process that hosts it (see bootstrap.ts).
 */
@Module({
  imports: [ScheduleModule.forRoot(), EventsModule, CustomersModule, TemplatesModule, EmailModule],
  providers: [InboxProcessor, InboxPoller, DeliveryPoller, MaintenanceJobs, EmailMaintenanceJobs],
  exports: [InboxProcessor],
})
export class WorkerModule {}
