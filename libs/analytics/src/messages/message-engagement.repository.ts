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
    const [message] = await tx.query<
      Array<{
        customer_uuid: string;
        sent_at: Date;
        opened: Engaged;
        clicked: Engaged;
        unsubscribed: boolean;
        complained: boolean;
      }>
    >(
      `SELECT customer_uuid, COALESCE(sent_at, first_attempt_at, created_at) AS sent_at,
              opened, clicked, unsubscribed, complained
         FROM outbox_messages WHERE id = $1 FOR UPDATE`,
      [hit.messageId],
    );
    if (!message) {
      return undefined;
    }
    const before: EngagementSummary = {
      opened: message.opened,
      clicked: message.clicked,
      unsubscribed: message.unsubscribed,
      complained: message.complained,
    };
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
      return before;
    }
    const hits = await tx.query<HitRow[]>(
      `SELECT kind, at, link, user_agent FROM message_engagements
        WHERE customer_uuid = $1 AND message_id = $2 ORDER BY seq`,
      [message.customer_uuid, hit.messageId],
    );
    const verdict = classifyHits(message.sent_at, hits, (await this.settings.current(tx)).engagement);
    const after: EngagementSummary = {
      opened: verdict.opened,
      clicked: verdict.clicked,
      unsubscribed: hits.some((h) => h.kind === 'unsubscribe'),
      complained: hits.some((h) => h.kind === 'complaint'),
    };
    if (
      after.opened !== before.opened ||
      after.clicked !== before.clicked ||
      after.unsubscribed !== before.unsubscribed ||
      after.complained !== before.complained
    ) {
      await tx.query(
        `UPDATE outbox_messages SET opened = $2, clicked = $3, unsubscribed = $4, complained = $5 WHERE id = $1`,
        [hit.messageId, after.opened, after.clicked, after.unsubscribed, after.complained],
      );
    }
    return after;
  }
}
