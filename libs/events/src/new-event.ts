/** `import`: history loaded by `kizuna import`; its keys are kept for good (an import is idempotent). */
export type EventSource = 'api' | 'segment' | 'shopify' | 'system' | 'import';

/** An event validated and normalised at the edge, ready to be stored in the inbox. */
export interface NewEvent {
  source: EventSource;
  messageId: string;
  name: string;
  /** Partition key for per-customer ordering: `id:<customerId>` or `email:<normalised email>`. */
  customerKey: string;
  customerId: string | undefined;
  email: string | undefined;
  occurredAt: Date;
  properties: Record<string, unknown>;
  traits: Record<string, unknown> | undefined;
  /** SHA-256 of the event as the sender gave it, to tell a retry from a reused key. */
  bodyHash: Buffer;
}

export interface IngestResult {
  messageId: string;
  eventId: string;
  /** `duplicate`: this key was seen before with the same content; nothing new was stored. */
  status: 'accepted' | 'duplicate';
}

export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function customerKeyOf(customerId: string | undefined, email: string | undefined): string {
  if (customerId !== undefined) {
    return `id:${customerId}`;
  }
  if (email !== undefined) {
    return `email:${normaliseEmail(email)}`;
  }
  throw new Error('an event needs a customerId or an email');
}
