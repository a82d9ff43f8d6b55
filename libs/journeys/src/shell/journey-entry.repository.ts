import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { EntryFactChange } from '../core/entry-facts';
import { addToEntryDaily, ENTRY_CONTRIBUTION_COLUMNS } from '../lift/entry-rollup.repository';

/** An order fact a batch recorded or changed (placed, refunded, cancelled). */
export interface TouchedOrder {
  customerUuid: string;
  orderId: string;
}

/** The shop's calendar and money, for entry days and revenue. */
export interface ShopBasis {
  timeZone: string;
  currency: string;
}

/**
 * Entries as facts, and their `entry_daily` rollup (docs/analytics.md, "How it is computed";
 * decisions/0035). Written in the batch's transaction, after its history and after the profile
 * writes that recorded its orders, so an entry, its split paths, its goal and the revenue of the
 * orders in its window change with the fact that changed them. The caller holds the customers'
 * locks, so no other transaction changes these entries meanwhile.
 *
 * The rollup is moved by differences: every entry whose facts change is read before and after
 * (one statement), each side expanded into its rollup rows (the journey as a whole, and one per
 * split path it took), and (after − before) added to those rows, keys sorted so that two batches
 * never wait on each other in a cycle. An entry's revenue is recomputed from its customer's
 * orders rather than adjusted, so a replayed, duplicated, refunded or cancelled order, in any
 * order of arrival, always leaves the same figure; its revenue² moves by (new² − old²).
 */
@Injectable()
export class JourneyEntryRepository {
  async record(tx: EntityManager, facts: EntryFactChange[], orders: TouchedOrder[], shop: ShopBasis): Promise<void> {
    if (facts.length === 0 && orders.length === 0) {
      return;
    }
    const entered = facts.filter((f) => f.entered);
    // Only the earliest new entry of a customer into a journey can be their first.
    const earliest = new Map<string, EntryFactChange>();
    for (const f of entered) {
      const key = `${f.customerUuid}:${f.journeyId}`;
      const seen = earliest.get(key);
      if (!seen || f.entered!.enteredAt < seen.entered!.enteredAt) {
        earliest.set(key, f);
      }
    }
    const inserted =
      entered.length === 0
        ? []
        : await tx.query<Array<{ customer_uuid: string; instance_id: string; entry_count: number }>>(
            `INSERT INTO journey_entries (customer_uuid, instance_id, entry_count, journey_id, held_out, entered_at,
                                          entered_day, window_ends_at, slot, first_entry)
             SELECT n.customer_uuid, n.instance_id, n.entry_count, n.journey_id, n.held_out, n.entered_at,
                    (n.entered_at AT TIME ZONE $10)::date, n.window_ends_at,
                    get_byte(uuid_send(n.customer_uuid), 15) % 16,
                    n.candidate AND NOT EXISTS (SELECT 1 FROM journey_entries e
                                                 WHERE e.customer_uuid = n.customer_uuid AND e.journey_id = n.journey_id)
               FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::uuid[], $5::boolean[], $6::timestamptz[],
                           $7::timestamptz[], $8::boolean[], $9::int[])
                    AS n(customer_uuid, instance_id, entry_count, journey_id, held_out, entered_at, window_ends_at,
                         candidate, n)
              ORDER BY n.n
             ON CONFLICT (customer_uuid, instance_id, entry_count) DO NOTHING
             RETURNING customer_uuid, instance_id, entry_count`,
            [
              entered.map((f) => f.customerUuid),
              entered.map((f) => f.instanceId),
              entered.map((f) => f.entryCount),
              entered.map((f) => f.journeyId),
              entered.map((f) => f.entered!.heldOut),
              entered.map((f) => new Date(f.entered!.enteredAt).toISOString()),
              entered.map((f) =>
                f.entered!.windowMs === undefined
                  ? null
                  : new Date(f.entered!.enteredAt + f.entered!.windowMs).toISOString(),
              ),
              entered.map((f) => earliest.get(`${f.customerUuid}:${f.journeyId}`) === f),
              entered.map((_, i) => i),
              shop.timeZone,
            ],
          );
    const isNew = new Set(inserted.map((r) => `${r.customer_uuid}:${r.instance_id}:${r.entry_count}`));
    await tx.query(
      `WITH changes AS (
         SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::jsonb[], $5::timestamptz[], $6::boolean[])
                  AS c(customer_uuid, instance_id, entry_count, splits, goal_at, is_new)),
       touched AS (
         SELECT DISTINCT e.customer_uuid, e.instance_id, e.entry_count
           FROM unnest($7::uuid[], $8::text[]) AS t(customer_uuid, order_id)
           JOIN customer_orders o ON o.customer_uuid = t.customer_uuid AND o.order_id = t.order_id
           JOIN journey_entries e ON e.customer_uuid = o.customer_uuid
                                 AND o.placed_at BETWEEN e.entered_at AND e.window_ends_at),
       keys AS (
         SELECT customer_uuid, instance_id, entry_count, COALESCE(c.is_new, false) AS is_new,
                COALESCE(c.splits, '{}'::jsonb) AS splits, c.goal_at
           FROM changes c FULL JOIN touched t USING (customer_uuid, instance_id, entry_count)),
       before AS (
         SELECT k.is_new, k.splits AS added, k.goal_at AS reached, e.*
           FROM keys k JOIN journey_entries e USING (customer_uuid, instance_id, entry_count)),
       after AS (
         UPDATE journey_entries e
            SET splits = e.splits || b.added,
                goal_at = COALESCE(e.goal_at, b.reached),
                converted = COALESCE(COALESCE(e.goal_at, b.reached) BETWEEN e.entered_at AND e.window_ends_at, false),
                revenue = COALESCE(
                  (SELECT sum(o.total - o.refunded_total) FROM customer_orders o
                    WHERE o.customer_uuid = e.customer_uuid AND o.cancelled_at IS NULL AND o.currency = $9
                      AND o.placed_at BETWEEN e.entered_at AND e.window_ends_at), 0)
           FROM before b
          WHERE e.customer_uuid = b.customer_uuid AND e.instance_id = b.instance_id AND e.entry_count = b.entry_count
          RETURNING ${ENTRY_CONTRIBUTION_COLUMNS.split(', ')
            .map((c) => `e.${c}`)
            .join(', ')}),
       contributions AS (
         SELECT -1 AS sign, ${ENTRY_CONTRIBUTION_COLUMNS} FROM before WHERE NOT is_new
         UNION ALL
         SELECT 1, ${ENTRY_CONTRIBUTION_COLUMNS} FROM after)
       ${addToEntryDaily('contributions')}`,
      [
        facts.map((f) => f.customerUuid),
        facts.map((f) => f.instanceId),
        facts.map((f) => f.entryCount),
        facts.map((f) => JSON.stringify(f.splits)),
        facts.map((f) => (f.goalAt === undefined ? null : new Date(f.goalAt).toISOString())),
        facts.map((f) => isNew.has(`${f.customerUuid}:${f.instanceId}:${f.entryCount}`)),
        orders.map((o) => o.customerUuid),
        orders.map((o) => o.orderId),
        shop.currency,
      ],
    );
  }
}
