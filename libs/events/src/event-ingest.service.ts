import { Injectable } from '@nestjs/common';
import { Clock, RequestErrorCode, RequestException, toValidationIssues, type ValidationIssue } from '@kizuna/common';
import { KizunaConfig } from '@kizuna/config';
import { contentHash } from './canonical-json';
import { EventInboxRepository } from './event-inbox.repository';
import { MAX_BATCH_SIZE, nativeEventSchema } from './event.schema';
import { EventsErrorCode, EventsException } from './events.exception';
import { customerKeyOf, normaliseEmail, type EventSource, type IngestResult, type NewEvent } from './new-event';
import type { NativeEvent } from './event.schema';
import type { EntityManager } from 'typeorm';

/** What became of one imported row. */
export type ImportOutcome =
  { status: 'accepted' | 'duplicate' | 'conflict' } | { status: 'rejected'; issues: ValidationIssue[] };

/** A chunk of imported rows checked and waiting to be stored (EventIngestService.storeImport). */
export interface PreparedImport {
  outcomes: ImportOutcome[];
  unique: Array<{ index: number; event: NewEvent }>;
}

/** Year 0 and earlier parse in JavaScript but PostgreSQL cannot store them. */
const EARLIEST_TIMESTAMP = Date.parse('0001-01-01T00:00:00Z');

/** One event in native shape, before validation, with where it came from in the request. */
export interface EventCandidate {
  input: unknown;
  /** Where it sits in the request, for error messages: `events[3]`, `batch[0]`, `(body)`. */
  path: string;
  /** A key from outside the event body (Idempotency-Key header, Shopify webhook id). */
  messageId?: string;
  /** Problems an adapter already found while mapping; reported as they are. */
  issues?: ValidationIssue[];
}

/** An event Kizuna raises itself inside a transaction of its own (segment.entered, ...). */
export interface SystemEvent {
  name: string;
  /** Its idempotency key: the same fact raised twice is stored once. */
  messageId: string;
  customerId: string | undefined;
  email: string | undefined;
  /** The engine's time of the fact. */
  occurredAt: Date;
  properties: Record<string, unknown>;
}

/**
 * The one way events enter Kizuna. Native, Segment and Shopify requests are mapped to native
 * candidates first; here they are validated together (all-or-nothing), deduplicated and stored.
 */
@Injectable()
export class EventIngestService {
  constructor(
    private readonly inbox: EventInboxRepository,
    private readonly config: KizunaConfig,
    private readonly clock: Clock,
  ) {}

  async ingest(source: EventSource, candidates: EventCandidate[]): Promise<IngestResult[]> {
    if (candidates.length > MAX_BATCH_SIZE) {
      throw new EventsException(
        EventsErrorCode.BatchTooLarge,
        `A batch holds at most ${MAX_BATCH_SIZE} events; this one has ${candidates.length}`,
        { limit: MAX_BATCH_SIZE, received: candidates.length },
      );
    }
    const issues: ValidationIssue[] = [];
    const events: NewEvent[] = [];
    const now = this.clock.now().getTime();
    for (const candidate of candidates) {
      const event = this.validate(source, candidate, now, issues);
      if (event) {
        events.push(event);
      }
    }
    if (issues.length > 0) {
      const shown = issues.slice(0, 10).map((i) => `${i.path}: ${i.message}`);
      const more = issues.length > 10 ? `; and ${issues.length - 10} more` : '';
      throw new RequestException(
        RequestErrorCode.ValidationFailed,
        `Invalid event${candidates.length > 1 ? 's' : ''}: ${shown.join('; ')}${more}. Nothing was stored.`,
        { issues },
      );
    }
    const unique = uniqueByMessageId(events);
    const stored = await this.inbox.insert(unique, this.config.ingest.dedupWindowHours);
    const byKey = new Map(stored.map((r) => [r.messageId, r]));
    // Results in request order; a repeat inside one request gets its first occurrence's
    // result, marked duplicate.
    const answered = new Set<string>();
    return events.map((event) => {
      const result = byKey.get(event.messageId)!;
      if (answered.has(event.messageId)) {
        return { ...result, status: 'duplicate' as const };
      }
      answered.add(event.messageId);
      return result;
    });
  }

  /**
   * Imported history (`kizuna import`): each row stands alone. Valid rows are stored even when
   * others are not; every row gets its own outcome, so the import can report line numbers.
   * Two steps, so an importer can check the next chunk while this one is being stored.
   */
  prepareImport(candidates: EventCandidate[]): PreparedImport {
    const now = this.clock.now().getTime();
    const outcomes: ImportOutcome[] = new Array<ImportOutcome>(candidates.length);
    const firstOfKey = new Map<string, { index: number; event: NewEvent }>();
    candidates.forEach((candidate, index) => {
      const issues: ValidationIssue[] = [];
      const event = this.validate('import', candidate, now, issues);
      if (!event) {
        outcomes[index] = { status: 'rejected', issues };
        return;
      }
      const first = firstOfKey.get(event.messageId);
      if (!first) {
        firstOfKey.set(event.messageId, { index, event });
      } else {
        outcomes[index] = { status: first.event.bodyHash.equals(event.bodyHash) ? 'duplicate' : 'conflict' };
      }
    });
    return { outcomes, unique: [...firstOfKey.values()] };
  }

