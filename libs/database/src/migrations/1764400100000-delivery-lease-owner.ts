import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Delivery leases fenced by their owner (docs/decisions/0013): `lease_owner` is the claim that
 * holds a `sending` row, and every write a worker makes to it checks that it still does.
 * `first_attempt_at` is where DELIVERY_GIVE_UP_SECONDS counts from (not the queueing time: a
 * message held by caps or quiet hours has not been failing all that while). Attempts closed as
 * `unknown` (possibly delivered twice) get an index of their own: the ops API counts them.
 */
export class DeliveryLeaseOwner1764400100000 implements MigrationInterface {
  name = 'DeliveryLeaseOwner1764400100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE outbox_messages ADD COLUMN lease_owner uuid, ADD COLUMN first_attempt_at timestamptz`);
    await q.query(`
      UPDATE outbox_messages o SET first_attempt_at = a.first
        FROM (SELECT message_id, min(started_at) AS first FROM message_attempts GROUP BY message_id) a
       WHERE o.id = a.message_id`);
    await q.query(
      `CREATE INDEX message_attempts_unknown_idx ON message_attempts (finished_at) WHERE outcome = 'unknown'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX message_attempts_unknown_idx');
    await q.query('ALTER TABLE outbox_messages DROP COLUMN first_attempt_at, DROP COLUMN lease_owner');
  }
}
