import { DomainException } from '@kizuna/common';

export enum EventsErrorCode {
  IdempotencyConflict = 'IDEMPOTENCY_CONFLICT',
  BatchTooLarge = 'BATCH_TOO_LARGE',
  UnsupportedWebhookTopic = 'UNSUPPORTED_WEBHOOK_TOPIC',
}

export class EventsException extends DomainException<EventsErrorCode> {}
