import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { Clock, exactInstantSql, type PagePosition } from '@kizuna/common';
import { inTransaction } from '@kizuna/database';
import { EventsErrorCode, EventsException } from './events.exception';
import type { EventSource, IngestResult, NewEvent } from './new-event';
import type { StoredEvent } from './stored-event';

export const INBOX_CHANNEL = 'kizuna_inbox';

interface StoredEventRow {
  seq: string;
  id: string;
  source: EventSource;
  message_id: string;
  name: string;
  customer_key: string;
  customer_id: string | null;
  email: string | null;
  occurred_at: Date;
  received_at: Date;
  properties: Record<string, unknown>;
  traits: Record<string, unknown> | null;
  customer_uuid: string | null;
  processed_at: Date | null;
  processing_error: string | null;
}

const toStoredEvent = (row: StoredEventRow): StoredEvent => ({
  seq: row.seq,
  id: row.id,
  source: row.source,
  messageId: row.message_id,
  name: row.name,
  customerKey: row.customer_key,
  customerId: row.customer_id ?? undefined,
  email: row.email ?? undefined,
  occurredAt: row.occurred_at,
  receivedAt: row.received_at,
  properties: row.properties,
  traits: row.traits ?? undefined,
  customerUuid: row.customer_uuid ?? undefined,
  processedAt: row.processed_at ?? undefined,
  processingError: row.processing_error ?? undefined,
});

