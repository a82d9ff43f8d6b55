import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * API keys, customers with their orders, the event inbox and its idempotency keys.
 *
 * Hot tables carry the customer in their keys (events.customer_key, customer_orders'
 * customer_uuid) so they can later be partitioned or distributed by customer.
 */
export class Foundation1763700000000 implements MigrationInterface {
  name = 'Foundation1763700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE api_keys (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        role          text NOT NULL CHECK (role IN ('ingest', 'marketer', 'ops', 'admin')),
        key_prefix    text NOT NULL,
        key_hash      bytea NOT NULL UNIQUE,
        created_at    timestamptz NOT NULL DEFAULT now(),
        last_used_at  timestamptz,
        revoked_at    timestamptz
      )`);

    await q.query(`
      CREATE TABLE customers (
        id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        customer_id         text UNIQUE,
        email               text,
        email_normalized    text UNIQUE,
        attributes          jsonb NOT NULL DEFAULT '{}'::jsonb,
        timezone            text,
        locale              text,
        email_consent       text NOT NULL DEFAULT 'unknown'
                            CHECK (email_consent IN ('subscribed', 'unsubscribed', 'unknown')),
        email_consent_source text,
        email_consent_at    timestamptz,
        orders_count        integer NOT NULL DEFAULT 0,
        revenue             numeric(20, 4) NOT NULL DEFAULT 0,
        first_order_at      timestamptz,
        last_order_at       timestamptz,
        created_at          timestamptz NOT NULL DEFAULT now(),
        updated_at          timestamptz NOT NULL DEFAULT now(),
        CHECK (customer_id IS NOT NULL OR email_normalized IS NOT NULL)
      )`);

    // One row per order: stats are recomputed from these facts, so a replayed, duplicated or
    // refunded order can never skew them.
    await q.query(`
      CREATE TABLE customer_orders (
        customer_uuid   uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        order_id        text NOT NULL,
        total           numeric(20, 4) NOT NULL,
        currency        text NOT NULL,
        placed_at       timestamptz NOT NULL,
        refunded_total  numeric(20, 4) NOT NULL DEFAULT 0,
        cancelled_at    timestamptz,
        PRIMARY KEY (customer_uuid, order_id)
      )`);

    // The inbox. The api inserts; workers claim pending rows (processed_at IS NULL) in seq
    // order per customer_key and stamp them processed in the transaction that applies them.
    await q.query(`
      CREATE TABLE events (
        seq               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        id                uuid NOT NULL DEFAULT gen_random_uuid() UNIQUE,
        source            text NOT NULL CHECK (source IN ('api', 'segment', 'shopify', 'system')),
        message_id        text NOT NULL,
        name              text NOT NULL,
        customer_key      text NOT NULL,
        customer_id       text,
        email             text,
        occurred_at       timestamptz NOT NULL,
        received_at       timestamptz NOT NULL DEFAULT now(),
        properties        jsonb NOT NULL DEFAULT '{}'::jsonb,
        traits            jsonb,
        customer_uuid     uuid,
        processed_at      timestamptz,
        processing_error  text
      )`);
    await q.query(`CREATE INDEX events_pending_idx ON events (seq) WHERE processed_at IS NULL`);
    await q.query(`CREATE INDEX events_pending_key_idx ON events (customer_key, seq) WHERE processed_at IS NULL`);
    await q.query(`CREATE INDEX events_customer_timeline_idx ON events (customer_uuid, occurred_at DESC, seq DESC)`);
    await q.query(`CREATE INDEX events_received_at_idx ON events (received_at)`);

    // Idempotency keys live apart from events so the dedup window and event retention are
    // independent, and so a key is unique without a global unique index on the hot table.
    await q.query(`
      CREATE TABLE event_idempotency_keys (
        source      text NOT NULL,
        message_id  text NOT NULL,
        body_hash   bytea NOT NULL,
        event_id    uuid NOT NULL,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (source, message_id)
      )`);
    await q.query(`CREATE INDEX event_idempotency_keys_created_idx ON event_idempotency_keys (created_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE event_idempotency_keys');
    await q.query('DROP TABLE events');
    await q.query('DROP TABLE customer_orders');
    await q.query('DROP TABLE customers');
    await q.query('DROP TABLE api_keys');
  }
}
