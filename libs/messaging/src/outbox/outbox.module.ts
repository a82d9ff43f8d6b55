import { Module } from '@nestjs/common';
import { OutboxRepository } from './outbox.repository';

/**
 * The outbox: what the journey engine enqueues in the transaction that decided it. Free of
 * delivery, so the engine can enqueue without transports, policy or templates.
 */
@Module({
  providers: [OutboxRepository],
  exports: [OutboxRepository],
})
export class OutboxModule {}
