import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { exactInstantSql, type PagePosition } from '@kizuna/common';
import { IsNull, type EntityManager, type Repository } from 'typeorm';
import { Segment } from './segment.entity';
import type { Rule } from '@kizuna/rules';

export interface SegmentMember {
  customerId: string | null;
  email: string | null;
  enteredAt: Date;
}

/** A membership as stored: who (by uuid) and since when. */
export interface SegmentMembership {
  customerUuid: string;
  enteredAt: Date;
}

export interface DueRecheck {
  customerUuid: string;
  segmentId: string;
}

/** Segments, memberships and recheck due times. */
@Injectable()
export class SegmentRepository {
  constructor(@InjectRepository(Segment) private readonly segments: Repository<Segment>) {}

  async create(input: { key: string; name: string; description: string | null; rule: Rule }): Promise<Segment | null> {
    const rows: Array<{ id: string }> = await this.segments.query(
      `INSERT INTO segments (key, name, description, rule) VALUES ($1, $2, $3, $4::jsonb)
       ON CONFLICT (key) DO NOTHING RETURNING id`,
      [input.key, input.name, input.description, JSON.stringify(input.rule)],
    );
    return rows[0] ? this.findById(rows[0].id) : null;
  }

  findById(id: string): Promise<Segment | null> {
    return this.segments.findOne({ where: { id } });
  }

  findByKey(key: string): Promise<Segment | null> {
    return this.segments.findOne({ where: { key } });
  }

  list(): Promise<Segment[]> {
    return this.segments.find({ where: { archivedAt: IsNull() }, order: { createdAt: 'ASC' } });
  }

  /**
   * Active segments with their member counts, in one query: each count an index-only count over
   * segment_memberships (segment_id, entered_at), for the console's list.
   */
  async listWithCounts(): Promise<Array<{ segment: Segment; memberCount: number }>> {
    const rows: Array<{
      id: string;
      key: string;
      name: string;
      description: string | null;
      rule: Rule;
      ready: boolean;
      created_at: Date;
      updated_at: Date;
      archived_at: Date | null;
      member_count: number;
    }> = await this.segments.query(
      `SELECT s.*, c.n AS member_count
         FROM segments s
         CROSS JOIN LATERAL (SELECT count(*)::int AS n FROM segment_memberships m WHERE m.segment_id = s.id) c
        WHERE s.archived_at IS NULL
        ORDER BY s.created_at, s.id`,
    );
    return rows.map((r) => ({
      segment: this.segments.create({
        id: r.id,
        key: r.key,
        name: r.name,
        description: r.description,
        rule: r.rule,
        ready: r.ready,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        archivedAt: r.archived_at,
      }),
      memberCount: r.member_count,
    }));
  }

  /** Active segments, read inside the caller's transaction. */
  active(tx: EntityManager): Promise<Segment[]> {
    return tx.getRepository(Segment).find({ where: { archivedAt: IsNull() } });
  }

  async update(id: string, changes: { name?: string; description?: string | null; rule?: Rule }): Promise<void> {
    await this.segments.query(
      `UPDATE segments SET name = COALESCE($2, name),
                           description = CASE WHEN $3::boolean THEN $4 ELSE description END,
                           rule = COALESCE($5::jsonb, rule),
                           ready = CASE WHEN $5::jsonb IS NULL THEN ready ELSE false END,
                           updated_at = now()
        WHERE id = $1`,
      [
        id,
        changes.name ?? null,
        changes.description !== undefined,
        changes.description ?? null,
        changes.rule ? JSON.stringify(changes.rule) : null,
      ],
    );
  }

  async archive(id: string): Promise<void> {
    await this.segments.query(`UPDATE segments SET archived_at = now(), updated_at = now() WHERE id = $1`, [id]);
    await this.segments.query(`DELETE FROM segment_rechecks WHERE segment_id = $1`, [id]);
  }

  async markReady(id: string): Promise<void> {
    await this.segments.query(`UPDATE segments SET ready = true WHERE id = $1`, [id]);
  }

  /** Per customer, the segments it is in, by id, with when they entered. */
  async membershipsOf(tx: EntityManager, customerUuids: string[]): Promise<Map<string, Map<string, Date>>> {
    const rows: Array<{ customer_uuid: string; segment_id: string; entered_at: Date }> = await tx.query(
      `SELECT customer_uuid, segment_id, entered_at FROM segment_memberships WHERE customer_uuid = ANY($1::uuid[])`,
      [customerUuids],
    );
    const memberships = new Map(customerUuids.map((id) => [id, new Map<string, Date>()]));
    for (const row of rows) {
      memberships.get(row.customer_uuid)?.set(row.segment_id, row.entered_at);
    }
    return memberships;
  }

  /** Per customer, the keys of the active segments it is in (what journey conditions name). */
  async segmentKeysOf(tx: EntityManager, customerUuids: string[]): Promise<Map<string, string[]>> {
    const rows: Array<{ customer_uuid: string; key: string }> = await tx.query(
      `SELECT m.customer_uuid, s.key FROM segment_memberships m JOIN segments s ON s.id = m.segment_id
        WHERE m.customer_uuid = ANY($1::uuid[]) AND s.archived_at IS NULL ORDER BY s.key`,
      [customerUuids],
    );
    const keys = new Map(customerUuids.map((id) => [id, [] as string[]]));
    for (const row of rows) {
      keys.get(row.customer_uuid)?.push(row.key);
    }
    return keys;
  }

