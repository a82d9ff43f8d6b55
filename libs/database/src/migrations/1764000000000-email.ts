import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Email: versioned templates with locale variants, delivery records on the outbox (rendered
 * content, Message-ID, lease), every SMTP attempt, the suppression list, and process-wide
 * settings such as the sending kill switch.
 */
export class Email1764000000000 implements MigrationInterface {
  name = 'Email1764000000000';

  async up(q: QueryRunner): Promise<void> {
    // A template is a stable key (what journeys reference) and a pointer to its current version.
    // Layouts and partials are templates too, so they are versioned the same way.
    await q.query(`
      CREATE TABLE templates (
        id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        key              text NOT NULL UNIQUE CHECK (key ~ '^[a-z0-9][a-z0-9_.-]{0,99}$'),
        kind             text NOT NULL CHECK (kind IN ('email', 'layout', 'partial')),
        description      text NOT NULL DEFAULT '',
        default_locale   text NOT NULL,
        current_version  integer NOT NULL DEFAULT 1,
        archived_at      timestamptz,
        created_at       timestamptz NOT NULL DEFAULT now(),
        updated_at       timestamptz NOT NULL DEFAULT now()
      )`);
    // Versions are immutable: an edit writes a new version. One row per locale variant.
    await q.query(`
      CREATE TABLE template_versions (
        template_id  uuid NOT NULL REFERENCES templates (id) ON DELETE CASCADE,
        version      integer NOT NULL CHECK (version >= 1),
        locale       text NOT NULL,
        layout_key   text,
        subject      text,
        html         text NOT NULL,
        text         text,
        created_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (template_id, version, locale)
      )`);

    await q.query(`
      ALTER TABLE outbox_messages
        ADD COLUMN recipient         text,
        ADD COLUMN locale            text,
        ADD COLUMN template_version  integer,
        ADD COLUMN subject           text,
        ADD COLUMN html              text,
        ADD COLUMN text              text,
        ADD COLUMN smtp_message_id   text,
        ADD COLUMN sent_at           timestamptz,
        ADD COLUMN lease_until       timestamptz`);
    // Rows a crashed worker left in 'sending': found once their lease has run out.
    await q.query(`CREATE INDEX outbox_messages_lease_idx ON outbox_messages (lease_until) WHERE status = 'sending'`);
    await q.query(`CREATE INDEX outbox_messages_created_idx ON outbox_messages (created_at DESC, id DESC)`);

    // Every try at handing a message to the SMTP server. outcome NULL: in progress (or the
    // process died while it was); 'unknown': found that way on recovery.
    await q.query(`
      CREATE TABLE message_attempts (
        message_id   uuid NOT NULL REFERENCES outbox_messages (id) ON DELETE CASCADE,
        attempt      integer NOT NULL,
        started_at   timestamptz NOT NULL DEFAULT now(),
        finished_at  timestamptz,
        outcome      text CHECK (outcome IN ('sent', 'deferred', 'failed', 'unknown')),
        smtp_code    integer,
        response     text,
        PRIMARY KEY (message_id, attempt)
      )`);

    await q.query(`
      CREATE TABLE suppressions (
        email       text NOT NULL,
        reason      text NOT NULL CHECK (reason IN ('hard_bounce', 'complaint', 'unsubscribe', 'manual')),
        source      text NOT NULL,
        note        text,
        created_at  timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (email, reason)
      )`);

    await q.query(`
      CREATE TABLE settings (
        key         text PRIMARY KEY,
        value       jsonb NOT NULL,
        updated_at  timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE settings');
    await q.query('DROP TABLE suppressions');
    await q.query('DROP TABLE message_attempts');
    await q.query('DROP INDEX outbox_messages_created_idx');
    await q.query('DROP INDEX outbox_messages_lease_idx');
    await q.query(`
      ALTER TABLE outbox_messages
        DROP COLUMN recipient, DROP COLUMN locale, DROP COLUMN template_version, DROP COLUMN subject,
        DROP COLUMN html, DROP COLUMN text, DROP COLUMN smtp_message_id, DROP COLUMN sent_at, DROP COLUMN lease_until`);
    await q.query('DROP TABLE template_versions');
    await q.query('DROP TABLE templates');
  }
}
