import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Entries as facts for holdout lift and A/B tests (docs/analytics.md, "Lift", "A/B tests",
 * decisions/0035): one `journey_entries` row per instance entry (customer first, DESIGN.md), its
 * `entry_daily` rollup (counts, sums and sums of squares per journey, group, split path, shop day
 * and slot) written in the transaction of the engine's history write, and the recorded A/B
 * verdicts. The history learns `split` (the path a split sent an instance down; a message's split
 * path is the engine's, decisions/0033 and 0035).
 */
export class JourneyEntries1764830000000 implements MigrationInterface {
  name = 'JourneyEntries1764830000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE journey_instance_history DROP CONSTRAINT journey_instance_history_kind_check`);
    await q.query(`
      ALTER TABLE journey_instance_history ADD CONSTRAINT journey_instance_history_kind_check
        CHECK (kind IN ('entered', 'step', 'split', 'exited', 'goal', 'held-out', 'migrated'))`);

    await q.query(`
      CREATE TABLE journey_entries (
        customer_uuid   uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        instance_id     uuid NOT NULL,
        entry_count     integer NOT NULL,
        journey_id      uuid NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
        held_out        boolean NOT NULL,
        entered_at      timestamptz NOT NULL,
        entered_day     date NOT NULL,
        -- entered_at + goal.within of the version entered; NULL when it has no goal
        window_ends_at  timestamptz,
        slot            smallint NOT NULL,
        -- the customer's first entry into the journey (entries per customer)
        first_entry     boolean NOT NULL,
        -- split step id -> path taken
        splits          jsonb NOT NULL DEFAULT '{}'::jsonb,
        goal_at         timestamptz,
        converted       boolean NOT NULL DEFAULT false,
        -- net shop-currency revenue of the customer's counted orders placed in [entered_at, window_ends_at]
        revenue         numeric(20, 4) NOT NULL DEFAULT 0,
        PRIMARY KEY (customer_uuid, instance_id, entry_count)
      )`);

    // '' / '' is the journey as a whole; (split step, path) the entries that took that path.
    await q.query(`
      CREATE TABLE entry_daily (
        journey_id       uuid NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
        split_step       text NOT NULL,
        split_path       text NOT NULL,
        held_out         boolean NOT NULL,
        day              date NOT NULL,
        slot             smallint NOT NULL,
        entrants         integer NOT NULL DEFAULT 0,
        first_entrants   integer NOT NULL DEFAULT 0,
        converted        integer NOT NULL DEFAULT 0,
        revenue          numeric NOT NULL DEFAULT 0,
        revenue_squares  numeric NOT NULL DEFAULT 0,
        PRIMARY KEY (journey_id, split_step, split_path, held_out, day, slot)
      )`);

    // The journeys list's entries over a period, every journey at once (the whole-journey rows):
    // it replaces the history index 1764810000000 added for the same read.
    await q.query(`CREATE INDEX entry_daily_day_idx ON entry_daily (day, journey_id) WHERE split_step = ''`);
    await q.query('DROP INDEX journey_instance_history_entered_idx');

    // The verdict of a split's A/B test, taken once at its horizon (winner NULL: none).
    await q.query(`
      CREATE TABLE journey_split_verdicts (
        journey_id  uuid NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
        step_id     text NOT NULL,
        winner      text,
        figures     jsonb NOT NULL,
        decided_at  timestamptz NOT NULL,
        PRIMARY KEY (journey_id, step_id)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE journey_split_verdicts');
    await q.query(
      `CREATE INDEX journey_instance_history_entered_idx ON journey_instance_history (at, journey_id) WHERE kind = 'entered'`,
    );
    await q.query('DROP TABLE entry_daily');
    await q.query('DROP TABLE journey_entries');
    await q.query(`DELETE FROM journey_instance_history WHERE kind = 'split'`);
    await q.query(`ALTER TABLE journey_instance_history DROP CONSTRAINT journey_instance_history_kind_check`);
    await q.query(`
      ALTER TABLE journey_instance_history ADD CONSTRAINT journey_instance_history_kind_check
        CHECK (kind IN ('entered', 'step', 'exited', 'goal', 'held-out', 'migrated'))`);
  }
}
