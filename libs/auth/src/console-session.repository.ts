import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import type { ConsoleRole } from './console-user';

export interface ActiveSession {
  sessionId: string;
  userId: string;
  email: string;
  role: ConsoleRole;
  lastSeenAt: Date;
  expiresAt: Date;
}

/** Console sessions, by the SHA-256 of their token (the token itself is never stored). */
@Injectable()
export class ConsoleSessionRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async insert(
    session: { userId: string; tokenHash: Buffer; expiresAt: Date; userAgent: string | null },
    now: Date,
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO console_sessions (user_id, token_hash, created_at, last_seen_at, expires_at, user_agent)
       VALUES ($1, $2, $3, $3, $4, $5)`,
      [session.userId, session.tokenHash, now, session.expiresAt, session.userAgent],
    );
  }

  /**
   * The session and its user, if the session has neither expired nor been idle since
   * `idleSince`, and the user is still enabled.
   */
  async findActive(tokenHash: Buffer, now: Date, idleSince: Date): Promise<ActiveSession | null> {
    const [row] = await this.dataSource.query<
      Array<{ id: string; user_id: string; email: string; role: ConsoleRole; last_seen_at: Date; expires_at: Date }>
    >(
      `SELECT s.id, s.user_id, u.email, u.role, s.last_seen_at, s.expires_at
         FROM console_sessions s JOIN console_users u ON u.id = s.user_id
        WHERE s.token_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3
          AND u.disabled_at IS NULL AND u.password_hash IS NOT NULL`,
      [tokenHash, now, idleSince],
    );
    return row
      ? {
          sessionId: row.id,
          userId: row.user_id,
          email: row.email,
          role: row.role,
          lastSeenAt: row.last_seen_at,
          expiresAt: row.expires_at,
        }
      : null;
  }

  async touch(sessionId: string, now: Date): Promise<void> {
    await this.dataSource.query('UPDATE console_sessions SET last_seen_at = $2 WHERE id = $1', [sessionId, now]);
  }

  async deleteByToken(tokenHash: Buffer): Promise<void> {
    await this.dataSource.query('DELETE FROM console_sessions WHERE token_hash = $1', [tokenHash]);
  }

  /** Every session of a user (sign out everywhere, disabled, password changed); how many there were. */
  async deleteForUser(userId: string): Promise<number> {
    const [, count] = await this.dataSource.query<[unknown[], number]>(
      'DELETE FROM console_sessions WHERE user_id = $1',
      [userId],
    );
    return count;
  }

  /** Sessions past their expiry, or idle since `idleSince`: they can never be used again. */
  async deleteEnded(now: Date, idleSince: Date): Promise<void> {
    await this.dataSource.query('DELETE FROM console_sessions WHERE expires_at <= $1 OR last_seen_at <= $2', [
      now,
      idleSince,
    ]);
  }
}