  async enter(tx: EntityManager, entries: Array<{ customerUuid: string; segmentId: string }>, at: Date): Promise<void> {
    if (entries.length === 0) {
      return;
    }
    await tx.query(
      `INSERT INTO segment_memberships (customer_uuid, segment_id, entered_at)
       SELECT e.customer_uuid, e.segment_id, $3 FROM unnest($1::uuid[], $2::uuid[]) AS e(customer_uuid, segment_id)
       ON CONFLICT DO NOTHING`,
      [entries.map((e) => e.customerUuid), entries.map((e) => e.segmentId), at],
    );
  }

  async leave(tx: EntityManager, exits: Array<{ customerUuid: string; segmentId: string }>): Promise<void> {
    if (exits.length === 0) {
      return;
    }
    await tx.query(
      `DELETE FROM segment_memberships m USING unnest($1::uuid[], $2::uuid[]) AS e(customer_uuid, segment_id)
        WHERE m.customer_uuid = e.customer_uuid AND m.segment_id = e.segment_id`,
      [exits.map((e) => e.customerUuid), exits.map((e) => e.segmentId)],
    );
  }

  /** Sets (or, with no due time, clears) when each (customer, segment) must be looked at again. */
  async setRechecks(
    tx: EntityManager,
    rechecks: Array<{ customerUuid: string; segmentId: string; dueAt: Date | undefined }>,
  ): Promise<void> {
    const due = rechecks.filter((r) => r.dueAt !== undefined);
    const cleared = rechecks.filter((r) => r.dueAt === undefined);
    if (due.length > 0) {
      await tx.query(
        `INSERT INTO segment_rechecks (customer_uuid, segment_id, due_at)
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::timestamptz[])
         ON CONFLICT (customer_uuid, segment_id) DO UPDATE SET due_at = EXCLUDED.due_at`,
        [due.map((r) => r.customerUuid), due.map((r) => r.segmentId), due.map((r) => r.dueAt!.toISOString())],
      );
    }
    if (cleared.length > 0) {
      await tx.query(
        `DELETE FROM segment_rechecks r USING unnest($1::uuid[], $2::uuid[]) AS c(customer_uuid, segment_id)
          WHERE r.customer_uuid = c.customer_uuid AND r.segment_id = c.segment_id`,
        [cleared.map((r) => r.customerUuid), cleared.map((r) => r.segmentId)],
      );
    }
  }

  /**
   * Customers with rechecks due, those due longest first: the candidates of a recheck claim. The
   * claim locks them first (the customer lock, skipping busy ones) and only then takes their
   * recheck rows (claimRechecks): the inbox's lock order. Claiming recheck rows before the customer
   * deadlocked against an inbox batch or another worker re-evaluating the same customer.
   */
  async customersWithDueRechecks(tx: EntityManager, now: Date, limit: number): Promise<string[]> {
    const rows: Array<{ customer_uuid: string }> = await tx.query(
      `SELECT customer_uuid FROM segment_rechecks WHERE due_at <= $1
        GROUP BY customer_uuid ORDER BY min(due_at) LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => r.customer_uuid);
  }

  /** Claims the due rechecks of these (locked) customers: removed; re-evaluation sets the next one. */
  async claimRechecks(tx: EntityManager, customerUuids: string[], now: Date): Promise<DueRecheck[]> {
    if (customerUuids.length === 0) {
      return [];
    }
    // Wrapped in a CTE: TypeORM returns [rows, count] for a bare DELETE, rows for a SELECT.
    const rows: Array<{ customer_uuid: string; segment_id: string }> = await tx.query(
      `WITH claimed AS (
         DELETE FROM segment_rechecks
          WHERE customer_uuid = ANY($1::uuid[]) AND due_at <= $2
          RETURNING customer_uuid, segment_id)
       SELECT customer_uuid, segment_id FROM claimed`,
      [customerUuids, now],
    );
    return rows.map((r) => ({ customerUuid: r.customer_uuid, segmentId: r.segment_id }));
  }

  async countMembers(segmentId: string): Promise<number> {
    const [row]: Array<{ n: number }> = await this.segments.query(
      `SELECT count(*)::int AS n FROM segment_memberships WHERE segment_id = $1`,
      [segmentId],
    );
    return row?.n ?? 0;
  }

  /**
   * Members, most recent entries first: one keyset page (entered_at to the microsecond, then the
   * customer's uuid); `next` is undefined on the last page.
   */
  async members(
    segmentId: string,
    limit: number,
    before: PagePosition | undefined,
  ): Promise<{ members: SegmentMembership[]; next: PagePosition | undefined }> {
    const rows: Array<{ customer_uuid: string; entered_at: Date; position_at: string }> = await this.segments.query(
      `SELECT m.customer_uuid, m.entered_at, ${exactInstantSql('m.entered_at')} AS position_at
         FROM segment_memberships m
        WHERE m.segment_id = $1
          AND ($2::timestamptz IS NULL OR (m.entered_at, m.customer_uuid) < ($2::timestamptz, $3::uuid))
        ORDER BY m.entered_at DESC, m.customer_uuid DESC
        LIMIT $4`,
      [segmentId, before?.at ?? null, before?.after ?? null, limit + 1],
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return {
      members: page.map((r) => ({ customerUuid: r.customer_uuid, enteredAt: r.entered_at })),
      next: rows.length > limit && last ? { at: last.position_at, after: last.customer_uuid } : undefined,
    };
  }
}
