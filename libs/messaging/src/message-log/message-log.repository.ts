import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Clock, exactInstantSql, type PagePosition } from '@kizuna/common';
import { inTransaction } from '@kizuna/database';
import type { DataSource } from 'typeorm';
import { SENDING_SETTING } from '../delivery/delivery.repository';
import type { Channel, MessageCategory, OutboxStatus, WhenCapped } from '../outbox/outbox-message';
import { OUTBOX_CHANNEL } from '../outbox/outbox.repository';

export interface MessageFilter {
  /** The customer's uuid (callers resolve the shop's id). */
  customerUuid?: string;
  journeyId?: string;
  templateKey?: string;
  status?: OutboxStatus;
  from?: Date;
  to?: Date;
  limit: number;
  /** Keyset: messages created before this (created_at exactly, then id). */
  before?: PagePosition;
}

/** A message as the log stores it: its customer by uuid (MessagesService says who that is). */
export type LoggedMessage<T extends MessageSummary = MessageSummary> = Omit<T, 'customerId'> & { customerUuid: string };

export interface MessageLogPage {
  messages: LoggedMessage[];
  /** Where the next (older) page starts; undefined on the last page. */
  next: PagePosition | undefined;
}

export interface MessageSummary {
  id: string;
  effectKey: string;
  customerId: string | null;
  channel: Channel;
  category: MessageCategory;
  templateKey: string | null;
  /** Webhook calls: where to. */
  webhookUrl: string | null;
  /** The journey's priority, and what a frequency cap does to it. */
  priority: number;
  whenCapped: WhenCapped;
  journeyId: string | null;
  stepId: string | null;
  status: OutboxStatus;
  statusReason: string | null;
  recipient: string | null;
  subject: string | null;
  attempts: number;
  notBefore: Date;
  createdAt: Date;
  sentAt: Date | null;
}

export interface MessageAttempt {
  attempt: number;
  startedAt: Date;
  finishedAt: Date | null;
  outcome: 'sent' | 'deferred' | 'failed' | 'unknown' | null;
  smtpCode: number | null;
  response: string | null;
}

export interface MessageDetail extends MessageSummary {
  payload: Record<string, unknown>;
  locale: string | null;
  templateVersion: number | null;
  smtpMessageId: string | null;
  html: string | null;
  text: string | null;
  attemptLog: MessageAttempt[];
}

/** Attempts closed as `unknown`, per channel: the messages that may have been delivered twice. */
export interface UnknownAttemptCounts {
  email: { total: number; inPeriod: number };
  webhook: { total: number; inPeriod: number };
}

/** The delivery queue now (docs/analytics.md, "Sending health"). */
export interface QueueState {
  queued: number;
  deferred: number;
  sending: number;
  /** Queued or deferred messages whose time has come: what workers should be sending now. */
  due: number;
  /** The earliest not_before among the due messages; null when none is due. */
  oldestDueAt: Date | null;
}

/** Why deferred messages wait: a frequency cap, quiet hours, or a temporary delivery failure (4xx, connection). */
export const DEFER_REASONS = ['frequency_cap', 'quiet_hours', 'temporary_failure'] as const;
export type DeferReason = (typeof DEFER_REASONS)[number];

/** Delivery attempts that finished in one bucket (an hour or a day), by outcome. */
export interface AttemptBucket {
  start: Date;
  sent: number;
  deferred: number;
  failed: number;
  unknown: number;
}

export interface SendingState {
  paused: boolean;
  reason: string | null;
  changedAt: string | null;
  changedBy: string | null;
}

const SUMMARY_COLUMNS = `o.id, o.effect_key, o.customer_uuid, o.channel, o.category, o.template_key, o.webhook_url,
  o.priority, o.when_capped, o.journey_id, o.step_id, o.status,
  o.status_reason, o.recipient, o.subject, o.attempts, o.not_before, o.created_at, o.sent_at`;

