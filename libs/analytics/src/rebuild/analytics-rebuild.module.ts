import { Module } from '@nestjs/common';
import { CustomersModule } from '@kizuna/customers';
import { AnalyticsModule } from '../analytics.module';
import { ShopAnalyticsModule } from '../shop/shop-analytics.module';
import { AnalyticsRebuildRepository } from './analytics-rebuild.repository';
import { AnalyticsRebuildService } from './analytics-rebuild.service';

/** The analytics rebuild (`kizuna analytics rebuild`): message figures and the shop's rollups from the facts. */
@Module({
  imports: [CustomersModule, AnalyticsModule, ShopAnalyticsModule],
  providers: [AnalyticsRebuildRepository, AnalyticsRebuildService],
  exports: [AnalyticsRebuildService],
})
export class AnalyticsRebuildModule {}
