import { randomUUID } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Clock } from '@kizuna/common';
import { CustomerRepository, type Customer, type EmailConsent } from '@kizuna/customers';
import { inTransaction } from '@kizuna/database';
import type { DataSource, EntityManager } from 'typeorm';
import type { MessageRenderer } from './email/message-renderer';
import type { Channel, MessageCategory, WhenCapped } from '../outbox/outbox-message';
import type { PolicyDecision } from '../policy/sending-policy';

/**
 * A claimed row and the claim holding its lease. Every write a worker makes to a `sending` row
 * names the owner and changes nothing once another claim has taken the row over (its lease ran
 * out): a worker that lost its lease can neither open an attempt nor record one.
 */
export interface LeasedMessage {
  id: string;
  /** The claim that holds the lease (a fresh id per claim). */
  leaseOwner: string;
}

/** An outbox email claimed for sending, with the profile it is personalised from. */
export interface ClaimedMessage extends LeasedMessage {
  customerUuid: string;
  category: MessageCategory;
  whenCapped: WhenCapped;
  priority: number;
  templateKey: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  /** Rendered on an earlier attempt: a retry sends exactly that again. */
  content: { recipient: string; subject: string; html: string; text: string; messageId: string } | undefined;
  customer: Parameters<MessageRenderer['render']>[1] & { consent: EmailConsent };
  /** The attempt a crashed worker left open: the server may or may not have accepted it. */
  interruptedAttempt: number | undefined;
}

/** An outbox webhook call claimed for delivery. */
export interface ClaimedWebhook extends LeasedMessage {
  /** Sent as X-Kizuna-Effect-Key: the receiver's key for dropping a repeated call. */
  effectKey: string;
  url: string;
  payload: Record<string, unknown>;
  createdAt: Date;
  interruptedAttempt: number | undefined;
}

export interface StoredContent {
  recipient: string;
  locale: string;
  templateVersion: number;
  subject: string;
  html: string;
  text: string;
  messageId: string;
}

/** An attempt opened: its number, and when the message's first attempt began (give-up counts from it). */
export interface OpenedAttempt {
  attempt: number;
  firstAttemptAt: Date;
}

/**
 * What opening an attempt gave: the attempt, or nothing because sending was paused (the message
 * went back to the queue) or because the lease is no longer this worker's (`lost`).
 */
export type AttemptStart = OpenedAttempt | 'paused' | 'lost';

/** What the sending policy decides a message on (DeliveryRepository.policyFacts). */
export interface PolicyFacts {
  /** The message, held by its claim and locked by the transaction that read these facts. */
  messageId: string;
  /** The clock's now: the clock `sent_at` is written with. */
  now: Date;
  /** When the customer's other marketing email went out (or is going out now), any order. */
  recentMarketing: Date[];
  /** The customer's due marketing messages of a higher priority that no worker has decided on yet. */
  higherPriorityDue: number;
}

export type AttemptOutcome =
  | { outcome: 'sent'; response: string; code?: number }
  | { outcome: 'deferred'; code: number | null; response: string; retryAt: Date }
  | { outcome: 'failed'; code: number | null; response: string; reason: string };

interface ClaimRow {
  id: string;
  lease_owner: string;
  effect_key: string;
  webhook_url: string | null;
  customer_uuid: string;
  category: MessageCategory;
  when_capped: WhenCapped;
  priority: number;
  template_key: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
  previous_status: string;
  recipient: string | null;
  subject: string | null;
  html: string | null;
  text: string | null;
  smtp_message_id: string | null;
}

export const SENDING_SETTING = 'sending';

/** What email is personalised from; a message whose profile is gone gets an empty one. */
function profileOf(customer: Customer | undefined): ClaimedMessage['customer'] {
  return {
    customerId: customer?.customerId ?? null,
    email: customer?.email ?? null,
    locale: customer?.locale ?? null,
    timezone: customer?.timezone ?? null,
    attributes: customer?.attributes ?? {},
    consent: customer?.emailConsent ?? 'unknown',
  };
}

