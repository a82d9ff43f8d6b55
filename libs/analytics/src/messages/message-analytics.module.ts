import { Module } from '@nestjs/common';
import { MessageEngagementRepository } from './message-engagement.repository';
import { MessageReportRepository } from './message-report.repository';
import { OrderAttributionRepository } from './order-attribution.repository';

/**
 * Message analytics: engagement hits and each message's summary (written by the tracking
 * endpoints' transactions), order attribution (written by the inbox's), and the report read
 * from the `message_daily` rollup (decision 0033).
 */
@Module({
  providers: [MessageEngagementRepository, OrderAttributionRepository, MessageReportRepository],
  exports: [MessageEngagementRepository, OrderAttributionRepository, MessageReportRepository],
})
export class MessageAnalyticsModule {}
