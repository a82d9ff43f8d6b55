/*
 * The public surface of messaging, by concern: the outbox (what the journey engine enqueues),
 * email and webhook delivery (worker), engagement (signed links and what they do), the message
 * log and its operations, and the contracts other libs implement (TemplateCatalog,
 * MessageRenderer). Everything else (delivery bookkeeping, the sending policy's internals,
 * transports) is the lib's own.
 */

// Outbox
export { OutboxModule } from './outbox/outbox.module';
export { OUTBOX_CHANNEL, OutboxRepository } from './outbox/outbox.repository';
export type { NewOutboxMessage } from './outbox/outbox-message';
export { TemplateCatalog } from './outbox/template-catalog';

// Delivery
export { EmailDeliveryModule } from './delivery/email/email-delivery.module';
export { EmailDeliveryService } from './delivery/email/email-delivery.service';
export {
  MessageRenderError,
  MessageRenderer,
  type RecipientProfile,
  type RenderedMessage,
} from './delivery/email/message-renderer';
export { WebhookDeliveryModule } from './delivery/webhook/webhook-delivery.module';
export { WebhookDeliveryService } from './delivery/webhook/webhook-delivery.service';

// Engagement
export { EngagementModule } from './engagement/engagement.module';
export { EngagementService, type PreferencePage } from './engagement/engagement.service';
export { LinkTokenSigner, type LinkPurpose } from './engagement/link-token.signer';

// Message log and operations
export { MessageLogModule } from './message-log/message-log.module';
export type { MessageDetail, MessageSummary } from './message-log/message-log.repository';
export { MessagesService, type SendingHealth } from './message-log/messages.service';
export { SUPPRESSION_REASONS, type Suppression } from './policy/suppression.repository';

export { MessagingErrorCode } from './messaging.exception';
