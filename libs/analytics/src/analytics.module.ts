import { Module } from '@nestjs/common';
import { MessageEngagementRepository } from './messages/message-engagement.repository';
import { MessageReportRepository } from './messages/message-report.repository';
import { OrderAttributionRepository } from './messages/order-attribution.repository';
import { AnalyticsSettingsRepository } from './settings/analytics-settings.repository';

/** The measurement side of Kizuna (issue #12): settings, facts, rollups and the reports read from them. */
@Module({
  providers: [
    AnalyticsSettingsRepository,
    // Message engagement, attribution and the message report (decision 0033).
    MessageEngagementRepository,
    OrderAttributionRepository,
    MessageReportRepository,
  ],
  exports: [
    AnalyticsSettingsRepository,
    MessageEngagementRepository,
    OrderAttributionRepository,
    MessageReportRepository,
  ],
})
export class AnalyticsModule {}
