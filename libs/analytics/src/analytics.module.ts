import { Module } from '@nestjs/common';
import { AnalyticsSettingsRepository } from './settings/analytics-settings.repository';

/** The measurement side of Kizuna (issue #12): settings, facts, rollups and the reports read from them. */
@Module({
  providers: [AnalyticsSettingsRepository],
  exports: [AnalyticsSettingsRepository],
})
export class AnalyticsModule {}
