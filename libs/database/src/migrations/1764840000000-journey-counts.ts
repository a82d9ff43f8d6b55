import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The journey counts (`GET /v1/journeys/:id/counts`, the journeys list's `entered`) from a rollup
 * of the history instead of a count over it (decisions/0038): `journey_history_counts` holds, per
 * journey, kind, step (kind `step`), exit reason (kind `exited`) and slot, how many history rows
 * there are. A statement-level trigger on `journey_instance_history` keeps it in the transaction
 * of every history write, as `message_daily` is kept (decisions/0033): one grouped upsert per
 * statement, keys in sorted order, the slot (hash of the customer & 15) spreading a big
 * journey's hot rows over 16.
 */
export class JourneyCounts1764840000000 implements MigrationInterface {
  name = 'JourneyCounts1764840000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE journey_history_counts (
        journey_id  uuid NOT NULL,
        kind        text NOT NULL,
        step_id     text,
        reason      text,
        slot        smallint NOT NULL,
        n           bigint NOT NULL,
        CONSTRAINT journey_history_counts_key UNIQUE NULLS NOT DISTINCT (journey_id, kind, step_id, reason, slot)
      )`);
    const upsert = (rows: string) => `
      INSERT INTO journey_history_counts AS c (journey_id, kind, step_id, reason, slot, n)
      SELECT h.journey_id, h.kind,
             CASE WHEN h.kind = 'step' THEN h.step_id END AS step_id,
             CASE WHEN h.kind = 'exited' THEN h.reason END AS reason,
             (hashtext(h.customer_uuid::text) & 15)::smallint AS slot,
             count(*)
        FROM ${rows} h
       GROUP BY 1, 2, 3, 4, 5
       ORDER BY 1, 2, 3, 4, 5
      ON CONFLICT ON CONSTRAINT journey_history_counts_key DO UPDATE SET n = c.n + EXCLUDED.n`;
    await q.query(`
      CREATE FUNCTION journey_history_counted() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        ${upsert('journey_history_new')};
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER journey_history_counted AFTER INSERT ON journey_instance_history
        REFERENCING NEW TABLE AS journey_history_new
        FOR EACH STATEMENT EXECUTE FUNCTION journey_history_counted()`);
    // The history already there, once. Deleted history (a customer erased) is not subtracted:
    // counts say how many ever entered, as the messages' rollup does.
    await q.query(upsert('journey_instance_history'));
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TRIGGER journey_history_counted ON journey_instance_history');
    await q.query('DROP FUNCTION journey_history_counted()');
    await q.query('DROP TABLE journey_history_counts');
  }
}
