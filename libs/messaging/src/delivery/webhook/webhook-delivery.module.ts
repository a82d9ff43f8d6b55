import { Module } from '@nestjs/common';
import { DeliveryModule } from '../delivery.module';
import { WebhookDeliveryService } from './webhook-delivery.service';
import { WebhookSigner } from './webhook.signer';

/** Webhook delivery: signed calls, claimed from the outbox and leased exactly as email is. */
@Module({
  imports: [DeliveryModule],
  providers: [WebhookDeliveryService, WebhookSigner],
  exports: [WebhookDeliveryService],
})
export class WebhookDeliveryModule {}
