export { canonicalJson, contentHash } from './canonical-json';
export { EventInboxRepository, INBOX_CHANNEL } from './event-inbox.repository';
export { EventIngestService, type EventCandidate, type SystemEvent } from './event-ingest.service';
export {
  KNOWN_EVENT_PROPERTIES,
  MAX_BATCH_SIZE,
  nativeBatchSchema,
  nativeEventSchema,
  traitsSchema,
  type NativeEvent,
} from './event.schema';
export { EventsErrorCode, EventsException } from './events.exception';
export { EventsModule } from './events.module';
export { customerKeyOf, normaliseEmail, type EventSource, type IngestResult, type NewEvent } from './new-event';
export {
  mapSegmentMessages,
  segmentBatchSchema,
  segmentMessageSchema,
  type SkippedMessage,
} from './segment/segment-mapper';
export { isShopifyTopic, mapShopifyWebhook, SHOPIFY_TOPICS, verifyShopifyHmac } from './shopify/shopify-webhook';
export type { StoredEvent } from './stored-event';
