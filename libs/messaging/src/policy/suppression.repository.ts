import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { exactInstantSql, type PagePosition } from '@kizuna/common';
import type { MessageCategory } from '../outbox/outbox-message';

export const SUPPRESSION_REASONS = ['hard_bounce', 'complaint', 'unsubscribe', 'manual'] as const;
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** A page cursor's tie-breaker: `<reason>:<email>` (reasons have no colon). */
export const SUPPRESSION_CURSOR_AFTER = /^(hard_bounce|complaint|unsubscribe|manual):\S{1,320}$/;
const splitAfter = (after: string): [string, string] => {
  const colon = after.indexOf(':');
  return [after.slice(0, colon), after.slice(colon + 1)];
};

export interface Suppression {
  email: string;
  reason: SuppressionReason;
  source: string;
  note: string | null;
  createdAt: Date;
}

/**
 * Which reasons stop which mail. A hard bounce or a manual entry stops everything (the address
 * does not work, or an operator said so); a complaint or an unsubscribe stops marketing only, so
 * receipts and password resets still arrive.
 */
const BLOCKING: Record<MessageCategory, SuppressionReason[]> = {
  marketing: ['hard_bounce', 'manual', 'complaint', 'unsubscribe'],
  transactional: ['hard_bounce', 'manual'],
};

/**
 * The suppression list: addresses (lower case) with the reasons mail to them is stopped. `add` and
 * `remove` are the only writes, whatever the reason (a bounce, a complaint, an unsubscribe link,
 * an operator); `tx` when the entry belongs to a larger change.
 */
@Injectable()
export class SuppressionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The suppression that stops this mail, if any, the strongest first. */
  async blocking(address: string, category: MessageCategory): Promise<SuppressionReason | undefined> {
    return (await this.blockingAny([address]))(address, category);
  }

  /**
   * Reads the entries of these addresses with one query (a delivery batch's recipients), and
   * answers `blocking` for any of them from that.
   */
  async blockingAny(
    addresses: string[],
  ): Promise<(address: string, category: MessageCategory) => SuppressionReason | undefined> {
    const rows =
      addresses.length === 0
        ? []
        : await this.dataSource.query<Array<{ email: string; reason: SuppressionReason }>>(
            `SELECT email, reason FROM suppressions WHERE email = ANY($1::text[])`,
            [[...new Set(addresses.map((a) => a.toLowerCase()))]],
          );
    const reasons = new Map<string, SuppressionReason[]>();
    for (const row of rows) {
      reasons.set(row.email, [...(reasons.get(row.email) ?? []), row.reason]);
    }
    return (address, category) => {
      const found = reasons.get(address.toLowerCase()) ?? [];
      return BLOCKING[category].find((reason) => found.includes(reason));
    };
  }

  async add(
    email: string,
    reason: SuppressionReason,
    source: string,
    note?: string | null,
    tx?: EntityManager,
  ): Promise<void> {
    await (tx ?? this.dataSource).query(
      `INSERT INTO suppressions (email, reason, source, note) VALUES ($1, $2, $3, $4)
       ON CONFLICT (email, reason) DO NOTHING`,
      [email.toLowerCase(), reason, source, note ?? null],
    );
  }

  /**
   * Entries newest first (or one address's), `limit` of them after `before` (keyset on
   * created_at exactly, then reason and email); `position` is where the next page starts.
   */
  async list(
    email: string | undefined,
    limit: number,
    before?: PagePosition,
  ): Promise<{ entries: Suppression[]; next: PagePosition | undefined }> {
    const [beforeReason, beforeEmail] = before ? splitAfter(before.after) : [null, null];
    const rows = await this.dataSource.query<
      Array<{
        email: string;
        reason: SuppressionReason;
        source: string;
        note: string | null;
        created_at: Date;
        position_at: string;
      }>
    >(
      `SELECT email, reason, source, note, created_at, ${exactInstantSql('created_at')} AS position_at
         FROM suppressions
        WHERE ($1::text IS NULL OR email = $1)
          AND ($3::timestamptz IS NULL OR (created_at, reason, email) < ($3::timestamptz, $4::text, $5::text))
        ORDER BY created_at DESC, reason DESC, email DESC LIMIT $2`,
      [email?.toLowerCase() ?? null, limit + 1, before?.at ?? null, beforeReason, beforeEmail],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      entries: page.map((r) => ({
        email: r.email,
        reason: r.reason,
        source: r.source,
        note: r.note,
        createdAt: r.created_at,
      })),
      next: rows.length > limit && last ? { at: last.position_at, after: `${last.reason}:${last.email}` } : undefined,
    };
  }

  /** Removes entries for an address (one reason, or all); returns how many. */
  async remove(email: string, reason: SuppressionReason | undefined, tx?: EntityManager): Promise<number> {
    const rows = await (tx ?? this.dataSource).query<Array<{ email: string }>>(
      `WITH removed AS (
         DELETE FROM suppressions WHERE email = $1 AND ($2::text IS NULL OR reason = $2) RETURNING email)
       SELECT email FROM removed`,
      [email.toLowerCase(), reason ?? null],
    );
    return rows.length;
  }
}
