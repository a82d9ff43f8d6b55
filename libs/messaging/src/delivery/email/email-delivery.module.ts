import { Module } from '@nestjs/common';
import { KizunaConfig } from '@kizuna/config';
import { EngagementModule } from '../../engagement/engagement.module';
import { SendingPolicyModule } from '../../policy/sending-policy.module';
import { DeliveryModule } from '../delivery.module';
import { EmailDeliveryService } from './email-delivery.service';
import { MailTransport, mailTransportFor } from './mail-transport';

/**
 * Email delivery: the delivery worker's service and the SMTP or file transport. Asks the
 * sending policy before each send and puts engagement's signed links into each message. Needs a
 * MessageRenderer from the host (TemplatesModule provides it).
 */
@Module({
  imports: [DeliveryModule, SendingPolicyModule, EngagementModule],
  providers: [EmailDeliveryService, { provide: MailTransport, useFactory: mailTransportFor, inject: [KizunaConfig] }],
  exports: [EmailDeliveryService, MailTransport],
})
export class EmailDeliveryModule {}
