import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { NPS_GROUP_SCORES, type NpsGroup } from '../kpis.util';

/** One `nps.responded`, as the inbox applies it. */
export interface NpsAnswerFact {
  customerUuid: string;
  eventId: string;
  /** The event's inbox seq: the recording order, which settles two answers at the same instant. */
  eventSeq: string;
  answeredAt: Date;
  score: number;
  comment: string | null;
  /** The event's source: `system` (Kizuna's answer page) or the shop's (`api`, `segment`, ...). */
  source: string;
  journeyId: string | null;
}

export interface GroupCounts {
  promoters: number;
  passives: number;
  detractors: number;
}

export interface NpsComment {
  customerUuid: string;
  score: number;
  comment: string;
  answeredAt: Date;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Each customer's latest answer in [$1, $2): ties at one instant go to the answer recorded last
 * (docs/analytics.md, "NPS"). Reads the period's entries of `nps_answers_answered`: bounded by the
 * answers of the period, which are far fewer than events.
 */
const LATEST_IN_PERIOD = `
  SELECT DISTINCT ON (customer_uuid) customer_uuid, answered_at, score, comment
    FROM nps_answers WHERE answered_at >= $1 AND answered_at < $2
   ORDER BY customer_uuid, answered_at DESC, event_seq DESC`;

const COUNTS = `count(*) FILTER (WHERE score >= 9)::int AS promoters,
                count(*) FILTER (WHERE score BETWEEN 7 AND 8)::int AS passives,
                count(*) FILTER (WHERE score <= 6)::int AS detractors`;

/** NPS answers as facts (`nps_answers`, customer first): written by the inbox, read by the NPS report. */
@Injectable()
export class NpsAnswerRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Records answers in the inbox transaction; the same event twice is one answer. */
  async record(tx: EntityManager, answers: NpsAnswerFact[]): Promise<void> {
    if (answers.length === 0) {
      return;
    }
    const sorted = [...answers].sort((a, b) =>
      a.customerUuid < b.customerUuid ? -1 : a.customerUuid > b.customerUuid ? 1 : 0,
    );
    await tx.query(
      `INSERT INTO nps_answers (customer_uuid, answered_at, event_id, event_seq, score, comment, source, journey_id)
       SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::uuid[], $4::bigint[], $5::smallint[], $6::text[],
                            $7::text[], $8::uuid[])
       ON CONFLICT DO NOTHING`,
      [
        sorted.map((a) => a.customerUuid),
        sorted.map((a) => a.answeredAt),
        sorted.map((a) => a.eventId),
        sorted.map((a) => a.eventSeq),
        sorted.map((a) => a.score),
        sorted.map((a) => a.comment),
        sorted.map((a) => a.source),
        sorted.map((a) => (a.journeyId !== null && UUID.test(a.journeyId) ? a.journeyId : null)),
      ],
    );
  }

  /**
   * Customers per group over [start, end), each with their latest answer (`month` null), and the
   * same per shop month (`YYYY-MM`) of the period, each month on its own (months without answers
   * left out). One read of the period's answers: a customer's latest answer of the period is the
   * latest of their monthly latest ones.
   */
  async countsWithMonths(
    start: Date,
    end: Date,
    timeZone: string,
  ): Promise<Array<GroupCounts & { month: string | null }>> {
    return this.dataSource.query(
      `WITH monthly AS (
         SELECT DISTINCT ON (customer_uuid, month) customer_uuid, month, score, answered_at, event_seq
           FROM (SELECT customer_uuid, to_char(answered_at AT TIME ZONE $3, 'YYYY-MM') AS month, score,
                        answered_at, event_seq
                   FROM nps_answers WHERE answered_at >= $1 AND answered_at < $2) a
          ORDER BY customer_uuid, month, answered_at DESC, event_seq DESC),
       latest AS (
         SELECT DISTINCT ON (customer_uuid) customer_uuid, score
           FROM monthly ORDER BY customer_uuid, month DESC, answered_at DESC, event_seq DESC)
       SELECT NULL AS month, ${COUNTS} FROM latest
       UNION ALL
       SELECT month, ${COUNTS} FROM monthly GROUP BY month
       ORDER BY month NULLS FIRST`,
      [start, end, timeZone],
    );
  }

  /**
   * A page of comments of one group over [start, end): each customer's latest answer in the
   * period, when it is in the group and has a comment; newest first, keyset by (answered_at,
   * customer) after `before`.
   */
  async comments(
    start: Date,
    end: Date,
    group: NpsGroup,
    before: { answeredAt: Date; customerUuid: string } | undefined,
    limit: number,
  ): Promise<NpsComment[]> {
    const { min, max } = NPS_GROUP_SCORES[group];
    const rows = await this.dataSource.query<
      Array<{ customer_uuid: string; score: number; comment: string; answered_at: Date }>
    >(
      `SELECT customer_uuid, score, comment, answered_at FROM (${LATEST_IN_PERIOD}) latest
        WHERE score BETWEEN $3 AND $4 AND comment IS NOT NULL
          AND ($5::timestamptz IS NULL OR (answered_at, customer_uuid) < ($5, $6::uuid))
        ORDER BY answered_at DESC, customer_uuid DESC LIMIT $7`,
      [start, end, min, max, before?.answeredAt ?? null, before?.customerUuid ?? null, limit],
    );
    return rows.map((r) => ({
      customerUuid: r.customer_uuid,
      score: r.score,
      comment: r.comment,
      answeredAt: r.answered_at,
    }));
  }
}
