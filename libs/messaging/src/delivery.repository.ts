import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { MessageRenderer } from './message-renderer';
import type { Channel, MessageCategory, WhenCapped } from './outbox-message';
import type { PolicyDecision } from './sending-policy';

type EmailConsent = 'subscribed' | 'unsubscribed' | 'unknown';

/** An outbox email claimed for sending, with the profile it is personalised from. */
export interface ClaimedMessage {
  id: string;
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
export interface ClaimedWebhook {
  id: string;
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

export type AttemptOutcome =
  | { outcome: 'sent'; response: string; code?: number }
  | { outcome: 'deferred'; code: number | null; response: string; retryAt: Date }
  | { outcome: 'failed'; code: number | null; response: string; reason: string };

interface ClaimRow {
  id: string;
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
  customer_id: string | null;
  email: string | null;
  locale: string | null;
  timezone: string | null;
  attributes: Record<string, unknown>;
  email_consent: EmailConsent;
}

export const SENDING_SETTING = 'sending';

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
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims due email (and rows whose lease ran out: their worker died), unless sending is
   * paused. Attempts a dead worker left open are closed as 'unknown' in the same transaction.
   */
  async claim(limit: number, leaseSeconds: number): Promise<ClaimedMessage[]> {
    const { rows, interrupted } = await this.claimChannel('email', limit, leaseSeconds);
    return rows.map((r) => ({
      id: r.id,
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
      customer: {
        customerId: r.customer_id,
        email: r.email,
        locale: r.locale,
        timezone: r.timezone,
        attributes: r.attributes,
        consent: r.email_consent,
      },
      interruptedAttempt: interrupted.get(r.id),
    }));
  }

  /** Claims due webhook calls, exactly as email is claimed (kill switch and leases included). */
  async claimWebhooks(limit: number, leaseSeconds: number): Promise<ClaimedWebhook[]> {
    const { rows, interrupted } = await this.claimChannel('webhook', limit, leaseSeconds);
    return rows.map((r) => ({
      id: r.id,
      effectKey: r.effect_key,
      url: r.webhook_url!,
      payload: r.payload,
      createdAt: r.created_at,
      interruptedAttempt: interrupted.get(r.id),
    }));
  }

