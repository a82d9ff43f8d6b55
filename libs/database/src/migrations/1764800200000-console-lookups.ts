import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the console's ops and customer screens (docs/decisions/0031-console-ops-screens.md):
 * - the message log filtered by status or by template, newest first, keyset-paginated on
 *   (created_at, id), reads one index range instead of walking every message of the period;
 * - the suppression list newest first, keyset-paginated on (created_at, reason, email);
 * - delivery attempts by the hour they finished (failure rate over time);
 * - customers found by a prefix of their id or email: byte order ("C") so a prefix is one range
 *   of the index, whatever the database's collation.
 */
export class ConsoleLookups1764800200000 implements MigrationInterface {
  name = 'ConsoleLookups1764800200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX outbox_messages_status_log_idx ON outbox_messages (status, created_at DESC, id DESC)`);
    await q.query(
      `CREATE INDEX outbox_messages_template_log_idx ON outbox_messages (template_key, created_at DESC, id DESC)
        WHERE template_key IS NOT NULL`,
    );
    await q.query(
      `CREATE INDEX message_attempts_finished_idx ON message_attempts (finished_at) WHERE finished_at IS NOT NULL`,
    );
    await q.query(`CREATE INDEX suppressions_log_idx ON suppressions (created_at DESC, reason DESC, email DESC)`);
    await q.query(`CREATE INDEX customers_customer_id_prefix_idx ON customers ((customer_id COLLATE "C"))`);
    await q.query(`CREATE INDEX customers_email_prefix_idx ON customers ((email_normalized COLLATE "C"))`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX customers_email_prefix_idx');
    await q.query('DROP INDEX customers_customer_id_prefix_idx');
    await q.query('DROP INDEX suppressions_log_idx');
    await q.query('DROP INDEX message_attempts_finished_idx');
    await q.query('DROP INDEX outbox_messages_template_log_idx');
    await q.query('DROP INDEX outbox_messages_status_log_idx');
  }
}
