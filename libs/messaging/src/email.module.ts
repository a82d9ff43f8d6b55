import { Module } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { CustomersModule } from '@kizuna/customers';
import { EventsModule } from '@kizuna/events';
import { DeliveryRepository } from './delivery.repository';
import { EmailDeliveryService } from './email-delivery.service';
import { EngagementService } from './engagement.service';
import { LinkTokenSigner } from './link-token.signer';
import { MailTransport, mailTransportFor } from './mail-transport';
import { MessageLinks } from './message-links';
import { MessageLogRepository } from './message-log.repository';
import { MessagesService } from './messages.service';
import { SendingPolicy } from './sending-policy';
import { SubscriptionRepository } from './subscription.repository';
import { SuppressionRepository } from './suppression.repository';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookSigner } from './webhook.signer';

/**
 * Email delivery and everything around it: the delivery worker's service, the SMTP or file
 * transport, the sending policy, signed links, engagement (opens, clicks, unsubscribe) and the
 * message log; and the delivery of webhook calls, claimed from the same outbox the same way.
 * Needs a MessageRenderer from the host (TemplatesModule provides it). MessagingModule alone
 * (the outbox) stays free of these, so the journey engine can enqueue without them.
 */
@Module({
  imports: [EventsModule, CustomersModule],
  providers: [
    DeliveryRepository,
    EmailDeliveryService,
    EngagementService,
    LinkTokenSigner,
    MessageLinks,
    MessageLogRepository,
    MessagesService,
    SubscriptionRepository,
    SuppressionRepository,
    WebhookDeliveryService,
    WebhookSigner,
    { provide: MailTransport, useFactory: mailTransportFor, inject: [KizunaConfig] },
    {
      provide: SendingPolicy,
      useFactory: (config: KizunaConfig) => new SendingPolicy(config.sendingPolicy),
      inject: [KizunaConfig],
    },
  ],
  exports: [
    EmailDeliveryService,
    WebhookDeliveryService,
    EngagementService,
    LinkTokenSigner,
    MessageLinks,
    MessagesService,
  ],
})
export class EmailModule {}
