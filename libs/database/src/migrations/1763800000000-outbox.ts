import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The outbox: effects that leave Kizuna (email, webhooks), written by the journey engine in the
 * same transaction as the state change that caused them, delivered by the messaging workers.
 * `effect_key` is deterministic (instance + step + entry count), so a replayed event or timer
 * can never enqueue the same effect twice.
 */
export class Outbox1763800000000 implements MigrationInterface {
  name = 'Outbox1763800000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE outbox_messages (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        effect_key       text NOT NULL UNIQUE,
        customer_uuid    uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        channel          text NOT NULL CHECK (channel IN ('email', 'webhook')),
        category         text NOT NULL CHECK (category IN ('marketing', 'transactional')),
        template_key     text,
        webhook_url      text,
        payload          jsonb NOT NULL DEFAULT '{}'::jsonb,
        journey_id       uuid,
        journey_version  integer,
        instance_id      uuid,
        step_id          text,
        priority         integer NOT NULL DEFAULT 0,
        status           text NOT NULL DEFAULT 'queued'
                         CHECK (status IN ('queued', 'sending', 'sent', 'deferred', 'failed', 'suppressed', 'skipped')),
        status_reason    text,
        not_before       timestamptz NOT NULL DEFAULT now(),
        attempts         integer NOT NULL DEFAULT 0,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now(),
        CHECK ((channel = 'email') = (template_key IS NOT NULL)),
        CHECK ((channel = 'webhook') = (webhook_url IS NOT NULL))
      )`);
    await q.query(
      `CREATE INDEX outbox_messages_due_idx ON outbox_messages (not_before) WHERE status IN ('queued', 'deferred')`,
    );
    await q.query(`CREATE INDEX outbox_messages_customer_idx ON outbox_messages (customer_uuid, created_at DESC)`);
    await q.query(`CREATE INDEX outbox_messages_journey_idx ON outbox_messages (journey_id, created_at DESC)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE outbox_messages');
  }
}
