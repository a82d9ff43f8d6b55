import type { EventSource } from './new-event';

/** An event as it sits in the inbox. */
export interface StoredEvent {
  seq: string;
  id: string;
  source: EventSource;
  messageId: string;
  name: string;
  customerKey: string;
  customerId: string | undefined;
  email: string | undefined;
  occurredAt: Date;
  receivedAt: Date;
  properties: Record<string, unknown>;
  traits: Record<string, unknown> | undefined;
  /** The profile it was applied to; set once processed. */
  customerUuid: string | undefined;
  processedAt: Date | undefined;
  processingError: string | undefined;
}