  async storeImport(prepared: PreparedImport): Promise<ImportOutcome[]> {
    const { outcomes, unique } = prepared;
    const stored = await this.inbox.insertImported(unique.map((u) => u.event));
    unique.forEach(({ index }, i) => {
      outcomes[index] = { status: stored[i]!.status };
    });
    return outcomes;
  }

  /**
   * Events Kizuna raises itself while it works (segment entries and exits), stored inside the
   * caller's transaction so they commit with the change they announce: the same schema, identity
   * key, content hash, dedup and insert as ingest(), source `system`. They carry the engine's
   * time, which no shop clock skewed, so there is no skew check; an invalid one is a bug, thrown.
   */
  async recordSystemEvents(tx: EntityManager, events: SystemEvent[]): Promise<void> {
    const stored: NewEvent[] = [];
    for (const event of events) {
      const input = {
        name: event.name,
        ...(event.customerId === undefined ? {} : { customerId: event.customerId }),
        ...(event.email === undefined ? {} : { email: event.email }),
        timestamp: event.occurredAt.toISOString(),
        properties: event.properties,
      };
      const parsed = nativeEventSchema.safeParse(input);
      if (!parsed.success) {
        throw new Error(`invalid system event ${event.name}: ${parsed.error.message}`);
      }
      stored.push(this.toNewEvent('system', event.messageId, parsed.data, event.occurredAt, input));
    }
    await this.inbox.insertWithin(tx, stored, this.config.ingest.dedupWindowHours);
  }

  private validate(
    source: EventSource,
    candidate: EventCandidate,
    now: number,
    issues: ValidationIssue[],
  ): NewEvent | undefined {
    if (candidate.issues && candidate.issues.length > 0) {
      issues.push(...candidate.issues);
      return undefined;
    }
    const parsed = nativeEventSchema.safeParse(candidate.input);
    if (!parsed.success) {
      issues.push(...toValidationIssues(parsed.error, candidate.path));
      return undefined;
    }
    const event = parsed.data;
    const messageId = candidate.messageId ?? event.messageId;
    if (candidate.messageId !== undefined && event.messageId !== undefined && candidate.messageId !== event.messageId) {
      issues.push({ path: `${candidate.path}.messageId`, message: 'differs from the Idempotency-Key header' });
      return undefined;
    }
    if (messageId === undefined) {
      issues.push({
        path: `${candidate.path}.messageId`,
        message: 'an idempotency key is required: set messageId (or the Idempotency-Key header)',
      });
      return undefined;
    }
    const occurredAt = event.timestamp ? new Date(event.timestamp) : new Date(now);
    if (occurredAt.getTime() < EARLIEST_TIMESTAMP) {
      issues.push({ path: `${candidate.path}.timestamp`, message: 'must be 0001-01-01T00:00:00Z or later' });
      return undefined;
    }
    const skewMs = this.config.ingest.maxFutureSkewSeconds * 1000;
    if (occurredAt.getTime() > now + skewMs) {
      issues.push({
        path: `${candidate.path}.timestamp`,
        message: `is ${Math.round((occurredAt.getTime() - now) / 1000)} s in the future; at most ${this.config.ingest.maxFutureSkewSeconds} s of clock skew is accepted`,
      });
      return undefined;
    }
    const { messageId: _ignored, ...content } = candidate.input as Record<string, unknown>;
    return this.toNewEvent(source, messageId, event, occurredAt, content);
  }

  /** `content`: the event as sent, without its idempotency key (what the body hash covers). */
  private toNewEvent(
    source: EventSource,
    messageId: string,
    event: NativeEvent,
    occurredAt: Date,
    content: Record<string, unknown>,
  ): NewEvent {
    const email = event.email ?? event.traits?.email;
    return {
      source,
      messageId,
      name: event.name,
      customerKey: customerKeyOf(event.customerId, email),
      customerId: event.customerId,
      email: email === undefined ? undefined : normaliseEmail(email),
      occurredAt,
      properties: event.properties,
      traits: event.traits,
      bodyHash: contentHash(content),
    };
  }
}

/** First occurrence of each messageId; a key repeated in one request must carry the same content. */
function uniqueByMessageId(events: NewEvent[]): NewEvent[] {
  const first = new Map<string, NewEvent>();
  for (const event of events) {
    const earlier = first.get(event.messageId);
    if (!earlier) {
      first.set(event.messageId, event);
    } else if (!earlier.bodyHash.equals(event.bodyHash)) {
      throw new EventsException(
        EventsErrorCode.IdempotencyConflict,
        `Idempotency key "${event.messageId}" appears twice in this request with different content`,
        { messageId: event.messageId },
      );
    }
  }
  return [...first.values()];
}
