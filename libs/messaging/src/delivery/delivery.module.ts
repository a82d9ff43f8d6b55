import { Module } from '@nestjs/common';
import { DeliveryRepository } from './delivery.repository';

/**
 * What email and webhook delivery share: the delivery side of the outbox (claims, per-message
 * leases fenced by their owner, attempts; DeliveryRepository).
 */
@Module({
  providers: [DeliveryRepository],
  exports: [DeliveryRepository],
})
export class DeliveryModule {}
