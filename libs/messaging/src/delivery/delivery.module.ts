import { Module } from '@nestjs/common';
import { CustomersModule } from '@kizuna/customers';
import { DeliveryRepository } from './delivery.repository';

/**
 * What email and webhook delivery share: the delivery side of the outbox (claims, per-message
 * leases fenced by their owner, attempts; DeliveryRepository).
 */
@Module({
  // Claims read the profiles a message is personalised from, and the policy takes the customer lock.
  imports: [CustomersModule],
  providers: [DeliveryRepository],
  exports: [DeliveryRepository],
})
export class DeliveryModule {}