type SummaryRow = {
  id: string;
  effect_key: string;
  customer_uuid: string;
  channel: Channel;
  category: MessageCategory;
  template_key: string | null;
  webhook_url: string | null;
  priority: number;
  when_capped: WhenCapped;
  journey_id: string | null;
  step_id: string | null;
  status: OutboxStatus;
  status_reason: string | null;
  recipient: string | null;
  subject: string | null;
  attempts: number;
  not_before: Date;
  created_at: Date;
  sent_at: Date | null;
};

const toSummary = (r: SummaryRow): LoggedMessage => ({
  id: r.id,
  effectKey: r.effect_key,
  customerUuid: r.customer_uuid,
  channel: r.channel,
  category: r.category,
  templateKey: r.template_key,
  webhookUrl: r.webhook_url,
  priority: r.priority,
  whenCapped: r.when_capped,
  journeyId: r.journey_id,
  stepId: r.step_id,
  status: r.status,
  statusReason: r.status_reason,
  recipient: r.recipient,
  subject: r.subject,
  attempts: r.attempts,
  notBefore: r.not_before,
  createdAt: r.created_at,
  sentAt: r.sent_at,
});

/** The message log for operators, retries, and the sending kill switch. */
@Injectable()
export class MessageLogRepository {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly clock: Clock,
  ) {}

  /** One page, newest first; the position comes from the database as text (microseconds). */
  async list(f: MessageFilter): Promise<MessageLogPage> {
    const rows = await this.dataSource.query<Array<SummaryRow & { position_at: string }>>(
      `SELECT ${SUMMARY_COLUMNS}, ${exactInstantSql('o.created_at')} AS position_at
         FROM outbox_messages o
        WHERE ($1::uuid IS NULL OR o.customer_uuid = $1)
          AND ($2::uuid IS NULL OR o.journey_id = $2)
          AND ($3::text IS NULL OR o.template_key = $3)
          AND ($4::text IS NULL OR o.status = $4)
          AND ($5::timestamptz IS NULL OR o.created_at >= $5)
          AND ($6::timestamptz IS NULL OR o.created_at < $6)
          AND ($7::timestamptz IS NULL OR (o.created_at, o.id) < ($7::timestamptz, $8::uuid))
        ORDER BY o.created_at DESC, o.id DESC
        LIMIT $9`,
      [
        f.customerUuid ?? null,
        f.journeyId ?? null,
        f.templateKey ?? null,
        f.status ?? null,
        f.from ?? null,
        f.to ?? null,
        f.before?.at ?? null,
        f.before?.after ?? null,
        f.limit + 1,
      ],
    );
    const page = rows.slice(0, f.limit);
    const last = page[page.length - 1];
    return {
      messages: page.map(toSummary),
      next: rows.length > f.limit && last ? { at: last.position_at, after: last.id } : undefined,
    };
  }

  async detail(id: string): Promise<LoggedMessage<MessageDetail> | undefined> {
    const [row] = await this.dataSource.query<
      Array<
        SummaryRow & {
          payload: Record<string, unknown>;
          locale: string | null;
          template_version: number | null;
          smtp_message_id: string | null;
          html: string | null;
          text: string | null;
        }
      >
    >(
      `SELECT ${SUMMARY_COLUMNS}, o.payload, o.locale, o.template_version, o.smtp_message_id, o.html, o.text
         FROM outbox_messages o WHERE o.id = $1`,
      [id],
    );
    if (!row) {
      return undefined;
    }
    const attempts = await this.dataSource.query<
      Array<{
        attempt: number;
        started_at: Date;
        finished_at: Date | null;
        outcome: MessageAttempt['outcome'];
        smtp_code: number | null;
        response: string | null;
      }>
    >('SELECT * FROM message_attempts WHERE message_id = $1 ORDER BY attempt', [id]);
    return {
      ...toSummary(row),
      payload: row.payload,
      locale: row.locale,
      templateVersion: row.template_version,
      smtpMessageId: row.smtp_message_id,
      html: row.html,
      text: row.text,
      attemptLog: attempts.map((a) => ({
        attempt: a.attempt,
        startedAt: a.started_at,
        finishedAt: a.finished_at,
        outcome: a.outcome,
        smtpCode: a.smtp_code,
        response: a.response,
      })),
    };
  }

  /**
   * Attempts closed as `unknown` (a worker stopped, or lost its lease, between handing the message
   * over and recording the answer; the message was then sent again), all of them and those closed
   * in [from, to). Computed from message_attempts, so it covers every worker process.
   */
  async unknownAttempts(from: Date, to: Date): Promise<UnknownAttemptCounts> {
    const rows = await this.dataSource.query<Array<{ channel: 'email' | 'webhook'; total: number; in_period: number }>>(
      `SELECT o.channel, count(*)::int AS total,
              (count(*) FILTER (WHERE a.finished_at >= $1 AND a.finished_at < $2))::int AS in_period
         FROM message_attempts a JOIN outbox_messages o ON o.id = a.message_id
        WHERE a.outcome = 'unknown'
        GROUP BY o.channel`,
      [from, to],
    );
    const counts: UnknownAttemptCounts = { email: { total: 0, inPeriod: 0 }, webhook: { total: 0, inPeriod: 0 } };
    for (const r of rows) {
      counts[r.channel] = { total: r.total, inPeriod: r.in_period };
    }
    return counts;
  }

  async queue(now: Date): Promise<QueueState> {
    const [row] = await this.dataSource.query<
      Array<{ queued: number; deferred: number; sending: number; due: number; oldest_due_at: Date | null }>
    >(
      `SELECT (count(*) FILTER (WHERE status = 'queued'))::int AS queued,
              (count(*) FILTER (WHERE status = 'deferred'))::int AS deferred,
              (SELECT count(*)::int FROM outbox_messages WHERE status = 'sending') AS sending,
              (count(*) FILTER (WHERE not_before <= $1))::int AS due,
              min(not_before) FILTER (WHERE not_before <= $1) AS oldest_due_at
         FROM outbox_messages WHERE status IN ('queued', 'deferred')`,
      [now],
    );
    return {
      queued: row!.queued,
      deferred: row!.deferred,
      sending: row!.sending,
      due: row!.due,
      oldestDueAt: row!.oldest_due_at,
    };
  }

  /**
   * Deferred messages by why they wait, read from the reason the policy or the delivery wrote:
   * the policy's start with "frequency cap" or "quiet hours"; anything else is a mail server's
   * temporary answer or a failed connection.
   */
  async deferredByReason(): Promise<Record<DeferReason, number>> {
    const rows = await this.dataSource.query<Array<{ reason: DeferReason; n: number }>>(
      `SELECT CASE WHEN status_reason LIKE 'frequency cap%' THEN 'frequency_cap'
                   WHEN status_reason LIKE 'quiet hours%' THEN 'quiet_hours'
                   ELSE 'temporary_failure' END AS reason,
              count(*)::int AS n
         FROM outbox_messages WHERE status = 'deferred'
        GROUP BY 1`,
    );
    const counts: Record<DeferReason, number> = { frequency_cap: 0, quiet_hours: 0, temporary_failure: 0 };
    for (const r of rows) {
      counts[r.reason] = r.n;
    }
    return counts;
  }

  /**
   * Delivery attempts (email and webhooks) that finished in [from, to), per bucket of `bucket`
   * (UTC hours or days), every bucket of the period present (zeros where nothing finished).
   */
  async attemptsOverTime(from: Date, to: Date, bucket: 'hour' | 'day'): Promise<AttemptBucket[]> {
    const rows = await this.dataSource.query<
      Array<{ start: Date; sent: number; deferred: number; failed: number; unknown: number }>
    >(
      `WITH buckets AS (
         SELECT generate_series(date_trunc($3, $1::timestamptz AT TIME ZONE 'UTC'),
                                $2::timestamptz AT TIME ZONE 'UTC' - interval '1 microsecond',
                                ('1 ' || $3)::interval) AS start),
       finished AS (
         SELECT date_trunc($3, finished_at AT TIME ZONE 'UTC') AS start, outcome
           FROM message_attempts WHERE finished_at >= $1 AND finished_at < $2)
       SELECT b.start AT TIME ZONE 'UTC' AS start,
              (count(f.outcome) FILTER (WHERE f.outcome = 'sent'))::int AS sent,
              (count(f.outcome) FILTER (WHERE f.outcome = 'deferred'))::int AS deferred,
              (count(f.outcome) FILTER (WHERE f.outcome = 'failed'))::int AS failed,
              (count(f.outcome) FILTER (WHERE f.outcome = 'unknown'))::int AS unknown
         FROM buckets b LEFT JOIN finished f ON f.start = b.start
        GROUP BY b.start ORDER BY b.start`,
      [from, to, bucket],
    );
    return rows;
  }

  /**
   * Queues a failed message again, to be sent now. Its stored content is dropped so it is
   * rendered afresh (a fixed template applies); the Message-ID is kept, and the give-up time
   * counts from its next attempt. Returns false unless the message exists and failed.
   */
  async retry(id: string): Promise<boolean> {
    return inTransaction(this.dataSource, async (tx) => {
      const rows = await tx.query<Array<{ id: string }>>(
        `WITH requeued AS (
           UPDATE outbox_messages
              SET status = 'queued', status_reason = NULL, not_before = $2, updated_at = now(),
                  subject = NULL, html = NULL, text = NULL, recipient = NULL, first_attempt_at = NULL
            WHERE id = $1 AND status = 'failed' RETURNING id)
         SELECT id FROM requeued`,
        [id, this.clock.now()],
      );
      if (rows.length > 0) {
        await tx.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, '']);
      }
      return rows.length > 0;
    });
  }

  /**
   * Drops the rendered HTML and text of finished messages older than the retention, in bounded
   * chunks; subject, recipient, status and attempts stay. Returns how many were pruned.
   */
  async pruneContent(retentionDays: number, chunk = 1000): Promise<number> {
    const rows = await this.dataSource.query<Array<{ id: string }>>(
      `WITH old AS (
         SELECT id FROM outbox_messages
          WHERE status IN ('sent', 'failed', 'suppressed', 'skipped') AND html IS NOT NULL
            AND updated_at < $3::timestamptz - make_interval(days => $1)
          LIMIT $2 FOR UPDATE SKIP LOCKED),
       pruned AS (
         UPDATE outbox_messages o SET html = NULL, text = NULL FROM old WHERE o.id = old.id RETURNING o.id)
       SELECT id FROM pruned`,
      [retentionDays, chunk, this.clock.now()],
    );
    return rows.length;
  }

  async sendingState(): Promise<SendingState> {
    const [row] = await this.dataSource.query<Array<{ value: Partial<SendingState> }>>(
      'SELECT value FROM settings WHERE key = $1',
      [SENDING_SETTING],
    );
    return {
      paused: row?.value.paused ?? false,
      reason: row?.value.reason ?? null,
      changedAt: row?.value.changedAt ?? null,
      changedBy: row?.value.changedBy ?? null,
    };
  }

  async setSending(paused: boolean, reason: string | null, changedBy: string): Promise<SendingState> {
    const value: SendingState = { paused, reason, changedAt: this.clock.now().toISOString(), changedBy };
    await inTransaction(this.dataSource, async (tx) => {
      await tx.query(
        `INSERT INTO settings (key, value, updated_at) VALUES ($1, $2::jsonb, now())
         ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value, updated_at = now()`,
        [SENDING_SETTING, JSON.stringify(value)],
      );
      if (!paused) {
        await tx.query('SELECT pg_notify($1, $2)', [OUTBOX_CHANNEL, '']);
      }
    });
    return value;
  }
}
