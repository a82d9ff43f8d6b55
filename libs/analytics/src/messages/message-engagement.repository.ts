import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { AnalyticsSettingsRepository } from '../settings/analytics-settings.repository';
import {
  classifyMessageEngagement,
  type EngagementThresholds,
  type Engaged,
  type MessageEngagement,
} from '../engagement.util';

/** Hits kept per message: enough for any person, a bound for a script hammering the pixel. */
export const MAX_HITS_PER_MESSAGE = 50;

export type HitKind = 'open' | 'click' | 'unsubscribe' | 'complaint';

/** One hit on a message's tracking links, as the tracking endpoint received it. */
export interface EngagementHitFact {
  messageId: string;
  kind: HitKind;
  at: Date;
  userAgent: string | null;
  /** The link clicked (its URL); clicks only. */
  link?: string;
}

/** A message's summary, as reports count it. */
export interface EngagementSummary {
  opened: Engaged;
  clicked: Engaged;
  unsubscribed: boolean;
  complained: boolean;
}

interface HitRow {
  kind: HitKind;
  at: Date;
  link: string | null;
  user_agent: string | null;
}

/** When a message's hits are measured from: its SMTP acceptance, else its first attempt, else its creation. */
const SENT_AT = 'COALESCE(sent_at, first_attempt_at, created_at)';

/** The verdict over a message's hits (docs/analytics.md, "Machine activity"). */
export function classifyHits(
  sentAt: Date,
  hits: readonly HitRow[],
  thresholds: EngagementThresholds,
): MessageEngagement {
  return classifyMessageEngagement(
    {
      sentAt: sentAt.getTime(),
      opens: hits.filter((h) => h.kind === 'open').map((h) => ({ at: h.at.getTime(), userAgent: h.user_agent })),
      clicks: hits
        .filter((h) => h.kind === 'click')
        .map((h) => ({ at: h.at.getTime(), userAgent: h.user_agent, link: h.link ?? '' })),
    },
    thresholds,
  );
}

/**
 * The hits of these messages (each named with its customer, the table's leading key), oldest
 * first, by message id: what `classifyHits` judges, for one message or a batch.
 */
export async function hitsOfMessages(
  tx: EntityManager,
  messages: ReadonlyArray<{ customerUuid: string; messageId: string }>,
): Promise<Map<string, HitRow[]>> {
  // A message named twice (a candidate for two orders) is read once.
  const unique = [...new Map(messages.map((m) => [m.messageId, m])).values()];
  const rows =
    unique.length === 0
      ? []
      : await tx.query<Array<HitRow & { message_id: string }>>(
          `SELECT e.message_id, e.kind, e.at, e.link, e.user_agent
             FROM unnest($1::uuid[], $2::uuid[]) AS m(customer_uuid, message_id)
             JOIN message_engagements e ON e.customer_uuid = m.customer_uuid AND e.message_id = m.message_id
            ORDER BY e.message_id, e.seq`,
          [unique.map((m) => m.customerUuid), unique.map((m) => m.messageId)],
        );
  const hits = new Map<string, HitRow[]>();
  for (const row of rows) {
    hits.set(row.message_id, [...(hits.get(row.message_id) ?? []), row]);
  }
  return hits;
}

/** A message's summary from all of its hits, as reports count it. */
function summaryOf(sentAt: Date, hits: readonly HitRow[], thresholds: EngagementThresholds): EngagementSummary {
  const verdict = classifyHits(sentAt, hits, thresholds);
  return {
    opened: verdict.opened,
    clicked: verdict.clicked,
    unsubscribed: hits.some((h) => h.kind === 'unsubscribe'),
    complained: hits.some((h) => h.kind === 'complaint'),
  };
}

function sameSummary(a: EngagementSummary, b: EngagementSummary): boolean {
  return (
    a.opened === b.opened &&
    a.clicked === b.clicked &&
    a.unsubscribed === b.unsubscribed &&
    a.complained === b.complained
  );
}

/**
 * Every hit on a message's tracking links (`message_engagements`), and the message's summary
 * recomputed from all of them in the same transaction: a verdict can change as more hits arrive
 * (a scanner's burst shows at its second click; a person's click after a proxy's open makes the
 * open human). The summary lives on the message row, whose trigger moves `message_daily`.
 */
@Injectable()
export class MessageEngagementRepository {
  constructor(private readonly settings: AnalyticsSettingsRepository) {}

