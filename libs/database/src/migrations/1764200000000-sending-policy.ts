import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sending policy and webhook delivery on the outbox: what a send step asked for when a
 * frequency cap holds its message (`when_capped`), the time a message was cleared by the policy
 * and is being sent (it counts against the cap until it is recorded as sent or given back), an
 * index for counting a customer's sent marketing email, and a claim index per channel in claim
 * order (priority first).
 */
export class SendingPolicy1764200000000 implements MigrationInterface {
  name = 'SendingPolicy1764200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE outbox_messages
        ADD COLUMN when_capped        text NOT NULL DEFAULT 'defer' CHECK (when_capped IN ('defer', 'skip')),
        ADD COLUMN policy_cleared_at  timestamptz`);
    await q.query(`
      CREATE INDEX outbox_messages_marketing_sent_idx ON outbox_messages (customer_uuid, sent_at DESC)
       WHERE status = 'sent' AND channel = 'email' AND category = 'marketing'`);
    await q.query(`
      CREATE INDEX outbox_messages_claim_idx ON outbox_messages (channel, priority DESC, not_before)
       WHERE status IN ('queued', 'deferred')`);
    await q.query('DROP INDEX outbox_messages_due_idx');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX outbox_messages_due_idx ON outbox_messages (not_before) WHERE status IN ('queued', 'deferred')`,
    );
    await q.query('DROP INDEX outbox_messages_claim_idx');
    await q.query('DROP INDEX outbox_messages_marketing_sent_idx');
    await q.query('ALTER TABLE outbox_messages DROP COLUMN policy_cleared_at, DROP COLUMN when_capped');
  }
}
