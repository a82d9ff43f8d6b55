export { canonicalJson } from './canonical-json';
export { EventInboxRepository, INBOX_CHANNEL } from './event-inbox.repository';
export { EventIngestService, type SystemEvent } from './event-ingest.service';
export { MAX_BATCH_SIZE, MAX_NPS_COMMENT, nativeBatchSchema, nativeEventSchema } from './event.schema';
export { EventsErrorCode, EventsException } from './events.exception';
export { EventsModule } from './events.module';
export type { IngestResult } from './new-event';
export {
  mapSegmentMessages,
  segmentBatchSchema,
  segmentMessageSchema,
  type SkippedMessage,
} from './segment/segment-mapper';
export { mapShopifyWebhook, SHOPIFY_TOPICS, verifyShopifyHmac } from './shopify/shopify-webhook';
export type { StoredEvent } from './stored-event';
export { detectFormat, HISTORY_FORMATS, type HistoryFormat } from './import/history-file';
export { HistoryImporter, type ImportSummary } from './import/history-importer';
