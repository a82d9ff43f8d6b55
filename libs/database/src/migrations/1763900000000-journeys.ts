import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The journey engine: journeys and their versions (a published version is immutable, enforced
 * by a trigger), instances with their XState snapshots, due timers, and the transition history
 * that counts are computed from. Instance, timer and history tables carry customer_uuid first
 * in their keys so they can be partitioned or distributed by customer.
 */
export class Journeys1763900000000 implements MigrationInterface {
  name = 'Journeys1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE journeys (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name            text NOT NULL,
        status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'active', 'paused', 'archived')),
        active_version  integer,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CHECK ((status = 'draft') = (active_version IS NULL) OR status = 'archived')
      )`);
    await q.query(`
      CREATE TABLE journey_versions (
        journey_id    uuid NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
        version       integer NOT NULL CHECK (version > 0),
        definition    jsonb NOT NULL,
        published_at  timestamptz,
        created_at    timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (journey_id, version)
      )`);
    await q.query(`
      CREATE FUNCTION journey_versions_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.published_at IS NOT NULL THEN
          RAISE EXCEPTION 'journey % version % is published and cannot change', OLD.journey_id, OLD.version;
        END IF;
        IF TG_OP = 'DELETE' THEN
          RETURN OLD;
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`
      CREATE TRIGGER journey_versions_immutable BEFORE UPDATE OR DELETE ON journey_versions
        FOR EACH ROW EXECUTE FUNCTION journey_versions_immutable()`);

    // One row per (customer, journey, key): a re-entry resets the row and bumps entry_count,
    // which is part of every effect key.
    await q.query(`
      CREATE TABLE journey_instances (
        customer_uuid    uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        id               uuid NOT NULL,
        journey_id       uuid NOT NULL REFERENCES journeys (id) ON DELETE CASCADE,
        version          integer NOT NULL,
        instance_key     text NOT NULL DEFAULT '',
        entry_count      integer NOT NULL CHECK (entry_count > 0),
        status           text NOT NULL CHECK (status IN ('active', 'completed', 'exited')),
        current_step     text,
        snapshot         jsonb NOT NULL,
        entered_at       timestamptz NOT NULL,
        exited_at        timestamptz,
        exit_reason      text,
        holdout          boolean NOT NULL DEFAULT false,
        last_message_at  timestamptz,
        goal_reached_at  timestamptz,
        updated_at       timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (customer_uuid, id),
        UNIQUE (customer_uuid, journey_id, instance_key),
        FOREIGN KEY (journey_id, version) REFERENCES journey_versions (journey_id, version)
      )`);
    await q.query(`CREATE INDEX journey_instances_journey_idx ON journey_instances (journey_id, status, current_step)`);

    await q.query(`
      CREATE TABLE journey_timers (
        customer_uuid  uuid NOT NULL,
        instance_id    uuid NOT NULL,
        timer_id       text NOT NULL,
        journey_id     uuid NOT NULL,
        event          text NOT NULL,
        due_at         timestamptz NOT NULL,
        PRIMARY KEY (customer_uuid, instance_id, timer_id),
        FOREIGN KEY (customer_uuid, instance_id) REFERENCES journey_instances (customer_uuid, id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX journey_timers_due_idx ON journey_timers (due_at)`);

    await q.query(`
      CREATE TABLE journey_instance_history (
        customer_uuid  uuid NOT NULL,
        instance_id    uuid NOT NULL,
        seq            bigint GENERATED ALWAYS AS IDENTITY,
        journey_id     uuid NOT NULL,
        version        integer NOT NULL,
        entry_count    integer NOT NULL,
        kind           text NOT NULL CHECK (kind IN ('entered', 'step', 'exited', 'goal', 'held-out', 'migrated')),
        step_id        text,
        reason         text,
        at             timestamptz NOT NULL,
        event_seq      bigint,
        PRIMARY KEY (customer_uuid, instance_id, seq),
        FOREIGN KEY (customer_uuid, instance_id) REFERENCES journey_instances (customer_uuid, id) ON DELETE CASCADE
      )`);
    await q.query(
      `CREATE INDEX journey_instance_history_counts_idx ON journey_instance_history (journey_id, kind, step_id)`,
    );
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE journey_instance_history');
    await q.query('DROP TABLE journey_timers');
    await q.query('DROP TABLE journey_instances');
    await q.query('DROP TABLE journey_versions');
    await q.query('DROP FUNCTION journey_versions_immutable() CASCADE');
    await q.query('DROP TABLE journeys');
  }
}
