import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The shop's KPIs, cohorts and NPS (docs/analytics.md "How it is computed", decision 0034):
 *
 * - `order_owners`: one owner per order id, shop-wide, so an id counts once across customers.
 *   Orders recorded twice under two customers before this migration keep the first recorded
 *   (earliest placed, then lowest uuid); the others are removed and their customers' counts
 *   recomputed (revenue in the shop currency, SHOP_CURRENCY as the app was started with).
 * - `customer_orders.previous_placed_at`: the customer's previous counted order, so the buyers of
 *   any period are the period's orders whose previous order is before it (an index-only read).
 * - rollups written in the transaction of the order facts: `order_daily`, `buyer_coverage`,
 *   `repeat_coverage`, `cohort_monthly`, and `shop_rollups` (the time zone and window lengths they
 *   were built with: none yet, so the first read builds them from the facts).
 * - `nps_answers`: every `nps.responded`, customer first (DESIGN.md), filled from the events
 *   already processed.
 */
export class ShopAnalytics1764820000000 implements MigrationInterface {
  name = 'ShopAnalytics1764820000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE order_owners (
        order_id       text PRIMARY KEY,
        customer_uuid  uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE
      )`);
    await q.query(`
      INSERT INTO order_owners (order_id, customer_uuid)
      SELECT DISTINCT ON (order_id) order_id, customer_uuid FROM customer_orders
       ORDER BY order_id, placed_at, customer_uuid`);
    const losers = (await q.query(`
      WITH gone AS (
        DELETE FROM customer_orders o
         WHERE NOT EXISTS (SELECT 1 FROM order_owners w WHERE w.order_id = o.order_id AND w.customer_uuid = o.customer_uuid)
        RETURNING customer_uuid)
      SELECT DISTINCT customer_uuid FROM gone`)) as Array<{ customer_uuid: string }>;
    if (losers.length > 0) {
      // The same computation as CustomerRepository.recomputeStats (purchaseStatsOf).
      await q.query(
        `UPDATE customers c
            SET orders_count = s.orders_count, revenue = s.revenue,
                first_order_at = s.first_order_at, last_order_at = s.last_order_at, updated_at = now()
           FROM (SELECT k.id AS customer_uuid,
                        count(*) FILTER (WHERE o.cancelled_at IS NULL)::int AS orders_count,
                        COALESCE(sum(o.total - o.refunded_total) FILTER (WHERE o.cancelled_at IS NULL AND o.currency = $2), 0) AS revenue,
                        min(o.placed_at) FILTER (WHERE o.cancelled_at IS NULL) AS first_order_at,
                        max(o.placed_at) FILTER (WHERE o.cancelled_at IS NULL) AS last_order_at
                   FROM customers k LEFT JOIN customer_orders o ON o.customer_uuid = k.id
                  WHERE k.id = ANY($1::uuid[]) GROUP BY k.id) s
          WHERE c.id = s.customer_uuid`,
        [losers.map((l) => l.customer_uuid), (process.env.SHOP_CURRENCY ?? 'USD').toUpperCase()],
      );
    }

    await q.query(`ALTER TABLE customer_orders ADD COLUMN previous_placed_at timestamptz`);
    await q.query(`
      UPDATE customer_orders o SET previous_placed_at = p.previous
        FROM (SELECT customer_uuid, order_id,
                     lag(placed_at) OVER (PARTITION BY customer_uuid ORDER BY placed_at, order_id) AS previous
                FROM customer_orders WHERE cancelled_at IS NULL) p
       WHERE o.customer_uuid = p.customer_uuid AND o.order_id = p.order_id AND p.previous IS NOT NULL`);
    // The buyers of a period: its counted orders, with their previous order's time, read from the
    // index alone.
    await q.query(`
      CREATE INDEX customer_orders_placed ON customer_orders (placed_at) INCLUDE (previous_placed_at)
       WHERE cancelled_at IS NULL`);

    // Rollups. `slot` = the customer uuid's first hex digit: concurrent batches rarely update the
    // same row, and reads sum the 16 slots.
    await q.query(`
      CREATE TABLE order_daily (
        day       date NOT NULL,
        currency  text NOT NULL,
        slot      smallint NOT NULL,
        orders    integer NOT NULL DEFAULT 0,
        revenue   numeric(20, 4) NOT NULL DEFAULT 0,
        PRIMARY KEY (day, currency, slot)
      )`);
    for (const table of ['buyer_coverage', 'repeat_coverage']) {
      await q.query(`
        CREATE TABLE ${table} (
          window_days  integer NOT NULL,
          day          date NOT NULL,
          slot         smallint NOT NULL,
          delta        integer NOT NULL DEFAULT 0,
          PRIMARY KEY (window_days, day, slot)
        )`);
    }
    await q.query(`
      CREATE TABLE cohort_monthly (
        cohort_month  date NOT NULL,
        month         date NOT NULL,
        slot          smallint NOT NULL,
        customers     integer NOT NULL DEFAULT 0,
        revenue       numeric(20, 4) NOT NULL DEFAULT 0,
        PRIMARY KEY (cohort_month, month, slot)
      )`);
    await q.query(`
      CREATE TABLE shop_rollups (
        id              boolean PRIMARY KEY DEFAULT true CHECK (id),
        time_zone       text,
        currency        text,
        buyer_windows   integer[] NOT NULL DEFAULT '{}',
        repeat_windows  integer[] NOT NULL DEFAULT '{}',
        built_at        timestamptz
      )`);
    await q.query(`INSERT INTO shop_rollups DEFAULT VALUES`);

    await q.query(`
      CREATE TABLE nps_answers (
        customer_uuid  uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        answered_at    timestamptz NOT NULL,
        event_id       uuid NOT NULL,
        event_seq      bigint NOT NULL,
        score          smallint NOT NULL CHECK (score BETWEEN 0 AND 10),
        comment        text,
        source         text NOT NULL,
        journey_id     uuid,
        PRIMARY KEY (customer_uuid, answered_at, event_id)
      )`);
    await q.query(`CREATE INDEX nps_answers_answered ON nps_answers (answered_at)`);
    await q.query(`
      INSERT INTO nps_answers (customer_uuid, answered_at, event_id, event_seq, score, comment, source, journey_id)
      SELECT customer_uuid, occurred_at, id, seq, (properties->>'score')::smallint,
             NULLIF(btrim(properties->>'comment'), ''), source,
             CASE WHEN properties->>'journeyId' ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
                  THEN (properties->>'journeyId')::uuid END
        FROM events
       WHERE name = 'nps.responded' AND customer_uuid IS NOT NULL AND processed_at IS NOT NULL
         AND processing_error IS NULL AND properties->>'score' ~ '^(10|[0-9])$'
      ON CONFLICT DO NOTHING`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of [
      'nps_answers',
      'shop_rollups',
      'cohort_monthly',
      'repeat_coverage',
      'buyer_coverage',
      'order_daily',
      'order_owners',
    ]) {
      await q.query(`DROP TABLE ${table}`);
    }
    await q.query(`DROP INDEX customer_orders_placed`);
    await q.query(`ALTER TABLE customer_orders DROP COLUMN previous_placed_at`);
  }
}
