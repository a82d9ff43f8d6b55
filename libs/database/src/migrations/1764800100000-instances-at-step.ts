import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The console lists the customers resting in a step, earliest entry first, a keyset page at a
 * time: without an index in that order every page sorted all of the step's instances.
 */
export class InstancesAtStep1764800100000 implements MigrationInterface {
  name = 'InstancesAtStep1764800100000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      `CREATE INDEX journey_instances_at_step_idx ON journey_instances (journey_id, current_step, entered_at, id)
        WHERE status = 'active'`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX journey_instances_at_step_idx`);
  }
}
