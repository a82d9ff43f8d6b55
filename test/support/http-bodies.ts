/**
 * The wire shapes of the API's responses, and the `events` row, as the e2e specs read them back.
 * Each is the whole shape the API (or the table) gives; a spec uses what it needs.
 */

/** Every error response: `{ statusCode, code, message, details?, requestId }`. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  message: string;
  details?: { issues?: Array<{ path: string; message: string }> } & Record<string, unknown>;
  requestId: string;
}

/** One result of POST /v1/events (and one entry of a batch's results). */
export interface IngestResultBody {
  messageId: string;
  eventId: string;
  status: 'accepted' | 'duplicate';
}

/** GET /v1/customers/:customerId. */
export interface ProfileBody {
  customerId: string | null;
  email: string | null;
  attributes: Record<string, unknown>;
  timezone: string | null;
  locale: string | null;
  emailConsent: string;
  emailConsentSource: string | null;
  emailConsentAt: string | null;
  stats: {
    ordersCount: number;
    revenue: number;
    averageOrderValue: number;
    currency: string;
    otherCurrencies: Array<{ currency: string; orders: number; revenue: number }>;
    firstOrderAt: string | null;
    lastOrderAt: string | null;
  };
}

/** One event of a customer's timeline. */
export interface TimelineEventBody {
  id: string;
  name: string;
  messageId: string;
  source: string;
  timestamp: string;
  receivedAt: string;
  properties: Record<string, unknown>;
  traits?: Record<string, unknown>;
  processingError?: string;
}

/** GET /v1/customers/:customerId/events. */
export interface EventPageBody {
  events: TimelineEventBody[];
  nextCursor: string | null;
}

/** A row of the `events` table (`SELECT *`), with the columns the specs read. */
export interface EventRow {
  id: string;
  source: string;
  message_id: string;
  name: string;
  customer_key: string;
  customer_id: string | null;
  email: string | null;
  occurred_at: Date;
  properties: Record<string, unknown>;
  traits: Record<string, unknown> | null;
  processed_at: Date | null;
  processing_error: string | null;
}

/** An HTTP answer with its body parsed as JSON. */
export interface Reply<T> {
  status: number;
  headers: Headers;
  body: T;
}
