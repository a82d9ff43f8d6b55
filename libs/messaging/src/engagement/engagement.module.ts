import { Module } from '@nestjs/common';
import { AnalyticsModule } from '@kizuna/analytics';
import { CustomersModule } from '@kizuna/customers';
import { EventsModule } from '@kizuna/events';
import { SendingPolicyModule } from '../policy/sending-policy.module';
import { EngagementService } from './engagement.service';
import { LinkTokenSigner } from './link-token.signer';
import { MessageLinks } from './message-links';
import { SubscriptionRepository } from './subscription.repository';

/**
 * Engagement: the signed links put into a message (unsubscribe, open pixel, click redirects)
 * and what they do once verified (consent changes, email.* events into the inbox).
 */
@Module({
  // An unsubscribe writes the suppression list (the policy's) with the consent change.
  // Every hit is kept and classified by analytics in the hit's transaction.
  imports: [EventsModule, CustomersModule, SendingPolicyModule, AnalyticsModule],
  providers: [EngagementService, LinkTokenSigner, MessageLinks, SubscriptionRepository],
  exports: [EngagementService, LinkTokenSigner, MessageLinks],
})
export class EngagementModule {}
