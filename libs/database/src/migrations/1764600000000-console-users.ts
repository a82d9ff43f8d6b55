import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Console sign-in (docs/decisions/0025): people, their sessions and one-time links. Nothing here
 * is keyed by a customer, so the distribution rules for customer tables do not apply.
 * - `console_users`: email (stored lower-cased, unique), role, scrypt hash (null until an
 *   invitation is accepted), disabled.
 * - `console_sessions`: only SHA-256 of the session token; absolute expiry and last use (idle
 *   expiry is computed from it).
 * - `console_links`: one-time setup (first admin) and invitation links, SHA-256 of the token,
 *   single use, expiring.
 */
export class ConsoleUsers1764600000000 implements MigrationInterface {
  name = 'ConsoleUsers1764600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE console_users (
        id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email           text NOT NULL,
        role            text NOT NULL CHECK (role IN ('marketer', 'ops', 'admin')),
        password_hash   text,
        created_at      timestamptz NOT NULL,
        created_by      text NOT NULL,
        disabled_at     timestamptz,
        last_sign_in_at timestamptz,
        CONSTRAINT console_users_email_key UNIQUE (email)
      )`);
    await q.query(`
      CREATE TABLE console_sessions (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id      uuid NOT NULL REFERENCES console_users (id) ON DELETE CASCADE,
        token_hash   bytea NOT NULL,
        created_at   timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL,
        expires_at   timestamptz NOT NULL,
        user_agent   text,
        CONSTRAINT console_sessions_token_key UNIQUE (token_hash)
      )`);
    await q.query('CREATE INDEX console_sessions_user_idx ON console_sessions (user_id)');
    await q.query('CREATE INDEX console_sessions_expires_idx ON console_sessions (expires_at)');
    await q.query(`
      CREATE TABLE console_links (
        token_hash bytea PRIMARY KEY,
        purpose    text NOT NULL CHECK (purpose IN ('setup', 'invite')),
        user_id    uuid REFERENCES console_users (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at    timestamptz,
        CHECK ((purpose = 'setup') = (user_id IS NULL))
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE console_links');
    await q.query('DROP TABLE console_sessions');
    await q.query('DROP TABLE console_users');
  }
}
