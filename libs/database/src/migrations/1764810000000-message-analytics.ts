import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Message analytics (docs/analytics.md, "Message engagement" and "Attribution"; decision 0033).
 *
 * - Each outbox message gains what reports group it by (`split_path`, `created_day`: the shop
 *   day of its creation, in SHOP_TIMEZONE, written by the enqueue) and its summary: `opened` and
 *   `clicked` (none | machine | human, from classifyMessageEngagement over its hits),
 *   `unsubscribed`, `complained`, and the orders credited to it (count, shop-currency net
 *   revenue, other currencies apart as `{ "<currency>": { "orders": n, "revenue": x } }`).
 * - `message_engagements`: every open, click and unsubscribe hit, capped per message.
 * - `order_attributions`: the one decision per order (message_id NULL: decided, no credit).
 * - `message_daily` / `message_currency_daily`: the rollups reports read, kept by two
 *   statement-level triggers on outbox_messages with transition tables, so every write to a
 *   message (the enqueue, each delivery status change wherever it is made, the summary, the
 *   credit) moves its rollup row in the same statement: one set-based upsert per statement, keys
 *   sorted so two writers cannot deadlock, `slot` = hash(customer) mod 16 to spread hot rows.
 *   Deleting a message (a customer erased) leaves its history in the rollups.
 */

/** The rollup counters of one message row `m`, as SQL expressions times `sign`. */
function counters(m: string, sign: string): string {
  const flag = (condition: string) => `(${condition})::int * ${sign}`;
  return [
    `${sign} AS created`,
    `${flag(`${m}.status = 'sent'`)} AS sent`,
    `${flag(`${m}.status = 'failed'`)} AS failed`,
    `${flag(`${m}.status = 'suppressed'`)} AS suppressed`,
    `${flag(`${m}.status = 'skipped'`)} AS skipped`,
    `${flag(`${m}.status = 'deferred'`)} AS deferred`,
    `${flag(`${m}.opened = 'human'`)} AS human_opened`,
    `${flag(`${m}.opened = 'machine'`)} AS machine_opened`,
    `${flag(`${m}.clicked = 'human'`)} AS human_clicked`,
    `${flag(`${m}.clicked = 'machine'`)} AS scanner_clicked`,
    `${flag(`${m}.unsubscribed`)} AS unsubscribed`,
    `${flag(`${m}.complained`)} AS complained`,
    `${flag(`${m}.credited_orders > 0`)} AS converted_messages`,
    `${m}.credited_orders * ${sign} AS credited_orders`,
    `${m}.credited_revenue * ${sign} AS credited_revenue`,
  ].join(', ');
}

const COUNTERS = [
  'created',
  'sent',
  'failed',
  'suppressed',
  'skipped',
  'deferred',
  'human_opened',
  'machine_opened',
  'human_clicked',
  'scanner_clicked',
  'unsubscribed',
  'complained',
  'converted_messages',
  'credited_orders',
  'credited_revenue',
];

/** The rollup key of a message row: what reports group by, the shop day, the slot. */
function key(m: string): string {
  return `${m}.journey_id, ${m}.step_id, ${m}.template_key, ${m}.split_path,
          COALESCE(${m}.created_day, (${m}.created_at AT TIME ZONE 'UTC')::date) AS day,
          (hashtext(${m}.customer_uuid::text) & 15)::smallint AS slot`;
}

const KEY = 'journey_id, step_id, template_key, split_path, day, slot';

/** One upsert of the deltas of `rows` (a SELECT of key + counters), sorted by key, zero rows left out. */
function upsertDaily(rows: string): string {
  return `
    INSERT INTO message_daily AS d (${KEY}, ${COUNTERS.join(', ')})
    SELECT ${KEY}, ${COUNTERS.map((c) => `sum(${c})`).join(', ')}
      FROM (${rows}) x
     GROUP BY ${KEY}
    HAVING ${COUNTERS.map((c) => `sum(${c}) <> 0`).join(' OR ')}
     ORDER BY ${KEY}
    ON CONFLICT ON CONSTRAINT message_daily_key DO UPDATE
       SET ${COUNTERS.map((c) => `${c} = d.${c} + excluded.${c}`).join(', ')}`;
}

