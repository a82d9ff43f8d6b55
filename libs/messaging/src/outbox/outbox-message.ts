export type Channel = 'email' | 'webhook';
export type MessageCategory = 'marketing' | 'transactional';
/** What a send step asked for when a frequency cap holds its message. */
export type WhenCapped = 'defer' | 'skip';
export type OutboxStatus = 'queued' | 'sending' | 'sent' | 'deferred' | 'failed' | 'suppressed' | 'skipped';

/** Where an effect came from, for the message log and per-journey counts. */
export interface EffectOrigin {
  journeyId: string;
  journeyVersion: number;
  instanceId: string;
  stepId: string;
}

/** What the journey engine asks to be delivered. */
export type NewOutboxMessage = {
  /** Deterministic: `<instanceId>:<stepId>:<entryCount>`. Enqueuing the same key twice is a no-op. */
  effectKey: string;
  customerUuid: string;
  category: MessageCategory;
  /** Data the template or webhook body is built from (trigger event properties, etc.). Plain JSON. */
  payload: Record<string, unknown>;
  origin?: EffectOrigin;
  /** Higher goes first when a frequency cap allows only some (the journey's priority). */
  priority?: number;
  /** A frequency cap defers the message until allowed (default) or skips it. */
  whenCapped?: WhenCapped;
  /** Earliest delivery time; defaults to now. */
  notBefore?: Date;
  /** When the step produced it (the engine's clock); defaults to the database's now. */
  createdAt?: Date;
  /** The path its instance took at the last split before the step (`<split>:<index>`); none before any split. */
  splitPath?: string;
} & ({ channel: 'email'; templateKey: string } | { channel: 'webhook'; webhookUrl: string });
