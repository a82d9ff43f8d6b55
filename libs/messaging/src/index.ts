export {
  DeliveryRepository,
  type AttemptStart,
  type ClaimedMessage,
  type ClaimedWebhook,
  type LeasedMessage,
  type OpenedAttempt,
} from './delivery.repository';
export { EmailDeliveryService, retryDelayMs, smtpErrorOf } from './email-delivery.service';
export { EmailModule } from './email.module';
export { EngagementService, type PreferencePage } from './engagement.service';
export { LinkTokenSigner, type LinkPurpose } from './link-token.signer';
export {
  FileMailTransport,
  MailTransport,
  SmtpMailTransport,
  type MailReceipt,
  type OutgoingMail,
} from './mail-transport';
export { MessageLinks } from './message-links';
export {
  MessageLogRepository,
  type MessageAttempt,
  type MessageDetail,
  type MessageFilter,
  type MessageSummary,
  type SendingState,
  type UnknownAttemptCounts,
} from './message-log.repository';
export { MessageRenderError, MessageRenderer, type RecipientProfile, type RenderedMessage } from './message-renderer';
export { MessagesService, type MessagePage } from './messages.service';
export { MessagingErrorCode, MessagingException } from './messaging.exception';
export { MessagingModule } from './messaging.module';
export type {
  Channel,
  EffectOrigin,
  MessageCategory,
  NewOutboxMessage,
  OutboxStatus,
  WhenCapped,
} from './outbox-message';
export { OUTBOX_CHANNEL, OutboxRepository } from './outbox.repository';
export { SendingPolicy, type PolicyDecision, type PolicyInput, type SendingPolicySettings } from './sending-policy';
export { checkRecipient, singleLine, type RecipientCheck } from './recipient.util';
export { SUPPRESSION_REASONS, type Suppression, type SuppressionReason } from './suppression.repository';
export { TemplateCatalog } from './template-catalog';
export { WebhookDeliveryService } from './webhook-delivery.service';
export { SIGNATURE_HEADER, WebhookSigner } from './webhook.signer';
export { addOpenPixel, decodeEntities, rewriteLinks } from './tracking-html.util';
