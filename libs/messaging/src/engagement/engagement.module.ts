import { Module } from '@nestjs/common';
import { EventsModule } from '@kizuna/events';
import { EngagementService } from './engagement.service';
import { LinkTokenSigner } from './link-token.signer';
import { MessageLinks } from './message-links';
import { SubscriptionRepository } from './subscription.repository';

/**
 * Engagement: the signed links put into a message (unsubscribe, open pixel, click redirects)
 * and what they do once verified (consent changes, email.* events into the inbox).
 */
@Module({
  imports: [EventsModule],
  providers: [EngagementService, LinkTokenSigner, MessageLinks, SubscriptionRepository],
  exports: [EngagementService, LinkTokenSigner, MessageLinks],
})
export class EngagementModule {}
