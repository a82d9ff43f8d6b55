import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Segments, who is in them, and when time alone could change that (one due time per customer
 * and segment, moved by every re-evaluation: no periodic full scans).
 */
export class Segments1764100000000 implements MigrationInterface {
  name = 'Segments1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE segments (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key          text NOT NULL UNIQUE CHECK (key ~ '^[a-z0-9][a-z0-9_-]{0,99}$'),
        name         text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
        description  text,
        rule         jsonb NOT NULL,
        -- false until the first evaluation of every existing customer has finished
        ready        boolean NOT NULL DEFAULT false,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        archived_at  timestamptz
      )`);
    await q.query(`
      CREATE TABLE segment_memberships (
        customer_uuid  uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        segment_id     uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
        entered_at     timestamptz NOT NULL,
        PRIMARY KEY (customer_uuid, segment_id)
      )`);
    await q.query(`CREATE INDEX segment_memberships_segment_idx ON segment_memberships (segment_id, entered_at DESC)`);
    await q.query(`
      CREATE TABLE segment_rechecks (
        customer_uuid  uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        segment_id     uuid NOT NULL REFERENCES segments (id) ON DELETE CASCADE,
        due_at         timestamptz NOT NULL,
        PRIMARY KEY (customer_uuid, segment_id)
      )`);
    await q.query(`CREATE INDEX segment_rechecks_due_idx ON segment_rechecks (due_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE segment_rechecks');
    await q.query('DROP TABLE segment_memberships');
    await q.query('DROP TABLE segments');
  }
}
