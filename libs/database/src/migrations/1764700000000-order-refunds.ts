import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refunds as facts (docs/analytics.md, "Orders, refunds and revenue"): one row per
 * `order.refunded`, so a refund that arrives before its order waits for it, and an order's
 * refunded_total is recomputed from its refunds (in its currency, capped at its total) whenever a
 * refund or the order itself is recorded. Keyed customer first (DESIGN.md).
 */
export class OrderRefunds1764700000000 implements MigrationInterface {
  name = 'OrderRefunds1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_refunds (
        customer_uuid  uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        order_id       text NOT NULL,
        event_id       uuid NOT NULL,
        amount         numeric(20, 4),
        currency       text,
        refunded_at    timestamptz NOT NULL,
        PRIMARY KEY (customer_uuid, order_id, event_id)
      )`);
    // Refunds applied before this table existed live only in refunded_total: kept as one fact per
    // order (the nil uuid stands for "recorded before refunds were facts"), in the order's currency.
    await q.query(`
      INSERT INTO order_refunds (customer_uuid, order_id, event_id, amount, currency, refunded_at)
      SELECT customer_uuid, order_id, '00000000-0000-0000-0000-000000000000', refunded_total, currency, placed_at
        FROM customer_orders WHERE refunded_total > 0`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE order_refunds');
  }
}
