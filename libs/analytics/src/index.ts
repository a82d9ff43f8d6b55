export { normalCdf, normalQuantile } from './normal-distribution.util';
export { ratio, type Ratio } from './ratio.util';
export {
  DEFAULT_LIFT_SETTINGS,
  differenceInterval,
  measureLift,
  measureSplitTest,
  minimumSampleSize,
  moreEntrantsNeeded,
  relativeLift,
  revenuePerEntrantDifference,
  twoProportionZTest,
  wilsonInterval,
  type Estimate,
  type GroupOutcome,
  type GroupSizes,
  type Interval,
  type LiftReport,
  type LiftSettings,
  type Proportion,
  type RevenueSums,
  type SampleSizeInput,
  type SplitPath,
  type SplitTestReport,
} from './statistics.util';
export {
  addMonths,
  asOfInstant,
  monthsAfter,
  shiftShopDay,
  shopDayOf,
  shopMonthOf,
  shopPeriod,
  trailingDays,
  type Instants,
  type ShopDay,
  type ShopMonth,
} from './shop-calendar.util';
export {
  averageOrderValue,
  churnRate,
  churnWindows,
  customerLifetimeValue,
  DEFAULT_CHURN_DAYS,
  MAX_LIFESPAN_YEARS,
  netPromoterScore,
  npsByMonth,
  npsFromCounts,
  npsGroup,
  NPS_GROUP_SCORES,
  purchaseFrequency,
  repeatPurchaseRate,
  type LifetimeValue,
  type NetPromoterScore,
  type NpsAnswer,
  type NpsGroup,
} from './kpis.util';
export {
  classifyMessageEngagement,
  DEFAULT_ENGAGEMENT_THRESHOLDS,
  type Engaged,
  type EngagementHit,
  type EngagementThresholds,
  type LinkClick,
  type MachineReason,
  type MessageActivity,
  type MessageEngagement,
  type Verdict,
} from './engagement.util';
export {
  attributeOrders,
  creditFor,
  DEFAULT_ATTRIBUTION,
  type AttributionSettings,
  type AttributionTouch,
  type Credit,
  type MessageTouch,
  type OrderPlaced,
} from './attribution.util';
export { ShopAnalyticsModule } from './shop/shop-analytics.module';
export { ShopKpisService, type ShopKpis } from './shop/shop-kpis.service';
export { ShopCohortsService, type Cohort } from './shop/shop-cohorts.service';
export { NpsReportService, type NpsCommentCursor } from './shop/nps-report.service';
export { NpsAnswerRepository, type NpsAnswerFact } from './shop/nps-answer.repository';
export { AnalyticsModule } from './analytics.module';
export {
  analyticsSettingsChangeSchema,
  storedAnalyticsSettingsSchema,
  DEFAULT_ANALYTICS_SETTINGS,
  type AnalyticsSettings,
  type StoredAnalyticsSettings,
} from './settings/analytics-settings';
export { AnalyticsSettingsRepository } from './settings/analytics-settings.repository';
export { MessageEngagementRepository } from './messages/message-engagement.repository';
export {
  OrderAttributionRepository,
  type AppliedOrder,
  type AttributionContext,
  type OrderState,
} from './messages/order-attribution.repository';
export {
  MessageReportRepository,
  type MessageFigures,
  type MessageGrouping,
  type JourneyMessageTotals,
  type SplitPathMessageTotals,
} from './messages/message-report.repository';
export { AnalyticsRebuildModule } from './rebuild/analytics-rebuild.module';
export { AnalyticsRebuildService } from './rebuild/analytics-rebuild.service';