/*
 * A note on SQL here: TypeORM's query() answers a bare UPDATE/DELETE with [rows, rowCount]
 * instead of rows, so statements whose RETURNING rows are read are wrapped in a CTE.
 */

/**
 * The delivery side of the outbox. Claims commit before any SMTP traffic, so the row says
 * 'sending' (with a lease) while the server is being talked to; every attempt is a row of its own.
 */
@Injectable()
export class DeliveryRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly customers: CustomerRepository,
  ) {}

  /**
   * Claims due email (and rows whose lease ran out: their worker died), unless sending is
   * paused. Attempts a dead worker left open are closed as 'unknown' in the same transaction.
   */
  async claim(limit: number, leaseSeconds: number): Promise<ClaimedMessage[]> {
    const { rows, interrupted, customers } = await this.claimChannel('email', limit, leaseSeconds);
    return rows.map((r) => ({
      id: r.id,
      leaseOwner: r.lease_owner,
      customerUuid: r.customer_uuid,
      category: r.category,
      whenCapped: r.when_capped,
      priority: r.priority,
      templateKey: r.template_key!,
      payload: r.payload,
      createdAt: r.created_at,
      content:
        r.recipient && r.subject !== null && r.html !== null && r.text !== null && r.smtp_message_id
          ? { recipient: r.recipient, subject: r.subject, html: r.html, text: r.text, messageId: r.smtp_message_id }
          : undefined,
      customer: profileOf(customers.get(r.customer_uuid)),
      interruptedAttempt: interrupted.get(r.id),
    }));
  }

  /** Claims due webhook calls, exactly as email is claimed (kill switch and leases included). */
  async claimWebhooks(limit: number, leaseSeconds: number): Promise<ClaimedWebhook[]> {
    const { rows, interrupted } = await this.claimChannel('webhook', limit, leaseSeconds);
    return rows.map((r) => ({
      id: r.id,
      leaseOwner: r.lease_owner,
      effectKey: r.effect_key,
      url: r.webhook_url!,
      payload: r.payload,
      createdAt: r.created_at,
      interruptedAttempt: interrupted.get(r.id),
    }));
  }

  /*
   * Every claim takes its rows under an owner id of its own; the lease is per message from then
   * on (extendLeases while it waits, renewed as its attempt opens).
   *
   * Two branches, each walking its own partial index in claim order (due rows by priority, then
   * rows whose lease ran out), so a claim reads about `limit` rows however long the queue is; one
   * WHERE with an OR read and sorted the whole backlog on every claim. Rows a branch locked
   * beyond the limit are only locked until the claim commits. The update finds the picked rows
   * by primary key (= ANY of an array): joined to the CTE, the planner hashed the whole table.
   */
  private async claimChannel(
    channel: Channel,
    limit: number,
    leaseSeconds: number,
  ): Promise<{ rows: ClaimRow[]; interrupted: Map<string, number>; customers: Map<string, Customer> }> {
    const now = this.clock.now();
    return inTransaction(this.dataSource, async (tx) => {
      const rows = await tx.query<ClaimRow[]>(
        `WITH paused AS (
           SELECT EXISTS (SELECT 1 FROM settings s WHERE s.key = $3 AND (s.value->>'paused')::boolean) AS paused),
         due AS (
           SELECT id, status AS previous_status, priority, not_before FROM outbox_messages
            WHERE channel = $4 AND status IN ('queued', 'deferred') AND not_before <= $6
              AND NOT (SELECT paused FROM paused)
            ORDER BY priority DESC, not_before
            LIMIT $1
              FOR UPDATE SKIP LOCKED),
         expired AS (
           SELECT id, status AS previous_status, priority, not_before FROM outbox_messages
            WHERE channel = $4 AND status = 'sending' AND lease_until < $6
              AND NOT (SELECT paused FROM paused)
            ORDER BY priority DESC, not_before
            LIMIT $1
              FOR UPDATE SKIP LOCKED),
         picked AS (
           SELECT id, previous_status FROM (SELECT * FROM due UNION ALL SELECT * FROM expired) candidates
            ORDER BY priority DESC, not_before
            LIMIT $1),
         claimed AS (
         UPDATE outbox_messages o
            SET status = 'sending', lease_until = $6::timestamptz + make_interval(secs => $2), lease_owner = $5,
                updated_at = now()
          WHERE o.id = ANY (ARRAY(SELECT id FROM picked))
         RETURNING o.id, o.lease_owner, o.effect_key, o.customer_uuid, o.category, o.when_capped, o.priority, o.not_before,
                   o.template_key, o.webhook_url, o.payload, o.created_at,
                   o.recipient, o.subject, o.html, o.text, o.smtp_message_id)
         SELECT claimed.*, picked.previous_status FROM claimed JOIN picked USING (id)
          ORDER BY claimed.priority DESC, claimed.not_before`,
        [limit, leaseSeconds, SENDING_SETTING, channel, randomUUID(), now],
      );
      const recovered = rows.filter((r) => r.previous_status === 'sending').map((r) => r.id);
      const interrupted = new Map<string, number>();
      if (recovered.length > 0) {
        const open = await tx.query<Array<{ message_id: string; attempt: number }>>(
          `WITH closed AS (
             UPDATE message_attempts SET outcome = 'unknown', finished_at = $2,
                    response = 'the worker stopped during this attempt; the receiver may have accepted it'
              WHERE message_id = ANY($1::uuid[]) AND outcome IS NULL
             RETURNING message_id, attempt)
           SELECT * FROM closed`,
          [recovered, now],
        );
        for (const a of open) {
          interrupted.set(a.message_id, a.attempt);
        }
      }
      // Email is personalised from the profile as it is when the message is claimed.
      const customers =
        channel === 'email' ? await this.customers.findByUuids(tx, [...new Set(rows.map((r) => r.customer_uuid))]) : [];
      return { rows, interrupted, customers: new Map(customers.map((c) => [c.id, c])) };
    });
  }

  async isPaused(): Promise<boolean> {
    const [row] = await this.dataSource.query<Array<{ paused: boolean }>>(
      `SELECT (value->>'paused')::boolean AS paused FROM settings WHERE key = $1`,
      [SENDING_SETTING],
    );
    return row?.paused ?? false;
  }

  /**
   * Extends the lease of claimed messages still waiting or in flight, so a batch longer than the
   * lease keeps its rows. Returns the ids still held by `leaseOwner`; the others were taken over
   * by another claim (this worker stalled past its lease) or are finished.
   */
  async extendLeases(ids: string[], leaseOwner: string, leaseSeconds: number): Promise<Set<string>> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `WITH extended AS (
         UPDATE outbox_messages SET lease_until = $4::timestamptz + make_interval(secs => $3)
          WHERE id = ANY ($1::uuid[]) AND status = 'sending' AND lease_owner = $2
         RETURNING id)
       SELECT id FROM extended`,
      [ids, leaseOwner, leaseSeconds, this.clock.now()],
    );
    return new Set(rows.map((r) => r.id));
  }

  /**
   * Ends a claimed message without an SMTP attempt (policy, bad data, template error). False when
   * the lease is no longer this claim's: then nothing changed.
   */
  async finish(message: LeasedMessage, status: 'suppressed' | 'skipped' | 'failed', reason: string): Promise<boolean> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `WITH finished AS (
         UPDATE outbox_messages SET status = $3, status_reason = $4, lease_until = NULL, lease_owner = NULL,
                policy_cleared_at = NULL, updated_at = now()
          WHERE id = $1 AND status = 'sending' AND lease_owner = $2
         RETURNING id)
       SELECT id FROM finished`,
      [message.id, message.leaseOwner, status, reason.slice(0, 2000)],
    );
    return rows.length > 0;
  }

  /**
   * What the sending policy decides a claimed marketing message on, read in the caller's
   * transaction `tx` under the customer lock (held until `tx` ends, so decisions on one
   * customer's mail are serialised): the clock's now, when
   * their other marketing email went out within `lookbackMs` (sent, or cleared by the policy and
   * being sent now: those count too, else two workers could both pass the cap), and how many of
   * their due marketing messages with a higher priority no worker has decided on yet. The
   * message's row stays locked until `tx` ends: no claim can take it over before the decision is
   * recorded. Undefined when the lease is no longer this claim's: nothing may be decided then.
   */
  async policyFacts(
    tx: EntityManager,
    message: Pick<ClaimedMessage, 'id' | 'leaseOwner' | 'customerUuid' | 'priority'>,
    lookbackMs: number,
  ): Promise<PolicyFacts | undefined> {
    // The customer lock, as everything per customer takes it (decision 0021): held for a few
    // statements; a send may wait for an inbox batch of its customer, never the other way round.
    await this.customers.lock(tx, [message.customerUuid]);
    // Still ours? Locked until the decision is written, so no claim can take it meanwhile.
    const held = await tx.query<unknown[]>(
      `SELECT 1 FROM outbox_messages WHERE id = $1 AND status = 'sending' AND lease_owner = $2 FOR UPDATE`,
      [message.id, message.leaseOwner],
    );
    if (held.length === 0) {
      return undefined;
    }
    const now = this.clock.now();
    const recent = await tx.query<Array<{ at: Date }>>(
      `SELECT sent_at AS at FROM outbox_messages
        WHERE customer_uuid = $1 AND status = 'sent' AND channel = 'email' AND category = 'marketing'
          AND sent_at > $3::timestamptz - make_interval(secs => $4::double precision / 1000)
       UNION ALL
       SELECT policy_cleared_at FROM outbox_messages
        WHERE customer_uuid = $1 AND status = 'sending' AND channel = 'email' AND category = 'marketing'
          AND policy_cleared_at IS NOT NULL AND id <> $2`,
      [message.customerUuid, message.id, now, lookbackMs],
    );
    // Due marketing email of this customer with a higher priority that no worker has decided on
    // yet (another worker may hold it in a batch of its own): it is owed the cap's slots first.
    const [{ n: higherPriorityDue }] = (await tx.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM outbox_messages
        WHERE customer_uuid = $1 AND channel = 'email' AND category = 'marketing' AND id <> $2 AND priority > $3
          AND ((status IN ('queued', 'deferred') AND not_before <= $4)
               OR (status = 'sending' AND policy_cleared_at IS NULL AND lease_until > $4))`,
      [message.customerUuid, message.id, message.priority, now],
    )) as [{ n: number }];
    return { messageId: message.id, now, recentMarketing: recent.map((r) => r.at), higherPriorityDue };
  }

  /**
   * Records the sending policy's decision on the message `facts` were read for, in the same
   * transaction (that read locked the row: the fence for this write), before the customer's lock
   * is released: cleared at the facts' now (counts against the cap from now on), deferred until a
   * time, or skipped.
   */
  async recordPolicyDecision(tx: EntityManager, facts: PolicyFacts, decision: PolicyDecision): Promise<void> {
    const { messageId, now } = facts;
    switch (decision.action) {
      case 'send':
        await tx.query(`UPDATE outbox_messages SET policy_cleared_at = $2 WHERE id = $1`, [messageId, now]);
        break;
      case 'defer':
        await tx.query(
          `UPDATE outbox_messages SET status = 'deferred', status_reason = $2, not_before = $3, lease_until = NULL,
                  lease_owner = NULL, policy_cleared_at = NULL, updated_at = now()
            WHERE id = $1 AND status = 'sending'`,
          [messageId, decision.reason.slice(0, 2000), decision.until],
        );
        break;
      case 'skip':
        await tx.query(
          `UPDATE outbox_messages SET status = 'skipped', status_reason = $2, lease_until = NULL,
                  lease_owner = NULL, policy_cleared_at = NULL, updated_at = now()
            WHERE id = $1 AND status = 'sending'`,
          [messageId, decision.reason.slice(0, 2000)],
        );
        break;
    }
  }

  /**
   * Stores what is about to be sent (when newly rendered) and opens an attempt, committed
   * before the SMTP conversation starts: after a crash, the open attempt is how recovery knows
   * to say "possibly sent". Only while `leaseOwner` holds the lease, and only when no attempt is
   * open; the lease is renewed for the conversation to come. Unless sending is paused (the kill
   * switch holds even for a batch claimed just before it was thrown): then the message is given
   * back untouched instead.
   */
  async startAttempt(
    message: LeasedMessage,
    content: StoredContent | undefined,
    leaseSeconds: number,
  ): Promise<AttemptStart> {
    const [start] = await this.startAttempts([{ ...message, content }], leaseSeconds);
    return start!;
  }

  /**
   * startAttempt for several messages in one statement (GroupCommit), answers in the order given.
   * A data-modifying CTE runs whether or not it is read; `paused` makes the two updates exclusive.
   * The `= ANY` conditions let the planner find the rows by primary key instead of hashing the
   * table.
   */
  async startAttempts(
    messages: Array<LeasedMessage & { content: StoredContent | undefined }>,
    leaseSeconds: number,
  ): Promise<AttemptStart[]> {
    const ids = messages.map((m) => m.id);
    const column = <K extends keyof StoredContent>(key: K) => messages.map((m) => m.content?.[key] ?? null);
    const rows = await this.dataSource.query<
      Array<{ id: string; attempt: number | null; first_attempt_at: Date | null; released: boolean }>
    >(
      `WITH paused AS (
         SELECT EXISTS (SELECT 1 FROM settings WHERE key = $9 AND (value->>'paused')::boolean) AS paused),
       input AS (
         SELECT * FROM unnest($1::uuid[], $10::uuid[], $2::text[], $3::text[], $4::int[], $5::text[], $6::text[],
                              $7::text[], $8::text[])
           AS i(id, lease_owner, recipient, locale, template_version, subject, html, text, smtp_message_id)),
       released AS (
         UPDATE outbox_messages o
            SET status = 'queued', lease_until = NULL, lease_owner = NULL, policy_cleared_at = NULL, updated_at = now()
           FROM input i
          WHERE o.id = i.id AND o.id = ANY ($1::uuid[]) AND o.status = 'sending' AND o.lease_owner = i.lease_owner
            AND (SELECT paused FROM paused)
         RETURNING o.id),
       started AS (
         UPDATE outbox_messages o
            SET attempts = o.attempts + 1, updated_at = now(), lease_until = $12::timestamptz + make_interval(secs => $11),
                first_attempt_at = COALESCE(o.first_attempt_at, $12),
                recipient = COALESCE(i.recipient, o.recipient), locale = COALESCE(i.locale, o.locale),
                template_version = COALESCE(i.template_version, o.template_version),
                subject = COALESCE(i.subject, o.subject), html = COALESCE(i.html, o.html), text = COALESCE(i.text, o.text),
                smtp_message_id = COALESCE(i.smtp_message_id, o.smtp_message_id)
           FROM input i
          WHERE o.id = i.id AND o.id = ANY ($1::uuid[]) AND o.status = 'sending' AND o.lease_owner = i.lease_owner
            AND NOT (SELECT paused FROM paused)
            AND NOT EXISTS (SELECT 1 FROM message_attempts a WHERE a.message_id = o.id AND a.outcome IS NULL)
         RETURNING o.id, o.attempts, o.first_attempt_at),
       opened AS (
         INSERT INTO message_attempts (message_id, attempt) SELECT id, attempts FROM started RETURNING message_id, attempt)
       SELECT o.message_id AS id, o.attempt, s.first_attempt_at, false AS released
         FROM opened o JOIN started s ON s.id = o.message_id
       UNION ALL
       SELECT id, NULL, NULL, true FROM released`,
      [
        ids,
        column('recipient'),
        column('locale'),
        column('templateVersion'),
        column('subject'),
        column('html'),
        column('text'),
        column('messageId'),
        SENDING_SETTING,
        messages.map((m) => m.leaseOwner),
        leaseSeconds,
        this.clock.now(),
      ],
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id): AttemptStart => {
      const row = byId.get(id);
      if (!row) {
        return 'lost';
      }
      return row.released ? 'paused' : { attempt: row.attempt!, firstAttemptAt: row.first_attempt_at! };
    });
  }

  /**
   * Closes the attempt and moves the message on, if `leaseOwner` still holds the lease and the
   * attempt is still open. False otherwise: nothing is written, so an attempt another worker
   * closed (as `unknown`, say) keeps its record.
   */
  async recordAttempt(message: LeasedMessage, attempt: number, result: AttemptOutcome): Promise<boolean> {
    const [recorded] = await this.recordAttempts([{ ...message, attempt, result }]);
    return recorded!;
  }

  /**
   * recordAttempt for several messages in one statement (GroupCommit), answers in the order
   * given. The outcome names the message's next status: sent, deferred (until retryAt) or failed.
   * The rows are locked while ownership is checked, so a claim cannot take one over between the
   * check and the write.
   */
  async recordAttempts(
    attempts: Array<LeasedMessage & { attempt: number; result: AttemptOutcome }>,
  ): Promise<boolean[]> {
    const ids = attempts.map((a) => a.id);
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $8::uuid[], $2::int[], $3::text[], $4::int[], $5::text[], $6::text[],
                              $7::timestamptz[])
           AS i(id, lease_owner, attempt, outcome, smtp_code, response, reason, retry_at)),
       owned AS (
         SELECT o.id FROM outbox_messages o JOIN input i ON i.id = o.id
          WHERE o.id = ANY ($1::uuid[]) AND o.status = 'sending' AND o.lease_owner = i.lease_owner
            FOR UPDATE OF o),
       closed AS (
         UPDATE message_attempts a SET outcome = i.outcome, smtp_code = i.smtp_code, response = i.response, finished_at = $9
           FROM input i
          WHERE a.message_id = i.id AND a.attempt = i.attempt AND a.outcome IS NULL
            AND a.message_id = ANY (ARRAY(SELECT id FROM owned))
         RETURNING a.message_id),
       moved AS (
         UPDATE outbox_messages o
            SET status = i.outcome,
                status_reason = CASE i.outcome WHEN 'sent' THEN NULL WHEN 'deferred' THEN i.response ELSE i.reason END,
                sent_at = CASE WHEN i.outcome = 'sent' THEN $9::timestamptz ELSE o.sent_at END,
                not_before = CASE WHEN i.outcome = 'deferred' THEN i.retry_at ELSE o.not_before END,
                lease_until = NULL, lease_owner = NULL,
                policy_cleared_at = CASE WHEN i.outcome = 'sent' THEN o.policy_cleared_at END,
                updated_at = now()
           FROM input i
          WHERE o.id = i.id AND o.id = ANY (ARRAY(SELECT message_id FROM closed))
         RETURNING o.id)
       SELECT id FROM moved`,
      [
        ids,
        attempts.map((a) => a.attempt),
        attempts.map((a) => a.result.outcome),
        // An SMTP 250 unless told otherwise (a webhook's HTTP status).
        attempts.map((a) => (a.result.outcome === 'sent' ? (a.result.code ?? 250) : a.result.code)),
        attempts.map((a) => a.result.response.slice(0, 2000)),
        attempts.map((a) => (a.result.outcome === 'failed' ? a.result.reason.slice(0, 2000) : null)),
        attempts.map((a) => (a.result.outcome === 'deferred' ? a.result.retryAt.toISOString() : null)),
        attempts.map((a) => a.leaseOwner),
        this.clock.now(),
      ],
    );
    const recorded = new Set(rows.map((r) => r.id));
    return ids.map((id) => recorded.has(id));
  }
}
