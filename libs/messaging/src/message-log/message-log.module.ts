import { Module } from '@nestjs/common';
import { CustomersModule } from '@kizuna/customers';
import { EmailDeliveryModule } from '../delivery/email/email-delivery.module';
import { SendingPolicyModule } from '../policy/sending-policy.module';
import { MessageLogRepository } from './message-log.repository';
import { MessagesService } from './messages.service';

/**
 * The message log and its operations: browse, inspect, retry, the sending kill switch, the
 * suppression list's entries, and template test-sends (through the mail transport).
 */
@Module({
  imports: [EmailDeliveryModule, SendingPolicyModule, CustomersModule],
  providers: [MessageLogRepository, MessagesService],
  exports: [MessagesService],
})
export class MessageLogModule {}
