import { Module } from '@nestjs/common';
import { CustomersModule } from '@kizuna/customers';
import { AnalyticsModule } from '../analytics.module';
import { NpsAnswerRepository } from './nps-answer.repository';
import { NpsReportService } from './nps-report.service';
import { ShopCohortsService } from './shop-cohorts.service';
import { ShopKpisService } from './shop-kpis.service';
import { ShopRollupsReader } from './shop-rollups.reader';

/** The shop's KPIs, cohorts and NPS (docs/analytics.md), and the NPS answer facts the inbox writes. */
@Module({
  imports: [CustomersModule, AnalyticsModule],
  providers: [ShopRollupsReader, ShopKpisService, ShopCohortsService, NpsAnswerRepository, NpsReportService],
  // ShopRollupsReader: the analytics rebuild makes the rollups ready too.
  exports: [ShopKpisService, ShopCohortsService, NpsAnswerRepository, NpsReportService, ShopRollupsReader],
})
export class ShopAnalyticsModule {}