  /**
   * Records a hit and returns the message's summary, or undefined when the message does not
   * exist. The message row is locked first: hits of one message are numbered and classified one
   * at a time. Past MAX_HITS_PER_MESSAGE the hit is not stored and nothing changes. Classified
   * with the shop's current thresholds, as this transaction reads them.
   */
  async record(tx: EntityManager, hit: EngagementHitFact): Promise<EngagementSummary | undefined> {
    const [message] = await tx.query<Array<EngagementSummary & { customer_uuid: string; sent_at: Date }>>(
      `SELECT customer_uuid, ${SENT_AT} AS sent_at, opened, clicked, unsubscribed, complained
         FROM outbox_messages WHERE id = $1 FOR UPDATE`,
      [hit.messageId],
    );
    if (!message) {
      return undefined;
    }
    const stored = await tx.query<HitRow[]>(
      `WITH next AS (
         SELECT count(*)::int + 1 AS seq FROM message_engagements WHERE customer_uuid = $1 AND message_id = $2),
       added AS (
         INSERT INTO message_engagements (customer_uuid, message_id, seq, kind, at, link, user_agent)
         SELECT $1, $2, next.seq, $3, $4, $5, $6 FROM next WHERE next.seq <= $7
         RETURNING kind, at, link, user_agent)
       SELECT * FROM added`,
      [
        message.customer_uuid,
        hit.messageId,
        hit.kind,
        hit.at,
        hit.link ?? null,
        hit.userAgent === null ? null : hit.userAgent.slice(0, 1000),
        MAX_HITS_PER_MESSAGE,
      ],
    );
    if (stored.length === 0) {
      return {
        opened: message.opened,
        clicked: message.clicked,
        unsubscribed: message.unsubscribed,
        complained: message.complained,
      };
    }
    const hits = await hitsOfMessages(tx, [{ customerUuid: message.customer_uuid, messageId: hit.messageId }]);
    const after = summaryOf(
      message.sent_at,
      hits.get(hit.messageId) ?? [],
      (await this.settings.current(tx)).engagement,
    );
    if (!sameSummary(after, message)) {
      await tx.query(
        `UPDATE outbox_messages SET opened = $2, clicked = $3, unsubscribed = $4, complained = $5 WHERE id = $1`,
        [hit.messageId, after.opened, after.clicked, after.unsubscribed, after.complained],
      );
    }
    return after;
  }

  /**
   * Recomputes the summary of these messages from their hits with `thresholds`, as `record` would
   * after a hit (the analytics rebuild, after the engagement settings changed), and writes only the
   * summaries that change, in one statement whose trigger moves `message_daily`. Returns how many
   * changed. A message with neither a hit nor a summary has nothing to recompute and is not read.
   * The others are locked first, as `record` locks a message: a hit arriving meanwhile waits and
   * then classifies from what this wrote, and no hit can land between this read and this write
   * and be overwritten by a verdict that did not see it.
   */
  async reclassify(tx: EntityManager, messageIds: string[], thresholds: EngagementThresholds): Promise<number> {
    if (messageIds.length === 0) {
      return 0;
    }
    const messages = await tx.query<Array<EngagementSummary & { id: string; customer_uuid: string; sent_at: Date }>>(
      `SELECT o.id, o.customer_uuid, ${SENT_AT} AS sent_at, o.opened, o.clicked, o.unsubscribed, o.complained
         FROM outbox_messages o
        WHERE o.id = ANY ($1::uuid[])
          AND (o.opened <> 'none' OR o.clicked <> 'none' OR o.unsubscribed OR o.complained
               OR EXISTS (SELECT 1 FROM message_engagements e WHERE e.customer_uuid = o.customer_uuid AND e.message_id = o.id))
        ORDER BY o.id
          FOR UPDATE OF o`,
      [messageIds],
    );
    if (messages.length === 0) {
      return 0;
    }
    const hitsOf = await hitsOfMessages(
      tx,
      messages.map((m) => ({ customerUuid: m.customer_uuid, messageId: m.id })),
    );
    const changed = messages.flatMap((m) => {
      const after = summaryOf(m.sent_at, hitsOf.get(m.id) ?? [], thresholds);
      return sameSummary(after, m) ? [] : [{ id: m.id, ...after }];
    });
    if (changed.length > 0) {
      await tx.query(
        `UPDATE outbox_messages o
            SET opened = c.opened, clicked = c.clicked, unsubscribed = c.unsubscribed, complained = c.complained
           FROM unnest($1::uuid[], $2::text[], $3::text[], $4::boolean[], $5::boolean[])
                AS c(id, opened, clicked, unsubscribed, complained)
          WHERE o.id = c.id`,
        [
          changed.map((c) => c.id),
          changed.map((c) => c.opened),
          changed.map((c) => c.clicked),
          changed.map((c) => c.unsubscribed),
          changed.map((c) => c.complained),
        ],
      );
    }
    return changed.length;
  }
}
