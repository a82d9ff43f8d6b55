import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Due timers are claimed per running journey: with one index on due_at alone, the due timers of a
 * paused journey (which stay, to fire on resume) were walked past by every claim of every worker.
 */
export class TimersByJourney1764300000000 implements MigrationInterface {
  name = 'TimersByJourney1764300000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX journey_timers_journey_due_idx ON journey_timers (journey_id, due_at)`);
    await q.query(`DROP INDEX journey_timers_due_idx`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`CREATE INDEX journey_timers_due_idx ON journey_timers (due_at)`);
    await q.query(`DROP INDEX journey_timers_journey_due_idx`);
  }
}
