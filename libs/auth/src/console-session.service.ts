import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import { Clock } from '@kizuna/common';
import { ConsoleSessionRepository, type ActiveSession } from './console-session.repository';
import type { ConsoleUser } from './console-user';

const HOUR_MS = 3_600_000;
/** A session ends this long after sign-in, however busy. */
export const SESSION_LIFETIME_MS = 7 * 24 * HOUR_MS;
/** ... or this long after its last request. */
export const SESSION_IDLE_MS = 24 * HOUR_MS;
/** `last_seen_at` is written at most this often per session, not on every request. */
const TOUCH_INTERVAL_MS = 60_000;

/** The cookie that carries the session token: httpOnly, SameSite=Strict, Secure over https. */
export const SESSION_COOKIE = 'kizuna_session';
/** The header that carries the CSRF token on state-changing requests made with the cookie. */
export const CSRF_HEADER = 'x-csrf-token';

export interface StartedSession {
  /** The cookie's value; only its SHA-256 is stored. */
  token: string;
  csrfToken: string;
  expiresAt: Date;
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value).digest();

/**
 * Console sessions. The token (256 random bits) lives in an httpOnly cookie; the database keeps
 * its hash, so a copy of the table signs nobody in. The CSRF token is derived from the session
 * token (SHA-256 over a fixed label and the token): the console reads it from the sign-in
 * answer or GET /v1/session and sends it in X-CSRF-Token; another site can neither read the
 * cookie nor compute it, and nothing more needs storing.
 */
@Injectable()
export class ConsoleSessionService {
  private readonly logger = new Logger(ConsoleSessionService.name);

  constructor(
    private readonly sessions: ConsoleSessionRepository,
    private readonly clock: Clock,
  ) {}

  async start(user: ConsoleUser, userAgent: string | undefined): Promise<StartedSession> {
    const token = randomBytes(32).toString('base64url');
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + SESSION_LIFETIME_MS);
    await this.sessions.insert(
      { userId: user.id, tokenHash: sha256(token), expiresAt, userAgent: userAgent?.slice(0, 500) ?? null },
      now,
    );
    // Ended sessions are dead rows: clear them while signing in (rare, and cheap by index).
    this.sessions
      .deleteEnded(now, new Date(now.getTime() - SESSION_IDLE_MS))
      .catch((error: unknown) => this.logger.warn(`could not delete ended sessions: ${String(error)}`));
    return { token, csrfToken: csrfTokenFor(token), expiresAt };
  }

  /** The live session for a cookie's token, or null; records its use (at most once a minute). */
  async authenticate(token: string): Promise<ActiveSession | null> {
    const now = this.clock.now();
    const session = await this.sessions.findActive(sha256(token), now, new Date(now.getTime() - SESSION_IDLE_MS));
    if (session && now.getTime() - session.lastSeenAt.getTime() >= TOUCH_INTERVAL_MS) {
      await this.sessions.touch(session.sessionId, now);
    }
    return session;
  }

  /** The CSRF token that goes with a session token. */
  csrfTokenFor(token: string): string {
    return csrfTokenFor(token);
  }

  async end(token: string): Promise<void> {
    await this.sessions.deleteByToken(sha256(token));
  }

  /** Signs a user out everywhere; how many sessions ended. */
  endAll(userId: string): Promise<number> {
    return this.sessions.deleteForUser(userId);
  }
}

export function csrfTokenFor(sessionToken: string): string {
  return createHash('sha256').update('kizuna-csrf\0').update(sessionToken).digest('base64url');
}

export function isValidCsrfToken(sessionToken: string, presented: string | undefined): boolean {
  if (!presented) {
    return false;
  }
  const expected = Buffer.from(csrfTokenFor(sessionToken));
  const actual = Buffer.from(presented);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** The session token from a Cookie header, if there is one. */
export function sessionTokenFrom(cookieHeader: string | undefined): string | undefined {
  if (!cookieHeader) {
    return undefined;
  }
  for (const part of cookieHeader.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === SESSION_COOKIE) {
      const value = part.slice(eq + 1).trim();
      return value || undefined;
    }
  }
  return undefined;
}