/** The same for the credits in other currencies (`credited_other`), one row per currency. */
function upsertCurrencies(rows: string): string {
  return `
    INSERT INTO message_currency_daily AS d (${KEY}, currency, orders, revenue)
    SELECT ${KEY}, c.key, sum((c.value->>'orders')::int * x.sign), sum((c.value->>'revenue')::numeric * x.sign)
      FROM (${rows}) x, jsonb_each(x.credited_other) c
     GROUP BY ${KEY}, c.key
    HAVING sum((c.value->>'orders')::int * x.sign) <> 0 OR sum((c.value->>'revenue')::numeric * x.sign) <> 0
     ORDER BY ${KEY}, c.key
    ON CONFLICT ON CONSTRAINT message_currency_daily_key DO UPDATE
       SET orders = d.orders + excluded.orders, revenue = d.revenue + excluded.revenue`;
}

export class MessageAnalytics1764810000000 implements MigrationInterface {
  name = 'MessageAnalytics1764810000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outbox_messages
        ADD COLUMN split_path       text,
        ADD COLUMN created_day      date,
        ADD COLUMN opened           text NOT NULL DEFAULT 'none' CHECK (opened IN ('none', 'machine', 'human')),
        ADD COLUMN clicked          text NOT NULL DEFAULT 'none' CHECK (clicked IN ('none', 'machine', 'human')),
        ADD COLUMN unsubscribed     boolean NOT NULL DEFAULT false,
        ADD COLUMN complained       boolean NOT NULL DEFAULT false,
        ADD COLUMN credited_orders  integer NOT NULL DEFAULT 0,
        ADD COLUMN credited_revenue numeric(20, 4) NOT NULL DEFAULT 0,
        ADD COLUMN credited_other   jsonb NOT NULL DEFAULT '{}'::jsonb`);
    // Messages from before: their day in UTC (the rebuild command re-keys them in the shop's zone).
    await q.query(`UPDATE outbox_messages SET created_day = (created_at AT TIME ZONE 'UTC')::date`);

    await q.query(`
      CREATE TABLE message_engagements (
        customer_uuid  uuid NOT NULL,
        message_id     uuid NOT NULL,
        seq            smallint NOT NULL,
        kind           text NOT NULL CHECK (kind IN ('open', 'click', 'unsubscribe', 'complaint')),
        at             timestamptz NOT NULL,
        link           text,
        user_agent     text,
        PRIMARY KEY (customer_uuid, message_id, seq)
      )`);
    // The touches an order looks back on: a customer's hits by time.
    await q.query(`CREATE INDEX message_engagements_touch_idx ON message_engagements (customer_uuid, at)`);

    await q.query(`
      CREATE TABLE order_attributions (
        customer_uuid  uuid NOT NULL,
        order_id       text NOT NULL,
        message_id     uuid,
        journey_id     uuid,
        step_id        text,
        template_key   text,
        split_path     text,
        touch          text CHECK (touch IN ('received', 'opened', 'clicked')),
        touched_at     timestamptz,
        currency       text NOT NULL,
        credited_orders integer NOT NULL DEFAULT 0,
        revenue        numeric(20, 4) NOT NULL DEFAULT 0,
        decided_at     timestamptz NOT NULL,
        PRIMARY KEY (customer_uuid, order_id),
        CHECK ((message_id IS NULL) = (touch IS NULL))
      )`);

    const columns = COUNTERS.map(
      (c) => `${c} ${c === 'credited_revenue' ? 'numeric(20, 4)' : 'integer'} NOT NULL DEFAULT 0`,
    );
    await q.query(`
      CREATE TABLE message_daily (
        journey_id   uuid,
        step_id      text,
        template_key text,
        split_path   text,
        day          date NOT NULL,
        slot         smallint NOT NULL,
        ${columns.join(',\n        ')},
        CONSTRAINT message_daily_key UNIQUE NULLS NOT DISTINCT (journey_id, step_id, template_key, split_path, day, slot)
      )`);
    await q.query(`CREATE INDEX message_daily_day_idx ON message_daily (day)`);
    await q.query(`CREATE INDEX message_daily_journey_day_idx ON message_daily (journey_id, day)`);
    await q.query(`
      CREATE TABLE message_currency_daily (
        journey_id   uuid,
        step_id      text,
        template_key text,
        split_path   text,
        day          date NOT NULL,
        slot         smallint NOT NULL,
        currency     text NOT NULL,
        orders       integer NOT NULL DEFAULT 0,
        revenue      numeric(20, 4) NOT NULL DEFAULT 0,
        CONSTRAINT message_currency_daily_key
          UNIQUE NULLS NOT DISTINCT (journey_id, step_id, template_key, split_path, day, slot, currency)
      )`);
    await q.query(`CREATE INDEX message_currency_daily_day_idx ON message_currency_daily (day)`);

    // Email only: webhook calls are ops data, not engagement (docs/analytics.md).
    const inserted = `SELECT ${key('n')}, ${counters('n', '1')}, n.credited_other, 1 AS sign
                        FROM message_rows_new n WHERE n.channel = 'email'`;
    const updated = `SELECT ${key('n')}, ${counters('n', '1')}, n.credited_other, 1 AS sign
                       FROM message_rows_new n WHERE n.channel = 'email'
                     UNION ALL
                     SELECT ${key('o')}, ${counters('o', '(-1)')}, o.credited_other, -1 AS sign
                       FROM message_rows_old o WHERE o.channel = 'email'`;
    await q.query(`
      CREATE FUNCTION message_daily_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${upsertDaily(inserted)};
        ${upsertCurrencies(inserted)};
        RETURN NULL;
      END $$`);
    // Most updates (claims, leases, attempts) change no counter: the HAVING leaves them out, and
    // the credited_other rows are only expanded where that column changed.
    await q.query(`
      CREATE FUNCTION message_daily_updated() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${upsertDaily(updated)};
        IF EXISTS (SELECT 1 FROM message_rows_new n JOIN message_rows_old o USING (id)
                    WHERE n.credited_other <> o.credited_other OR n.created_day IS DISTINCT FROM o.created_day
                       OR n.split_path IS DISTINCT FROM o.split_path) THEN
          ${upsertCurrencies(updated)};
        END IF;
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER message_daily_inserted AFTER INSERT ON outbox_messages
        REFERENCING NEW TABLE AS message_rows_new
        FOR EACH STATEMENT EXECUTE FUNCTION message_daily_inserted()`);
    await q.query(`
      CREATE TRIGGER message_daily_updated AFTER UPDATE ON outbox_messages
        REFERENCING OLD TABLE AS message_rows_old NEW TABLE AS message_rows_new
        FOR EACH STATEMENT EXECUTE FUNCTION message_daily_updated()`);

    // The journeys list's entries over a period, for every journey in one index-only read.
    await q.query(
      `CREATE INDEX journey_instance_history_entered_idx ON journey_instance_history (at, journey_id) WHERE kind = 'entered'`,
    );

    // The messages already there, once.
    await q.query(
      upsertDaily(`SELECT ${key('m')}, ${counters('m', '1')} FROM outbox_messages m WHERE m.channel = 'email'`),
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX journey_instance_history_entered_idx');
    await q.query('DROP TRIGGER message_daily_updated ON outbox_messages');
    await q.query('DROP TRIGGER message_daily_inserted ON outbox_messages');
    await q.query('DROP FUNCTION message_daily_updated()');
    await q.query('DROP FUNCTION message_daily_inserted()');
    await q.query('DROP TABLE message_currency_daily');
    await q.query('DROP TABLE message_daily');
    await q.query('DROP TABLE order_attributions');
    await q.query('DROP TABLE message_engagements');
    await q.query(`
      ALTER TABLE outbox_messages
        DROP COLUMN credited_other, DROP COLUMN credited_revenue, DROP COLUMN credited_orders,
        DROP COLUMN complained, DROP COLUMN unsubscribed, DROP COLUMN clicked, DROP COLUMN opened,
        DROP COLUMN created_day, DROP COLUMN split_path`);
  }
}
