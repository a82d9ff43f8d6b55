export {
  DeliveryRepository,
  type AttemptStart,
  type ClaimedMessage,
  type ClaimedWebhook,
  type LeasedMessage,
  type OpenedAttempt,
} from './delivery/delivery.repository';
export { EmailDeliveryService, retryDelayMs, smtpErrorOf } from './delivery/email/email-delivery.service';
export { EmailModule } from './delivery/email/email-delivery.module';
export { EngagementService, type PreferencePage } from './engagement/engagement.service';
export { LinkTokenSigner, type LinkPurpose } from './engagement/link-token.signer';
export {
  FileMailTransport,
  MailTransport,
  SmtpMailTransport,
  type MailReceipt,
  type OutgoingMail,
} from './delivery/email/mail-transport';
export { MessageLinks } from './engagement/message-links';
export {
  MessageLogRepository,
  type MessageAttempt,
  type MessageDetail,
  type MessageFilter,
  type MessageSummary,
  type SendingState,
  type UnknownAttemptCounts,
} from './message-log/message-log.repository';
export {
  MessageRenderError,
  MessageRenderer,
  type RecipientProfile,
  type RenderedMessage,
} from './delivery/email/message-renderer';
export { MessagesService, type MessagePage } from './message-log/messages.service';
export { MessagingErrorCode, MessagingException } from './messaging.exception';
export { MessagingModule } from './outbox/outbox.module';
export type {
  Channel,
  EffectOrigin,
  MessageCategory,
  NewOutboxMessage,
  OutboxStatus,
  WhenCapped,
} from './outbox/outbox-message';
export { OUTBOX_CHANNEL, OutboxRepository } from './outbox/outbox.repository';
export {
  SendingPolicy,
  type PolicyDecision,
  type PolicyInput,
  type SendingPolicySettings,
} from './policy/sending-policy';
export { checkRecipient, singleLine, type RecipientCheck } from './delivery/email/recipient.util';
export { SUPPRESSION_REASONS, type Suppression, type SuppressionReason } from './policy/suppression.repository';
export { TemplateCatalog } from './outbox/template-catalog';
export { WebhookDeliveryService } from './delivery/webhook/webhook-delivery.service';
export { SIGNATURE_HEADER, WebhookSigner } from './delivery/webhook/webhook.signer';
export { addOpenPixel, decodeEntities, rewriteLinks } from './engagement/tracking-html.util';