/** The event inbox: idempotent insert at the edge, ordered claims for the workers. */
@Injectable()
export class EventInboxRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /**
   * Stores new events and their idempotency keys in one transaction. A key already seen within
   * the dedup window with the same content is a duplicate (nothing stored, the first event's id
   * returned); with different content it is a conflict and nothing at all is stored.
   * Events must have distinct (source, messageId) pairs.
   */
  async insert(events: NewEvent[], dedupWindowHours: number): Promise<IngestResult[]> {
    return inTransaction(this.dataSource, (tx) => this.insertWithin(tx, events, dedupWindowHours));
  }

  /** The same as insert(), inside a transaction the caller owns (e.g. a worker emitting events). */
  async insertWithin(tx: EntityManager, events: NewEvent[], dedupWindowHours: number): Promise<IngestResult[]> {
    return this.insertKeyed(tx, events, dedupWindowHours, 'refuse');
  }

  /**
   * Imported history (source `import`): stored with keys that never expire, and a key reused
   * for other content is reported on that event (`conflict`) instead of refusing the chunk, so
   * one changed row of a re-imported file does not stop the rest.
   */
  async insertImported(events: NewEvent[]): Promise<Array<IngestResult | { messageId: string; status: 'conflict' }>> {
    return inTransaction(this.dataSource, (tx) => this.insertKeyed(tx, events, null, 'report'));
  }

  private async insertKeyed(
    tx: EntityManager,
    events: NewEvent[],
    dedupWindowHours: number | null,
    conflicts: 'refuse',
  ): Promise<IngestResult[]>;
  private async insertKeyed(
    tx: EntityManager,
    events: NewEvent[],
    dedupWindowHours: number | null,
    conflicts: 'report',
  ): Promise<Array<IngestResult | { messageId: string; status: 'conflict' }>>;
  private async insertKeyed(
    tx: EntityManager,
    events: NewEvent[],
    /** null: keys never expire (imports). */
    dedupWindowHours: number | null,
    conflicts: 'refuse' | 'report',
  ): Promise<Array<IngestResult | { messageId: string; status: 'conflict' }>> {
    if (events.length === 0) {
      return [];
    }
    const source = events[0]!.source;
    if (events.some((e) => e.source !== source)) {
      throw new Error('one insert takes events of one source');
    }
    const ids = events.map(() => randomUUID());
    // Claims each key, or takes over one that has outlived the dedup window. Keys are locked
    // in one global order, so concurrent requests sharing keys cannot deadlock. A key's age
    // decides, so it is stamped by the clock, not by the database's now().
    const claimed: Array<{ message_id: string }> = await tx.query(
      `INSERT INTO event_idempotency_keys (source, message_id, body_hash, event_id, created_at)
       SELECT $1, k.message_id, k.body_hash, k.event_id, $6::timestamptz
         FROM unnest($2::text[], $3::bytea[], $4::uuid[]) AS k(message_id, body_hash, event_id)
        ORDER BY k.message_id
       ON CONFLICT (source, message_id) DO UPDATE
         SET body_hash = EXCLUDED.body_hash, event_id = EXCLUDED.event_id, created_at = EXCLUDED.created_at
         WHERE $5::int IS NOT NULL AND event_idempotency_keys.created_at < EXCLUDED.created_at - make_interval(hours => $5::int)
       RETURNING message_id`,
      [source, events.map((e) => e.messageId), events.map((e) => e.bodyHash), ids, dedupWindowHours, this.clock.now()],
    );
    const fresh = new Set(claimed.map((r) => r.message_id));
    const results = new Map<string, IngestResult | { messageId: string; status: 'conflict' }>();
    const toInsert: Array<{ event: NewEvent; id: string }> = [];
    events.forEach((event, i) => {
      if (fresh.has(event.messageId)) {
        toInsert.push({ event, id: ids[i]! });
        results.set(event.messageId, { messageId: event.messageId, eventId: ids[i]!, status: 'accepted' });
      }
    });

    const seen = events.filter((e) => !fresh.has(e.messageId));
    if (seen.length > 0) {
      const existing: Array<{ message_id: string; body_hash: Buffer; event_id: string }> = await tx.query(
        `SELECT message_id, body_hash, event_id FROM event_idempotency_keys
          WHERE source = $1 AND message_id = ANY($2::text[])`,
        [source, seen.map((e) => e.messageId)],
      );
      const byId = new Map(existing.map((r) => [r.message_id, r]));
      for (const event of seen) {
        const prior = byId.get(event.messageId);
        if ((!prior || !prior.body_hash.equals(event.bodyHash)) && conflicts === 'report') {
          results.set(event.messageId, { messageId: event.messageId, status: 'conflict' });
          continue;
        }
        if (!prior || !prior.body_hash.equals(event.bodyHash)) {
          throw new EventsException(
            EventsErrorCode.IdempotencyConflict,
            `Idempotency key "${event.messageId}" was already used for a different event`,
            { messageId: event.messageId },
          );
        }
        results.set(event.messageId, { messageId: event.messageId, eventId: prior.event_id, status: 'duplicate' });
      }
    }

    if (toInsert.length > 0) {
      await this.insertEvents(tx, toInsert);
      await tx.query('SELECT pg_notify($1, $2)', [INBOX_CHANNEL, '']);
    }
    return events.map((e) => results.get(e.messageId)!);
  }

  private async insertEvents(tx: EntityManager, rows: Array<{ event: NewEvent; id: string }>): Promise<void> {
    await tx.query(
      `INSERT INTO events (id, source, message_id, name, customer_key, customer_id, email, occurred_at, properties, traits)
       SELECT id, source, message_id, name, customer_key, customer_id, email, occurred_at, properties::jsonb, traits::jsonb
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                     $8::timestamptz[], $9::text[], $10::text[])
           AS e(id, source, message_id, name, customer_key, customer_id, email, occurred_at, properties, traits)`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.event.source),
        rows.map((r) => r.event.messageId),
        rows.map((r) => r.event.name),
        rows.map((r) => r.event.customerKey),
        rows.map((r) => r.event.customerId ?? null),
        rows.map((r) => r.event.email ?? null),
        rows.map((r) => r.event.occurredAt.toISOString()),
        rows.map((r) => JSON.stringify(r.event.properties)),
        rows.map((r) => (r.event.traits ? JSON.stringify(r.event.traits) : null)),
      ],
    );
  }

  /**
   * Claims up to `limit` pending events for this transaction, keeping per-customer order:
   * rows are locked with SKIP LOCKED in seq order, each customer key is taken with a
   * transaction-scoped advisory lock, and for a key only the events before any pending event
   * held elsewhere are returned. Whatever is not returned stays pending for a later claim.
   * The key lock is the inbox's claim on an event key (`id:…`/`email:…`, which may name no
   * profile yet), not the customer lock: that one (CustomerRepository) is taken as the events
   * are applied, and serialises two keys of one customer.
   */
  async claimPending(tx: EntityManager, limit: number): Promise<StoredEvent[]> {
    const rows: StoredEventRow[] = await tx.query(
      `SELECT * FROM events WHERE processed_at IS NULL ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED`,
      [limit],
    );
    if (rows.length === 0) {
      return [];
    }
    const keys = [...new Set(rows.map((r) => r.customer_key))];
    const locked: Array<{ key: string }> = await tx.query(
      `SELECT key FROM unnest($1::text[]) AS key WHERE pg_try_advisory_xact_lock(hashtextextended(key, 7))`,
      [keys],
    );
    const mine = new Set(locked.map((r) => r.key));
    const claimedSeqs = rows.filter((r) => mine.has(r.customer_key)).map((r) => r.seq);
    // Pending events of my keys that another transaction holds (or that committed late with a
    // lower seq): my events for that key may only run up to the first of them.
    const foreign: Array<{ customer_key: string; first_seq: string }> = await tx.query(
      `SELECT customer_key, min(seq)::text AS first_seq FROM events
        WHERE processed_at IS NULL AND customer_key = ANY($1::text[]) AND NOT (seq = ANY($2::bigint[]))
        GROUP BY customer_key`,
      [[...mine], claimedSeqs],
    );
    const barrier = new Map(foreign.map((f) => [f.customer_key, BigInt(f.first_seq)]));
    return rows
      .filter((r) => mine.has(r.customer_key))
      .filter((r) => {
        const limitSeq = barrier.get(r.customer_key);
        return limitSeq === undefined || BigInt(r.seq) < limitSeq;
      })
      .map(toStoredEvent);
  }

  async markProcessed(
    tx: EntityManager,
    outcomes: Array<{ seq: string; customerUuid: string | undefined; error?: string }>,
  ): Promise<void> {
    if (outcomes.length === 0) {
      return;
    }
    await tx.query(
      `UPDATE events SET processed_at = now(), customer_uuid = o.customer_uuid, processing_error = o.error
         FROM unnest($1::bigint[], $2::uuid[], $3::text[]) AS o(seq, customer_uuid, error)
        WHERE events.seq = o.seq`,
      [outcomes.map((o) => o.seq), outcomes.map((o) => o.customerUuid ?? null), outcomes.map((o) => o.error ?? null)],
    );
  }

  /**
   * A customer's events (of one name, if given), newest first, resuming after `before`; `next` is where the following
   * page starts (occurred_at to the microsecond, as text, then seq), undefined on the last page.
   */
  async listForCustomer(
    customerUuid: string,
    limit: number,
    before: PagePosition | undefined,
    name?: string,
  ): Promise<{ events: StoredEvent[]; next: PagePosition | undefined }> {
    const rows: Array<StoredEventRow & { position_at: string }> = await this.dataSource.query(
      `SELECT *, ${exactInstantSql('occurred_at')} AS position_at FROM events
        WHERE customer_uuid = $1
          AND ($2::timestamptz IS NULL OR (occurred_at, seq) < ($2::timestamptz, $3::bigint))
          AND ($5::text IS NULL OR name = $5)
        ORDER BY occurred_at DESC, seq DESC
        LIMIT $4`,
      [customerUuid, before?.at ?? null, before?.after ?? null, limit + 1, name ?? null],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      events: page.map(toStoredEvent),
      next: rows.length > limit && last ? { at: last.position_at, after: String(last.seq) } : undefined,
    };
  }

  /** Per customer, the newest `limit` times it had an event of this name since `since`, newest first. */
  async recentOccurrencesOf(
    tx: EntityManager,
    customerUuids: string[],
    name: string,
    since: Date,
    limit: number,
  ): Promise<Map<string, Date[]>> {
    const rows: Array<{ customer_uuid: string; occurred_at: Date }> = await tx.query(
      `SELECT customer_uuid, occurred_at FROM (
         SELECT customer_uuid, occurred_at,
                row_number() OVER (PARTITION BY customer_uuid ORDER BY occurred_at DESC) AS n
           FROM events
          WHERE customer_uuid = ANY($1::uuid[]) AND name = $2 AND occurred_at >= $3) recent
        WHERE n <= $4
        ORDER BY customer_uuid, occurred_at DESC`,
      [customerUuids, name, since, limit],
    );
    const times = new Map(customerUuids.map((id) => [id, [] as Date[]]));
    for (const row of rows) {
      times.get(row.customer_uuid)?.push(row.occurred_at);
    }
    return times;
  }

  /** One of the customer's events by id (template previews use a real event as sample data). */
  async findForCustomer(customerUuid: string, eventId: string): Promise<StoredEvent | undefined> {
    const rows: StoredEventRow[] = await this.dataSource.query(
      'SELECT * FROM events WHERE customer_uuid = $1 AND id = $2',
      [customerUuid, eventId],
    );
    return rows[0] && toStoredEvent(rows[0]);
  }

  /**
   * Forgets idempotency keys older than the dedup window, but never an import's: importing the
   * same file again must add nothing, however long after. Returns how many were removed.
   */
  async pruneIdempotencyKeys(dedupWindowHours: number): Promise<number> {
    const [, count]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM event_idempotency_keys WHERE created_at < $2::timestamptz - make_interval(hours => $1) AND source <> 'import'`,
      [dedupWindowHours, this.clock.now()],
    );
    return count;
  }

  /** Deletes processed events older than the retention period, in bounded chunks. */
  async pruneProcessedEvents(retentionDays: number, chunk = 10_000): Promise<number> {
    const [, count]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM events WHERE seq IN (
         SELECT seq FROM events
          WHERE processed_at IS NOT NULL AND received_at < $3::timestamptz - make_interval(days => $1)
          LIMIT $2)`,
      [retentionDays, chunk, this.clock.now()],
    );
    return count;
  }

  /** The highest seq stored so far: events stored after this call have a higher one ("0": none yet). */
  async lastSeq(): Promise<string> {
    const [row]: Array<{ seq: string | null }> = await this.dataSource.query(
      'SELECT max(seq)::text AS seq FROM events',
    );
    return row?.seq ?? '0';
  }

  /**
   * Imported events stored after `afterSeq` that no worker has applied yet: a count over the
   * pending index (events_pending_idx), so it stays cheap while a million wait.
   */
  async countPendingImported(afterSeq: string): Promise<number> {
    const [row]: Array<{ n: string }> = await this.dataSource.query(
      `SELECT count(*)::text AS n FROM events WHERE processed_at IS NULL AND seq > $1::bigint AND source = 'import'`,
      [afterSeq],
    );
    return Number(row?.n ?? 0);
  }

  /** Imported events stored after `afterSeq` whose application failed (processing_error); reads them all, once. */
  async countFailedImported(afterSeq: string): Promise<number> {
    const [row]: Array<{ n: string }> = await this.dataSource.query(
      `SELECT count(*)::text AS n FROM events WHERE seq > $1::bigint AND source = 'import' AND processing_error IS NOT NULL`,
      [afterSeq],
    );
    return Number(row?.n ?? 0);
  }

  /** Worker processes draining this database's inbox now: each holds a LISTEN connection on its channel. */
  async countInboxListeners(): Promise<number> {
    const [row]: Array<{ n: string }> = await this.dataSource.query(
      `SELECT count(*)::text AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1`,
      [`kizuna-listen-${INBOX_CHANNEL}`],
    );
    return Number(row?.n ?? 0);
  }

  async countPending(): Promise<number> {
    const [row]: Array<{ count: string }> = await this.dataSource.query(
      'SELECT count(*)::text AS count FROM events WHERE processed_at IS NULL',
    );
    return Number(row?.count ?? 0);
  }
}
