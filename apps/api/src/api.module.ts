import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ApiKeyGuard, ApiKeyThrottlerGuard, AuthModule } from '@kizuna/auth';
import { AnalyticsModule, ShopAnalyticsModule } from '@kizuna/analytics';
import { CustomersModule } from '@kizuna/customers';
import { EventsModule } from '@kizuna/events';
import { JourneysModule } from '@kizuna/journeys';
import { SegmentsModule } from '@kizuna/segments';
import { EngagementModule, MessageLogModule } from '@kizuna/messaging';
import { ReferenceModule } from '@kizuna/reference';
import { TemplatesModule } from '@kizuna/templates';
import { ShopAnalyticsController } from './analytics/shop-analytics.controller';
import { AnalyticsSettingsController } from './analytics/analytics-settings.controller';
import { JourneyLiftController } from './analytics/journey-lift.controller';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ConsoleSetupAnnouncer } from './console/console-setup.announcer';
import { InvitationsController } from './console/invitations.controller';
import { SessionController } from './console/session.controller';
import { UsersController } from './console/users.controller';
import { CustomersController } from './customers/customers.controller';
import { EventsController } from './events/events.controller';
import { HealthController } from './health/health.controller';
import { DatabaseHealthIndicator } from './health/database.health';
import { MigrationsHealthIndicator } from './health/migrations.health';
import { BodyParsingInterceptor } from './http/body-parsing.interceptor';
import { ErrorFilter } from './http/error.filter';
import { UntrustedInputInterceptor } from './http/untrusted-input.interceptor';
import { CustomerJourneysController } from './journeys/customer-journeys.controller';
import { JourneysController } from './journeys/journeys.controller';
import { LinkTokenGuard } from './links/link-token.guard';
import { LinksController } from './links/links.controller';
import { MessagesController } from './messages/messages.controller';
import { MessageAnalyticsController } from './analytics/message-analytics.controller';
import { MetricsController } from './metrics/metrics.controller';
import { SegmentController } from './segment/segment.controller';
import { ReferenceController } from './reference/reference.controller';
import { SegmentsController } from './segments/segments.controller';
import { ShopifyHmacGuard } from './shopify/shopify-hmac.guard';
import { ShopifyWebhookController } from './shopify/shopify-webhook.controller';
import { TemplatesController } from './templates/templates.controller';

/**
 * The HTTP surface. Every route passes the global ApiKeyGuard (an API key or a console session),
 * which refuses any route that does not declare who may call it, then the per-key rate limit (it needs the principal the
 * first guard sets: keep this order); bodies are parsed only after all guards
 * (BodyParsingInterceptor). Expects ConfigModule, ClockModule and DatabaseModule from
 * the hosting process (see apps/kizuna/src/kizuna.module.ts).
 */
@Module({
  imports: [
    TerminusModule,
    AuthModule,
    EventsModule,
    CustomersModule,
    TemplatesModule,
    EngagementModule,
    MessageLogModule,
    JourneysModule,
    SegmentsModule,
    ReferenceModule,
    ShopAnalyticsModule,
    AnalyticsModule,
  ],
  controllers: [
    HealthController,
    MetricsController,
    JourneyLiftController,
    EventsController,
    SegmentController,
    ShopifyWebhookController,
    CustomersController,
    CustomerJourneysController,
    JourneysController,
    ApiKeysController,
    SegmentsController,
    TemplatesController,
    MessagesController,
    LinksController,
    ReferenceController,
    SessionController,
    InvitationsController,
    UsersController,
    ShopAnalyticsController,
    AnalyticsSettingsController,
    MessageAnalyticsController,
  ],
  providers: [
    DatabaseHealthIndicator,
    MigrationsHealthIndicator,
    ShopifyHmacGuard,
    LinkTokenGuard,
    ConsoleSetupAnnouncer,
    { provide: APP_GUARD, useExisting: ApiKeyGuard },
    { provide: APP_GUARD, useExisting: ApiKeyThrottlerGuard },
    { provide: APP_INTERCEPTOR, useClass: BodyParsingInterceptor },
    { provide: APP_FILTER, useClass: ErrorFilter },
    // After the guards (who may call), before any pipe or handler (what they may send).
    { provide: APP_INTERCEPTOR, useClass: UntrustedInputInterceptor },
  ],
})
export class ApiModule {}
