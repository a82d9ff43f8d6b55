import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Imported history (`kizuna import`) is an event source of its own: its idempotency keys are
 * kept for good, so importing a file again adds nothing however long after.
 */
export class ImportedHistory1764500000000 implements MigrationInterface {
  name = 'ImportedHistory1764500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE events DROP CONSTRAINT events_source_check');
    await q.query(
      `ALTER TABLE events ADD CONSTRAINT events_source_check CHECK (source IN ('api', 'segment', 'shopify', 'system', 'import'))`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM events WHERE source = 'import'`);
    await q.query('ALTER TABLE events DROP CONSTRAINT events_source_check');
    await q.query(
      `ALTER TABLE events ADD CONSTRAINT events_source_check CHECK (source IN ('api', 'segment', 'shopify', 'system'))`,
    );
  }
}
