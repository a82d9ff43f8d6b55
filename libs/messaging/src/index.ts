export { MessagingModule } from './messaging.module';
export type { Channel, EffectOrigin, MessageCategory, NewOutboxMessage, OutboxStatus } from './outbox-message';
export { OUTBOX_CHANNEL, OutboxRepository } from './outbox.repository';
export { TemplateCatalog } from './template-catalog';
