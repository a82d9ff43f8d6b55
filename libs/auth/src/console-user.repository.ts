import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { ConsoleLinkPurpose, ConsoleRole, ConsoleUser } from './console-user';
import { Role } from './role';

interface UserRow {
  id: string;
  email: string;
  role: ConsoleRole;
  password_hash: string | null;
  created_at: Date;
  created_by: string;
  disabled_at: Date | null;
  last_sign_in_at: Date | null;
}

const toUser = (row: UserRow): ConsoleUser => ({
  id: row.id,
  email: row.email,
  role: row.role,
  hasPassword: row.password_hash !== null,
  createdAt: row.created_at,
  createdBy: row.created_by,
  disabledAt: row.disabled_at,
  lastSignInAt: row.last_sign_in_at,
});

const USER_COLUMNS = 'id, email, role, password_hash, created_at, created_by, disabled_at, last_sign_in_at';

/** Serialises the first-admin setup: two setup links redeemed at once must not make two admins. */
const SETUP_LOCK = 0x6b7a_5345; // "kzSE"

export interface NewUser {
  email: string;
  role: ConsoleRole;
  passwordHash: string | null;
  createdBy: string;
}

export interface UsableLink {
  purpose: ConsoleLinkPurpose;
  user: ConsoleUser | null;
  expiresAt: Date;
}

/**
 * Console users and their one-time links (setup, invitation). Writes that must hold together
 * (a link consumed and the password it sets) run in one transaction here.
 */
@Injectable()
export class ConsoleUserRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async count(): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM console_users');
    return row?.n ?? 0;
  }

  async list(): Promise<ConsoleUser[]> {
    const rows = await this.dataSource.query<UserRow[]>(`SELECT ${USER_COLUMNS} FROM console_users ORDER BY email`);
    return rows.map(toUser);
  }

  async findById(id: string): Promise<ConsoleUser | null> {
    const [row] = await this.dataSource.query<UserRow[]>(`SELECT ${USER_COLUMNS} FROM console_users WHERE id = $1`, [
      id,
    ]);
    return row ? toUser(row) : null;
  }

  /** The user and their password hash, for a sign-in. */
  async findForSignIn(email: string): Promise<{ user: ConsoleUser; passwordHash: string | null } | null> {
    const [row] = await this.dataSource.query<UserRow[]>(`SELECT ${USER_COLUMNS} FROM console_users WHERE email = $1`, [
      email,
    ]);
    return row ? { user: toUser(row), passwordHash: row.password_hash } : null;
  }

  /** The new user, or null when the email is taken. */
  async insert(user: NewUser, now: Date, tx?: EntityManager): Promise<ConsoleUser | null> {
    const [row] = await (tx ?? this.dataSource).query<UserRow[]>(
      `INSERT INTO console_users (email, role, password_hash, created_at, created_by)
       VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (email) DO NOTHING
       RETURNING ${USER_COLUMNS}`,
      [user.email, user.role, user.passwordHash, now, user.createdBy],
    );
    return row ? toUser(row) : null;
  }

  async update(id: string, change: { role?: ConsoleRole; disabledAt?: Date | null }): Promise<ConsoleUser | null> {
    const [rows] = await this.dataSource.query<[UserRow[], number]>(
      `UPDATE console_users
          SET role = coalesce($2, role),
              disabled_at = CASE WHEN $3::boolean THEN $4::timestamptz ELSE disabled_at END
        WHERE id = $1
        RETURNING ${USER_COLUMNS}`,
      [id, change.role ?? null, change.disabledAt !== undefined, change.disabledAt ?? null],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  /** Active admins other than this user: there must always be one left. */
  async otherActiveAdmins(userId: string): Promise<number> {
    const [row] = await this.dataSource.query<Array<{ n: number }>>(
      `SELECT count(*)::int AS n FROM console_users
        WHERE role = 'admin' AND disabled_at IS NULL AND id <> $1`,
      [userId],
    );
    return row?.n ?? 0;
  }

  async recordSignIn(id: string, now: Date): Promise<void> {
    await this.dataSource.query('UPDATE console_users SET last_sign_in_at = $2 WHERE id = $1', [id, now]);
  }

  async insertLink(
    link: { tokenHash: Buffer; purpose: ConsoleLinkPurpose; userId: string | null; expiresAt: Date },
    now: Date,
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO console_links (token_hash, purpose, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
      [link.tokenHash, link.purpose, link.userId, now, link.expiresAt],
    );
  }

  /** A link that can still be used: not used, not expired, and (setup) nobody has an account yet. */
  async findUsableLink(tokenHash: Buffer, now: Date): Promise<UsableLink | null> {
    const [row] = await this.dataSource.query<
      Array<{ purpose: ConsoleLinkPurpose; expires_at: Date; user: UserRow | null }>
    >(
      `SELECT l.purpose, l.expires_at, to_jsonb(u) AS user
         FROM console_links l LEFT JOIN console_users u ON u.id = l.user_id
        WHERE l.token_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2
          AND (l.purpose = 'invite' AND u.disabled_at IS NULL
               OR l.purpose = 'setup' AND NOT EXISTS (SELECT FROM console_users))`,
      [tokenHash, now],
    );
    if (!row) {
      return null;
    }
    const user = row.user
      ? toUser({
          ...row.user,
          created_at: new Date(row.user.created_at),
          disabled_at: row.user.disabled_at && new Date(row.user.disabled_at),
          last_sign_in_at: row.user.last_sign_in_at && new Date(row.user.last_sign_in_at),
        })
      : null;
    return { purpose: row.purpose, user, expiresAt: row.expires_at };
  }

  /**
   * Uses a link once, in one transaction: a setup link creates the first admin (only while there
   * is no user at all), an invitation sets its user's password. Null when the link cannot be
   * used (unknown, used, expired, the user disabled, or setup already done).
   */
  async redeemLink(
    tokenHash: Buffer,
    setup: { email: string; passwordHash: string },
    now: Date,
  ): Promise<ConsoleUser | null> {
    return this.dataSource
      .transaction(async (tx) => {
        await tx.query('SELECT pg_advisory_xact_lock($1)', [SETUP_LOCK]);
        const [links] = await tx.query<[Array<{ purpose: ConsoleLinkPurpose; user_id: string | null }>, number]>(
          `UPDATE console_links SET used_at = $2
          WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
          RETURNING purpose, user_id`,
          [tokenHash, now],
        );
        const link = links[0];
        if (!link) {
          return null;
        }
        if (link.purpose === 'setup') {
          const [users] = await tx.query<Array<{ n: number }>>('SELECT count(*)::int AS n FROM console_users');
          if ((users?.n ?? 0) > 0) {
            return null; // the used_at above is kept: a setup link is worthless once anyone exists
          }
          await tx.query(`UPDATE console_links SET used_at = $1 WHERE purpose = 'setup' AND used_at IS NULL`, [now]);
          return this.insert(
            { email: setup.email, role: Role.Admin, passwordHash: setup.passwordHash, createdBy: 'setup' },
            now,
            tx,
          );
        }
        const [rows] = await tx.query<[UserRow[], number]>(
          `UPDATE console_users SET password_hash = $2
          WHERE id = $1 AND disabled_at IS NULL
          RETURNING ${USER_COLUMNS}`,
          [link.user_id, setup.passwordHash],
        );
        if (!rows[0]) {
          throw new LinkNotUsable(); // roll back: the link stays usable if the user is enabled again
        }
        return toUser(rows[0]);
      })
      .catch((error: unknown) => {
        if (error instanceof LinkNotUsable) {
          return null;
        }
        throw error;
      });
  }
}

class LinkNotUsable extends Error {}