  /*
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
  ): Promise<{ rows: ClaimRow[]; interrupted: Map<string, number> }> {
    return this.dataSource.transaction(async (tx) => {
      const rows = await tx.query<ClaimRow[]>(
        `WITH paused AS (
           SELECT EXISTS (SELECT 1 FROM settings s WHERE s.key = $3 AND (s.value->>'paused')::boolean) AS paused),
         due AS (
           SELECT id, status AS previous_status, priority, not_before FROM outbox_messages
            WHERE channel = $4 AND status IN ('queued', 'deferred') AND not_before <= now()
              AND NOT (SELECT paused FROM paused)
            ORDER BY priority DESC, not_before
            LIMIT $1
              FOR UPDATE SKIP LOCKED),
         expired AS (
           SELECT id, status AS previous_status, priority, not_before FROM outbox_messages
            WHERE channel = $4 AND status = 'sending' AND lease_until < now()
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
            SET status = 'sending', lease_until = now() + make_interval(secs => $2), updated_at = now()
           FROM customers c
          WHERE o.id = ANY (ARRAY(SELECT id FROM picked)) AND c.id = o.customer_uuid
         RETURNING o.id, o.effect_key, o.customer_uuid, o.category, o.when_capped, o.priority, o.not_before,
                   o.template_key, o.webhook_url, o.payload, o.created_at,
                   o.recipient, o.subject, o.html, o.text, o.smtp_message_id,
                   c.customer_id, c.email, c.locale, c.timezone, c.attributes, c.email_consent)
         SELECT claimed.*, picked.previous_status FROM claimed JOIN picked USING (id)
          ORDER BY claimed.priority DESC, claimed.not_before`,
        [limit, leaseSeconds, SENDING_SETTING, channel],
      );
      const recovered = rows.filter((r) => r.previous_status === 'sending').map((r) => r.id);
      const interrupted = new Map<string, number>();
      if (recovered.length > 0) {
        const open = await tx.query<Array<{ message_id: string; attempt: number }>>(
          `WITH closed AS (
             UPDATE message_attempts SET outcome = 'unknown', finished_at = now(),
                    response = 'the worker stopped during this attempt; the receiver may have accepted it'
              WHERE message_id = ANY($1::uuid[]) AND outcome IS NULL
             RETURNING message_id, attempt)
           SELECT * FROM closed`,
          [recovered],
        );
        for (const a of open) {
          interrupted.set(a.message_id, a.attempt);
        }
      }
      return { rows, interrupted };
    });
  }

  async isPaused(): Promise<boolean> {
    const [row] = await this.dataSource.query<Array<{ paused: boolean }>>(
      `SELECT (value->>'paused')::boolean AS paused FROM settings WHERE key = $1`,
      [SENDING_SETTING],
    );
    return row?.paused ?? false;
  }

  /** Ends a claimed message without an SMTP attempt (policy, bad data, template error). */
  async finish(id: string, status: 'suppressed' | 'skipped' | 'failed', reason: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE outbox_messages SET status = $2, status_reason = $3, lease_until = NULL, policy_cleared_at = NULL,
              updated_at = now()
        WHERE id = $1 AND status = 'sending'`,
      [id, status, reason.slice(0, 2000)],
    );
  }

  /**
   * Applies the sending policy to a claimed marketing message, serialised per customer: under a
   * transaction-scoped advisory lock on the customer, reads when their other marketing email went
   * out within `lookbackMs` (sent, or cleared by the policy and being sent now: those count too,
   * else two workers could both pass the cap), asks `decide` with the database clock's now, and
   * records the answer before the lock is released: cleared (counts against the cap from now on),
   * deferred until a time, or skipped.
   */
  async applySendingPolicy(
    message: Pick<ClaimedMessage, 'id' | 'customerUuid' | 'priority'>,
    lookbackMs: number,
    decide: (recentMarketing: Date[], higherPriorityDue: number, now: Date) => PolicyDecision,
  ): Promise<PolicyDecision> {
    return this.dataSource.transaction(async (tx) => {
      // A key of its own (not the inbox's), so sends never wait for an inbox batch.
      await tx.query(`SELECT pg_advisory_xact_lock(hashtextextended('sending-policy:' || $1, 0))`, [
        message.customerUuid,
      ]);
      const [{ now }] = (await tx.query<Array<{ now: Date }>>('SELECT clock_timestamp() AS now')) as [{ now: Date }];
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
      const decision = decide(
        recent.map((r) => r.at),
        higherPriorityDue,
        now,
      );
      switch (decision.action) {
        case 'send':
          await tx.query(`UPDATE outbox_messages SET policy_cleared_at = $2 WHERE id = $1`, [message.id, now]);
          break;
        case 'defer':
          await tx.query(
            `UPDATE outbox_messages SET status = 'deferred', status_reason = $2, not_before = $3, lease_until = NULL,
                    policy_cleared_at = NULL, updated_at = now()
              WHERE id = $1 AND status = 'sending'`,
            [message.id, decision.reason.slice(0, 2000), decision.until],
          );
          break;
        case 'skip':
          await tx.query(
            `UPDATE outbox_messages SET status = 'skipped', status_reason = $2, lease_until = NULL,
                    policy_cleared_at = NULL, updated_at = now()
              WHERE id = $1 AND status = 'sending'`,
            [message.id, decision.reason.slice(0, 2000)],
          );
          break;
      }
      return decision;
    });
  }

  /**
   * Stores what is about to be sent (when newly rendered) and opens an attempt, committed
   * before the SMTP conversation starts: after a crash, the open attempt is how recovery knows
   * to say "possibly sent". Unless sending is paused (the kill switch holds even for a batch
   * claimed just before it was thrown): then the message is given back untouched instead, and
   * the answer is undefined. Otherwise the attempt number. One statement, one round trip.
   */
  async startAttempt(id: string, content: StoredContent | undefined): Promise<number | undefined> {
    // A data-modifying CTE runs whether or not it is read; `paused` makes the two updates exclusive.
    const [row] = await this.dataSource.query<Array<{ attempt: number }>>(
      `WITH paused AS (
         SELECT EXISTS (SELECT 1 FROM settings WHERE key = $9 AND (value->>'paused')::boolean) AS paused),
       released AS (
         UPDATE outbox_messages SET status = 'queued', lease_until = NULL, policy_cleared_at = NULL, updated_at = now()
          WHERE id = $1 AND status = 'sending' AND (SELECT paused FROM paused)
         RETURNING id),
       started AS (
         UPDATE outbox_messages
            SET attempts = attempts + 1, updated_at = now(),
                recipient = COALESCE($2, recipient), locale = COALESCE($3, locale),
                template_version = COALESCE($4, template_version), subject = COALESCE($5, subject),
                html = COALESCE($6, html), text = COALESCE($7, text), smtp_message_id = COALESCE($8, smtp_message_id)
          WHERE id = $1 AND NOT (SELECT paused FROM paused)
         RETURNING id, attempts),
       opened AS (
         INSERT INTO message_attempts (message_id, attempt) SELECT id, attempts FROM started RETURNING attempt)
       SELECT attempt FROM opened`,
      [
        id,
        content?.recipient ?? null,
        content?.locale ?? null,
        content?.templateVersion ?? null,
        content?.subject ?? null,
        content?.html ?? null,
        content?.text ?? null,
        content?.messageId ?? null,
        SENDING_SETTING,
      ],
    );
    return row?.attempt;
  }

  /** Closes the attempt and moves the message on, in one statement. */
  async recordAttempt(id: string, attempt: number, result: AttemptOutcome): Promise<void> {
    // An SMTP 250 unless told otherwise (a webhook's HTTP status).
    const code = result.outcome === 'sent' ? (result.code ?? 250) : result.code;
    const closed = `WITH closed AS (
         UPDATE message_attempts SET outcome = $3, smtp_code = $4, response = $5, finished_at = now()
          WHERE message_id = $1 AND attempt = $2)`;
    const params = [id, attempt, result.outcome, code, result.response.slice(0, 2000)];
    switch (result.outcome) {
      case 'sent':
        await this.dataSource.query(
          `${closed}
           UPDATE outbox_messages SET status = 'sent', status_reason = NULL, sent_at = now(), lease_until = NULL,
                  updated_at = now() WHERE id = $1`,
          params,
        );
        break;
      case 'deferred':
        await this.dataSource.query(
          `${closed}
           UPDATE outbox_messages SET status = 'deferred', status_reason = $5, not_before = $6, lease_until = NULL,
                  policy_cleared_at = NULL, updated_at = now() WHERE id = $1`,
          [...params, result.retryAt],
        );
        break;
      case 'failed':
        await this.dataSource.query(
          `${closed}
           UPDATE outbox_messages SET status = 'failed', status_reason = $6, lease_until = NULL, policy_cleared_at = NULL,
                  updated_at = now()
            WHERE id = $1`,
          [...params, result.reason.slice(0, 2000)],
        );
        break;
    }
  }
}
